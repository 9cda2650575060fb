"""Exchange plugins for the hub's formgrader: the buttons that bypass the grading page refuse.

``run.py up`` names these classes in the formgrader's own ``nbgrader_config.py``
(``STATE/etc/grader/``, through nbgrader's documented ``ExchangeFactory``
options), so they apply to the formgrader service and its terminal only. The
grading page runs ``nbgrader`` without that folder and keeps the default
exchange, with its own checks around it:

* *Collect* would take every inbound submission, forged ones included; the
  grading page's **Grade** sets those aside first.
* *Unrelease* (a ``list --remove``) would take a lab away from students who are
  still working on it.
* *Release feedback* would send feedback while written answers still wait for
  a hand grade; the grading page refuses until they are graded.

Each refusal is a message in the formgrader's error dialog saying what to use
instead. Listing the exchange (without removing) works as before.
"""
from __future__ import annotations

from nbgrader.exchange.default import ExchangeCollect, ExchangeList, ExchangeReleaseFeedback

GRADING_PAGE = "the course's grading page (hub menu Services, grade-<course>)"


class CollectOnTheGradingPage(ExchangeCollect):
    """*Collect* refused: the grading page collects, after setting forged submissions aside."""

    def start(self):
        self.fail(f"Collect is switched off in this formgrader: it would also take submissions "
                  f"written in another student's name. Press Grade on {GRADING_PAGE}; it sets "
                  "those aside, then collects and grades.")


class ListWithoutRemove(ExchangeList):
    """Listing works; *Unrelease* (``--remove``) is refused while students may be working."""

    def start(self):
        if self.remove:
            self.fail("Unrelease is switched off in this formgrader: students who fetched the lab "
                      "keep working on it and their submissions would no longer match. Release a "
                      "corrected lab under a new name instead.")
        return super().start()


class ReleaseFeedbackOnTheGradingPage(ExchangeReleaseFeedback):
    """*Release feedback* refused: the grading page releases it once every hand grade is in."""

    def start(self):
        self.fail(f"Release feedback is switched off in this formgrader: use Generate and "
                  f"release feedback on {GRADING_PAGE}, which waits until every written answer "
                  "has its hand grade.")
