"""Chapter 2's turnout explorer (reciprocity.explorers.anonymity) embeds the GGL counts, and only them."""
from __future__ import annotations

from reciprocity.analyses import ggl
from reciprocity.explorers import turnout_explorer


def test_turnout_explorer_embeds_only_the_slice_counts():
    spec = str(turnout_explorer().spec())
    counts = ggl.turnout_counts()
    assert all(str(int(n)) in spec for n in counts["n"])
    assert len(spec) < 40_000
