"""Chapter 11's explorer (reciprocity.explorers.community_norms) shows the grid the chapter simulates."""
from __future__ import annotations

import nbformat

from reciprocity.explorers.community_norms import GRID_SETTINGS
from tests.support.common import ROOT


def test_community_explorer_shows_the_chapter_grid():
    """Chapter 11 simulates the grid with the explorer's settings, so both show the same numbers."""
    chapter = nbformat.read(ROOT / "book" / "insights" / "11-community-norms.ipynb", as_version=4)
    sources = "\n".join(c.source for c in chapter.cells if c.cell_type == "code")
    call = ", ".join(f"{key}={value}" for key, value in GRID_SETTINGS.items())
    assert f"community_grid({call})" in sources
