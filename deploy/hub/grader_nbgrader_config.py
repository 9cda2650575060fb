# nbgrader settings for the course's formgrader service only (and its terminal).
# deploy/hub/run.py installs this file as STATE/etc/grader/nbgrader_config.py; the
# service's JUPYTER_CONFIG_PATH points there. The grading page runs nbgrader without it.
c = get_config()  # noqa: F821 (provided by nbgrader)

# the formgrader's Collect, Unrelease and Release feedback refuse, saying what to use
# instead (the grading page); see reciprocity/grading/formgrader_exchange.py
c.ExchangeFactory.collect = "reciprocity.grading.formgrader_exchange.CollectOnTheGradingPage"
c.ExchangeFactory.list = "reciprocity.grading.formgrader_exchange.ListWithoutRemove"
c.ExchangeFactory.release_feedback = "reciprocity.grading.formgrader_exchange.ReleaseFeedbackOnTheGradingPage"

# the formgrader's Generate refuses a lab that is released or has submissions (it would
# change the cells students answer); see reciprocity/grading/formgrader_generate.py
from nbgrader.converters import GenerateAssignment  # noqa: E402

from reciprocity.grading.formgrader_generate import RefuseReleasedLab  # noqa: E402

c.GenerateAssignment.preprocessors = [
    RefuseReleasedLab, *GenerateAssignment.class_traits()["preprocessors"].default()]
