"""nbgrader configuration for the Reciprocity Online labs (nbgrader 0.9.x).

Run nbgrader from the directory that holds this file (the repository root, or
a course directory you copied it to): nbgrader reads ``nbgrader_config.py``
from the current working directory.

    nbgrader generate_assignment outreach --force   # solutions/ -> exercises/
    python -m reciprocity.grading outreach --course-dir .   # grade, export, summarise

Grade with that command rather than ``nbgrader autograde``: it runs each
student's kernel in a sandbox (reciprocity.sandbox), several students at once,
and adds the preprocessors set up in reciprocity._nbgrader.autograde_config.

See book/labs/instructor-guide.md for the whole workflow.
"""
import os
import sys

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

# nbgrader 0.9 runs the `alembic` command, looked up on PATH, when it creates a
# new gradebook; without an activated environment it would not be found.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join(filter(None, [_bin, os.environ.get("PATH", "")]))

# Where things live: instructor sources with solutions, and the student release.
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
# Set your course id when you use a JupyterHub exchange (see the instructor guide).
# c.CourseDirectory.course_id = "reciprocity-online"

# Autograding: a per-cell time limit, so an infinite loop costs seconds, not the batch.
c.Execute.timeout = 60
c.ExecutePreprocessor.timeout = 60
c.Execute.interrupt_on_timeout = True
# Once the last cell has run, stop the kernel at once: a graceful shutdown
# waits about a second for the kernel to tidy up, which grading never needs.
c.Execute.shutdown_kernel = "immediate"

# A student who deletes a test cell gets it back (graded as usual, not
# "needs manual grade"); locked cells that were edited are restored anyway.
c.OverwriteCells.add_missing_cells = True

# Feedback shows scores and the student's work but never the hidden test code:
# tracebacks of failed hidden tests are cut to their message (they quote the
# failing line), outputs that quote a hidden line (a student's code can print
# the tests it sees) are removed, then ClearHiddenTests removes the hidden blocks.
c.GenerateFeedback.preprocessors = [
    "reciprocity.grading.StripHiddenTracebacks",
    "reciprocity.grading.RedactHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False
