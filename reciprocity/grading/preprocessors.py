"""nbconvert preprocessors the course adds to nbgrader's autograding and feedback.

``CappedOutputExecute``
    nbgrader's ``Execute`` keeping at most ``output_limit`` bytes of output per
    notebook (what decides a grade is kept, cut short).
``RedactHiddenTests``
    removes hidden test code from outputs (autograde, after the grades are
    saved, and feedback): an error that quotes it is cut to ``ename: evalue``,
    so its message still reaches the student and the formgrader; any other
    output that quotes it is replaced by a notice.
``StripHiddenTracebacks``
    cuts the traceback of a failed hidden test to its message (feedback).

``AUTOGRADE_PREPROCESSORS`` is nbgrader's autograde list with the two of
them in place; the course's ``nbgrader_config.py`` sets the same list, so
the formgrader's *Autograde* button runs them too.
"""
from __future__ import annotations

import json
import re

from nbconvert.preprocessors import Preprocessor
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Bool, Integer

from .settings import Limits

__all__ = ["CappedOutputExecute", "RedactHiddenTests", "StripHiddenTracebacks",
           "hidden_test_lines", "AUTOGRADE_PREPROCESSORS"]

# nbgrader's own autograde list with two changes: the Execute that caps output, and the
# redaction of outputs quoting hidden tests (after SaveAutoGrades, so it cannot change a grade)
AUTOGRADE_PREPROCESSORS = [
    "reciprocity.grading.preprocessors.CappedOutputExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "reciprocity.grading.handgrades.KeepHandGrades",  # SaveAutoGrades, keeping unchanged hand grades
    "reciprocity.grading.preprocessors.RedactHiddenTests",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

_HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    data = content.get("data") or {}
    size = sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values())
    return size + sum(len(t) for t in content.get("traceback") or [])


class CappedOutputExecute(Execute):
    """nbgrader's ``Execute``, with a cap on the output kept per notebook.

    Past ``output_limit`` bytes (counted over the whole notebook) standard
    output and displays are dropped. What decides a grade is always kept, cut
    short: an error, a result (partial credit) and the fact that a cell wrote
    to standard error (a test that writes to stderr fails). Which kernel runs
    the notebook is nbgrader's setting (``c.Execute.kernel_name``; the course
    names the sandboxed ``reciprocity-sandbox`` kernel).
    """

    output_limit = Integer(Limits.output, help="bytes of output kept per notebook").tag(config=True)
    kept_when_over = Integer(2000, help="characters kept of an error or result past the limit"
                             ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._output_bytes = 0
        self._over_cells: set[int] = set()
        return super().preprocess(nb, resources, km)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        self._output_bytes = getattr(self, "_output_bytes", 0) + _size(content)
        if self._output_bytes <= self.output_limit:
            return super().output(outs, msg, display_id, cell_index)
        kind = msg.get("msg_type")
        over = getattr(self, "_over_cells", set())
        if cell_index not in over:
            over.add(cell_index)
            self._over_cells = over
            outs.append(new_output("stream", name="stdout",
                                   text=f"[grader: output past {self.output_limit} bytes "
                                        "is not kept]\n"))
        if kind == "stream" and content.get("name") == "stderr":
            if not any(o.get("output_type") == "stream" and o.get("name") == "stderr"
                       for o in outs):
                outs.append(new_output("stream", name="stderr",
                                       text=content.get("text", "")[:self.kept_when_over]))
            return None
        if kind == "error":
            cut = [t[:self.kept_when_over] for t in content.get("traceback", [])[-3:]]
            out = new_output("error", ename=str(content.get("ename", ""))[:200],
                             evalue=str(content.get("evalue", ""))[:self.kept_when_over],
                             traceback=cut)
            outs.append(out)
            return out
        if kind == "execute_result":
            text = (content.get("data") or {}).get("text/plain", "")
            out = new_output("execute_result", data={"text/plain": text[:self.kept_when_over]},
                             execution_count=content.get("execution_count"))
            outs.append(out)
            return out
        return None


class StripHiddenTracebacks(Preprocessor):
    """Feedback preprocessor: in cells with hidden tests, keep only the error message.

    A traceback quotes the failing line, so a failed hidden test would show
    its own code in the feedback even after ``ClearHiddenTests`` removed it
    from the cell. Put this *before* ``ClearHiddenTests`` in
    ``c.GenerateFeedback.preprocessors``.
    """

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    marker = "### BEGIN HIDDEN TESTS"

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code" and self.marker in cell.get("source", ""):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
        return cell, resources


def flat(text: str) -> str:
    """``text`` without terminal colours, its whitespace collapsed to single spaces."""
    return " ".join(_ANSI.sub("", text).split())


def hidden_test_lines(nb, min_length: int = 12) -> list[str]:
    """The lines of the hidden test blocks in ``nb`` (whitespace collapsed), long enough to search for."""
    lines = set()
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for block in _HIDDEN.findall(cell.get("source", "")):
            for line in block.splitlines():
                text = flat(line)
                if len(text) >= min_length:
                    lines.add(text)
    return sorted(lines, key=len, reverse=True)


def output_text(out) -> str:
    """The text an output shows: a stream's text, an error's message and traceback, data."""
    kind = out.get("output_type")
    if kind == "stream":
        return out.get("text", "")
    if kind == "error":
        return "\n".join([str(out.get("evalue", "")), *out.get("traceback", [])])
    return "\n".join(v if isinstance(v, str) else json.dumps(v)
                     for v in (out.get("data") or {}).values())


class RedactHiddenTests(Preprocessor):
    """Remove hidden test code from the outputs of every cell, keeping the messages.

    Errors: IPython's traceback of a failed test quotes the source around the
    failing line, hidden lines included. An error whose traceback quotes a
    line of a hidden block (12 characters or more, whitespace collapsed) is
    cut to ``ename: evalue``, the assertion's message or the ``NameError``
    the student needs to see; only if that message itself quotes hidden code
    is it replaced by a notice. The error stays an error, so the cell still
    shows as failed.

    Other outputs: a student's code runs in the same kernel as the hidden
    tests and can see their source (IPython's ``In``, a ``pre_run_cell``
    hook) and print it in any later cell. A stream or display that quotes a
    hidden line is replaced by the notice.

    Runs after ``SaveAutoGrades`` in autograding, so it never changes a grade,
    and the formgrader shows the graded notebook as it leaves; it runs again
    in feedback. It catches quotations, not encoded copies: see the
    instructor guide.
    """

    enabled = Bool(True, help="nbconvert preprocessors are off unless enabled").tag(config=True)
    min_length = Integer(12, help="shortest hidden line searched for").tag(config=True)
    notice = "[grader: output removed because it quoted hidden test code]"

    def preprocess(self, nb, resources):
        lines = hidden_test_lines(nb, self.min_length)
        if not lines:
            return nb, resources

        def quotes(text: str) -> bool:
            flat_text = flat(text)
            return any(line in flat_text for line in lines)

        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            kept = []
            for out in cell.get("outputs", []):
                if not quotes(output_text(out)):
                    kept.append(out)
                elif out.get("output_type") == "error":
                    ename = str(out.get("ename", "Error"))
                    evalue = str(out.get("evalue", ""))
                    if quotes(evalue):
                        evalue = self.notice
                    out["evalue"] = evalue
                    out["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
                    kept.append(out)
                elif out.get("output_type") == "stream":
                    kept.append(type(out)(output_type="stream", name=out.get("name", "stdout"),
                                          text=self.notice + "\n"))
                else:
                    kept.append(type(out)(output_type="stream", name="stdout",
                                          text=self.notice + "\n"))
            cell["outputs"] = kept
        return nb, resources
