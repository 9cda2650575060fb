# ---------------------------------------------------------------------------
# Added by deploy/hub/run.py (template: deploy/hub/course_nbgrader_config.py)
# for the course "$course" on the hub. Everything above is the repository's
# nbgrader_config.py; everything below places the course on the hub.
# ---------------------------------------------------------------------------
c.CourseDirectory.course_id = "$course"
c.CourseDirectory.root = "$course_dir"
# the gradebook: this course's PostgreSQL database, reached on a Unix socket with
# peer authentication (only the grader account and root are mapped to its role)
c.CourseDirectory.db_url = "$db_url"
# the exchange shared by all courses; STATE/exchange/$course is readable only by
# the course's Unix group (nbgrader-$course)
c.Exchange.root = "$exchange"
c.Exchange.path_includes_course = True
# the kernel every autograde starts (the grading service, the formgrader's Autograde
# button): the sandboxed reciprocity-sandbox, or python3 after `run.py up --no-sandbox`
c.Execute.kernel_name = "$kernel"
# MathJax from the course's formgrader service instead of nbconvert's CDN: the hub's own
# mathjax macro ($templates/feedback, .../formgrade) comes before nbgrader's templates
import os as _os  # noqa: E402

import nbgrader as _nbgrader  # noqa: E402

c.HTMLExporter.extra_template_basedirs = [
    "$templates",
    _os.path.join(_os.path.dirname(_nbgrader.__file__), "server_extensions", "formgrader", "templates")]
