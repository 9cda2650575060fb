"""A grading worker: stock nbgrader's autograde, for one student after another, in one process.

``reciprocity.grading`` starts ``--jobs`` of these workers and hands each
student to the next free one. A worker imports nbgrader once, then for each
student id read from its standard input runs ``nbgrader autograde LAB
--student ID`` (nbgrader's own ``AutogradeApp``, with the course's
``nbgrader_config.py``), with nbgrader's log going to that student's log
file, and answers with one JSON line. Importing nbgrader and starting Python
cost more than a second per student when each student had a process of its
own; a worker pays it once.

The student's code never runs here: the kernel is started by
``reciprocity.sandbox.SandboxedExecute`` (in a sandbox unless the grader
asked for none). If a student's run goes past its time limit, the grader
kills the worker (and with it the sandbox) and starts a new one.

Protocol: ``python -m reciprocity._nbgrader SETTINGS_JSON``, run in the course
directory; each line of standard input is ``{"student": ID, "log": PATH}``;
each answer is ``{"student": ID, "code": 0 | 1 | 2}`` (0 graded, 1 nbgrader
reported an error, 2 an unexpected exception; details in the log).
"""
from __future__ import annotations

import json
import os
import re
import sys
import traceback

__all__ = ["autograde_config", "main"]

def autograde_config(settings: dict):
    """The traitlets config a worker adds on top of the course's ``nbgrader_config.py``."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader import preprocessors as pp
    from traitlets.config import Config

    from reciprocity import grading, sandbox

    cfg = Config()
    cfg.CourseDirectory.db_url = settings["db"]
    cfg.Execute.timeout = settings["timeout"]
    cfg.ExecutePreprocessor.timeout = settings["timeout"]
    # nbgrader's own list with two changes: the sandboxed Execute, and redaction of outputs
    # that quote hidden tests (after the grades are saved, so it cannot change a grade)
    cfg.Autograde.autograde_preprocessors = [
        sandbox.SandboxedExecute, pp.IgnorePattern, ClearMetadataPreprocessor, pp.LimitOutput,
        pp.SaveAutoGrades, grading.RedactHiddenTests, pp.AssignLatePenalties,
        pp.CheckCellMetadata]
    cfg.SandboxedExecute.sandbox = bool(settings.get("sandbox", True))
    limits = settings.get("limits") or {}
    if "output" in limits:
        cfg.SandboxedExecute.output_limit = int(limits["output"])
    if settings.get("runtime_parent"):
        cfg.SandboxedKernelManager.runtime_parent = settings["runtime_parent"]
    for name in ("memory", "processes", "cpu_seconds", "disk", "open_files"):
        if name in limits:
            setattr(cfg.SandboxedKernelManager, name, int(limits[name]))
    return cfg


def _glob_escape(student: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", student)


def grade_one(lab: str, student: str, settings: dict) -> int:
    """Run nbgrader's autograde app for one student; 0 if it succeeded."""
    from nbgrader.apps.autogradeapp import AutogradeApp

    app = AutogradeApp()
    try:
        app.initialize([lab, f"--student={_glob_escape(student)}", "--force"])
        app.update_config(autograde_config(settings))
        app.start()
    except SystemExit as stop:
        return 0 if stop.code in (0, None) else 1
    except Exception:  # noqa: BLE001 - one student's failure must not end the worker
        traceback.print_exc()
        return 2
    finally:
        for handler in list(app.log.handlers):
            handler.flush()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    settings = json.loads(args[0])
    # answers go to a private copy of stdout; fd 1 and 2 become each student's log
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.set_inheritable(answers.fileno(), False)
    import nbgrader.apps.autogradeapp  # noqa: F401 - once, before the first student

    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        with open(job["log"], "ab") as log:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(log.fileno(), 1)
            os.dup2(log.fileno(), 2)
            code = grade_one(settings["lab"], job["student"], settings)
            sys.stdout.flush()
            sys.stderr.flush()
        answers.write(json.dumps({"student": job["student"], "code": code}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
