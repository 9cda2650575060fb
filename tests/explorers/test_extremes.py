"""No explorer misleads at its edges: every control at its extremes, and every pair of them.

On the built book, in Chromium, one page per explorer: each control is set
through its input, as a reader would, to each end of its range (a menu's
first and last option, a checkbox off and on), then every pair of controls
to min/min, min/max, max/min and max/max. In every state all the text the
explorer shows (readouts, titles, axis and mark labels, slider values,
aria text) must keep the invariants of ``explorer_driver.check_invariants``:
intervals hold their estimates, verdicts about zero agree with the interval
beside them, p-values lie in [0, 1] and never print as 0, counts do not
exceed their totals, and no NaN, undefined, Infinity or null appears.
"""
from __future__ import annotations

import pytest

from reciprocity.explorers import EXPLORERS, load_all
from tests.support.common import open_page
from tests.support.explorer_driver import drive_to_extremes, extreme_states, wait_ready

NAMES = sorted(load_all())




@pytest.mark.browser
@pytest.mark.parametrize("name", NAMES)
def test_explorer_text_keeps_its_invariants_at_every_extreme_and_pair_of_extremes(name, browser, site,
                                                                                  explorer_pages):
    page, problems, failed, foreign = open_page(browser, site, explorer_pages[name])
    try:
        explorer_id = next(e["id"] for e in wait_ready(page) if e["name"] == name)
        controls = EXPLORERS[name]().controls()
        assert len(extreme_states(controls)) >= 2 * len(controls)
        found = drive_to_extremes(page, explorer_id, controls)
        assert found == [], f"{name}: {len(found)} problem(s):\n" + "\n".join(found[:20])
        assert problems == [] and failed == [] and foreign == [], (problems, failed, foreign)
    finally:
        page.close()
