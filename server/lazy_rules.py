"""URL rules that write their URL builders on first use instead of when the app is made.

Werkzeug turns every rule into two small Python functions (one building URLs with only the rule's own
arguments, one also appending unknown ones as a query string) by assembling a syntax tree and compiling it,
as soon as the rule is added. With Muniment's hundred rules that is six sevenths of ``create_app``: every
CLI command, every app server worker and every test pays it, although a process builds URLs for a few
endpoints only (a CLI command often for none). Compiling each builder when it is first called changes
nothing but when the work is done: the function is Werkzeug's own.

This leans on ``Rule._compile_builder``, a private Werkzeug method (stable since Werkzeug 2.2); if a
release renames it, the override is simply not called and rules compile eagerly as before (slower,
still correct). tests/test_lazy_rules.py builds every endpoint's URL both ways and compares them.
"""
from __future__ import annotations

from werkzeug.routing import Rule


class LazyBuilderRule(Rule):
    """A Werkzeug rule that compiles each URL builder the first time it is called."""

    def _compile_builder(self, append_unknown: bool = True):
        compiled = []  # the compiled builder, bound to its rule, once called

        def build(rule: Rule, /, **values):  # positional-only: a URL argument may be called "rule"
            # Two threads racing here both compile the same function; either result is correct.
            if not compiled:
                compiled.append(Rule._compile_builder(rule, append_unknown).__get__(rule, None))
            return compiled[0](**values)

        return build
