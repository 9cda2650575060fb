"""The ``{study}`` role: a study's facts drawn from the registry (``reciprocity/studies.yml``).

``{study}`broockman2013black.n_study``` renders "6,928"; any text field of a
record (``design``, ``given_or_requested``, ``observers``, ``outcome``,
``result``, ``n_unit``, ...) can be shown the same way, so a page never
retypes what the record says. An unknown study or field fails the build.
"""
from __future__ import annotations

from docutils import nodes

from reciprocity import studies


def study_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    key, _, field = text.strip().partition(".")
    try:
        value = studies.describe(key, field or "design")
    except (KeyError, ValueError) as err:
        message = inliner.reporter.error(f"{{study}} role: {err}", line=lineno)
        return [inliner.problematic(rawtext, rawtext, message)], [message]
    return [nodes.inline(rawtext, value, classes=["study-fact"])], []


def setup(app):
    app.add_role("study", study_role)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
