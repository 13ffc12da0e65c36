"""Set hierarchy: a set's spec is colon-separated (``ministry:cables``), and its ancestors are its prefixes.

OAI-PMH, IIIF collections, the editor and storage all need "the parent of a set" and "a set with all its
ancestors"; the rule is written once here.
"""
from __future__ import annotations


def parent(spec: str | None) -> str | None:
    """The set one level up (``a:b`` for ``a:b:c``), None for a top-level set."""
    return spec.rsplit(":", 1)[0] if spec and ":" in spec else None


def leaf_name(spec: str) -> str:
    """The last segment, which names a set nobody has described yet."""
    return spec.rsplit(":", 1)[-1]


def lineage(spec: str) -> list[str]:
    """The spec and its ancestors, outermost first (a record in ``a:b`` is also in ``a``)."""
    parts = spec.split(":")
    return [":".join(parts[:i]) for i in range(1, len(parts) + 1)]
