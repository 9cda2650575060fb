"""nbgrader configuration for the Reciprocity Online labs (nbgrader 0.9.x).

Run nbgrader from the directory that holds this file (the repository root, or
a course directory you copied it to): nbgrader reads ``nbgrader_config.py``
from the current working directory.

    nbgrader generate_assignment outreach --force   # solutions/ -> exercises/
    python -m reciprocity.grading outreach --course-dir .   # grade, export, summarise

Grade with that command rather than ``nbgrader autograde``: it grades several
students at once, goes on past a broken notebook and writes the reports.
Either way, and from the formgrader's Autograde button, every student's kernel
runs in the grading sandbox (the reciprocity-sandbox kernel, below).

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

# Students' code runs in the grading sandbox: the reciprocity-sandbox kernel, whose
# provisioner (reciprocity.grading.provisioner) starts it under bubblewrap with no
# network, no view of the course's files and resource limits. Naming it here puts
# `nbgrader autograde`, the formgrader's Autograde button and the grading command
# in the sandbox alike. The grading command installs the kernel into the environment
# (`python -m reciprocity.grading.kernelspec` does it on its own). Without bubblewrap
# (macOS, a container without user namespaces), kernels fail to start and say so;
# "python3" instead runs students' code with your rights: throwaway machines only.
c.Execute.kernel_name = "reciprocity-sandbox"
# nbgrader's autograde steps, with two changes: an Execute that caps the output kept
# per notebook, and outputs quoting hidden tests removed once the grades are saved.
c.Autograde.autograde_preprocessors = [
    "reciprocity.grading.preprocessors.CappedOutputExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "reciprocity.grading.handgrades.KeepHandGrades",
    "reciprocity.grading.preprocessors.RedactHiddenTests",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# KeepHandGrades is nbgrader's SaveAutoGrades, except that a regrade leaves a hand-graded
# answer graded when the student did not change it (nbgrader would ask for it again);
# it keeps a fingerprint of each graded answer here (reciprocity/grading/handgrades.py).
# (traitlets' loader gives this file its __file__; read on its own, the current folder)
_course = os.path.dirname(os.path.abspath(globals().get("__file__", "nbgrader_config.py")))
c.KeepHandGrades.record_dir = os.path.join(_course, "graded-answers")
# Deadlines: due dates, the late penalty and extensions live in deadlines.toml beside this
# file (see the instructor guide). The grading command and every export apply it to the
# gradebook; this plugin applies it when nbgrader autogrades on its own (formgrader).
c.AssignLatePenalties.plugin_class = "reciprocity.grading.late.PolicyLatePenalty"
c.PolicyLatePenalty.policy_file = os.path.join(_course, "deadlines.toml")
c.RefreshLatePenalties.policy_file = os.path.join(_course, "deadlines.toml")

# A student who deletes a test cell gets it back (graded as usual, not
# "needs manual grade"); locked cells that were edited are restored anyway.
c.OverwriteCells.add_missing_cells = True

# Feedback shows scores and the student's work but never the hidden test code:
# tracebacks of failed hidden tests are cut to their message (they quote the
# failing line), outputs that quote a hidden line (a student's code can print
# the tests it sees) are removed, then ClearHiddenTests removes the hidden blocks.
c.GenerateFeedback.preprocessors = [
    "reciprocity.grading.late.RefreshLatePenalties",  # the penalty from deadlines.toml, with today's score
    "reciprocity.grading.preprocessors.StripHiddenTracebacks",
    "reciprocity.grading.preprocessors.RedactHiddenTests",
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
c.ClearHiddenTests.enforce_metadata = False
