"""Write the insight index (``reciprocity.insights``) into CONTRIBUTING.md.

The table sits between the markers ``<!-- insight-index:start -->`` and
``<!-- insight-index:end -->``; everything else in the file is left alone.
After editing ``reciprocity/insights.py``::

    python -m tools.insight_index           # rewrite the table in CONTRIBUTING.md
    python -m tools.insight_index --check   # exit 1 if CONTRIBUTING's table differs

``tests/test_insights.py`` fails while the two differ.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reciprocity.insights import markdown_table

ROOT = Path(__file__).resolve().parents[1]
CONTRIBUTING = ROOT / "CONTRIBUTING.md"
START = "<!-- insight-index:start -->"
END = "<!-- insight-index:end -->"


def block(text: str) -> str:
    """What sits between the markers in ``text``."""
    if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
        raise ValueError(f"CONTRIBUTING.md must hold {START} once, then {END} once; add them where "
                         "the insight index belongs")
    return text[text.index(START) + len(START):text.index(END)]


def with_table(text: str) -> str:
    """``text`` with the rendered index between the markers."""
    return text.replace(START + block(text) + END, f"{START}\n{markdown_table()}{END}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if CONTRIBUTING.md's table is stale")
    args = parser.parse_args(argv)
    text = CONTRIBUTING.read_text(encoding="utf-8")
    updated = with_table(text)
    if args.check:
        if updated != text:
            print("CONTRIBUTING.md: the insight index differs from reciprocity/insights.py; "
                  "run python -m tools.insight_index", file=sys.stderr)
            return 1
        return 0
    if updated != text:
        CONTRIBUTING.write_text(updated, encoding="utf-8")
        print("CONTRIBUTING.md: insight index written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
