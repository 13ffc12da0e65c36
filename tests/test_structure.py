"""The structure rules hold: layer contracts (import-linter), small classes, no pointer to the retired design
file. These guard what review used to: a change that breaks one fails here, with the offender named."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from tests.support.paths import REPO

PACKAGES = ["metadata", "manifests", "server"]


def _sources():
    for package in PACKAGES:
        yield from sorted((REPO / package).rglob("*.py"))


def test_layer_contracts_are_kept():
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def test_the_linter_catches_a_layer_violation(tmp_path):
    """A forbidden import written into a copy of the tree is reported as broken (the check can fail)."""
    subprocess.run(["cp", "-r", *(str(REPO / p) for p in PACKAGES + ["pyproject.toml"]), str(tmp_path)],
                   check=True)
    (tmp_path / "metadata" / "record" / "text.py").write_text(
        (REPO / "metadata" / "record" / "text.py").read_text() + "\nimport flask  # noqa\n")
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(linter)], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert result.returncode != 0 and "BROKEN" in result.stdout.upper(), result.stdout + result.stderr


def test_no_class_has_more_than_30_methods():
    large = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ClassDef):
                methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
                if len(methods) > 30:
                    large.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} has {len(methods)}")
    assert not large, large


def test_code_points_to_the_architecture_page_not_the_retired_design_file():
    mentions = [f"{p.relative_to(REPO)}" for p in _sources() if "DESIGN.md" in p.read_text("utf-8")]
    assert not mentions, mentions
    assert (REPO / "docs" / "architecture.md").is_file()


PUBLIC_ENDPOINTS = {"editor.login", "api.openapi"}


def test_every_editor_and_api_route_states_its_requirement(sqlite_app):
    """Each editor page and API operation carries its own role decorator (auth.page or auth.require)."""
    unguarded = []
    for rule in sqlite_app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in ("editor", "api") and rule.endpoint not in PUBLIC_ENDPOINTS:
            view = sqlite_app.view_functions[rule.endpoint]
            if getattr(view, "required_role", None) not in ("editor", "admin"):
                unguarded.append(f"{rule.rule} ({rule.endpoint})")
    assert not unguarded, unguarded
