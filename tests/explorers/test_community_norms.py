"""Chapter 11's explorer (reciprocity.explorers.community_norms) shows the grid the chapter simulates."""
from __future__ import annotations

import nbformat

from reciprocity.simulate.community import GRID_SETTINGS
from tests.support.common import ROOT


def test_community_explorer_shows_the_chapter_grid():
    """Chapter 11 and its explorer simulate the grid from one constant in simulate/, so both show the same numbers."""
    chapter = nbformat.read(ROOT / "book" / "insights" / "11-community-norms.ipynb", as_version=4)
    sources = "\n".join(c.source for c in chapter.cells if c.cell_type == "code")
    assert "community_grid(**GRID_SETTINGS)" in sources
    explorer = (ROOT / "reciprocity" / "explorers" / "community_norms.py").read_text(encoding="utf-8")
    assert "community_grid(**GRID_SETTINGS)" in explorer
    assert GRID_SETTINGS == {"n_members": 2000, "n_rounds": 12, "seed": 2011}  # the chapter's prose describes these
