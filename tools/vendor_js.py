"""Copy the JavaScript the book and tests serve themselves out of node_modules.

The hosted book must work offline, so the explorers' runtime (Vega, Vega-Lite
and vega-embed) is committed under ``book/_static/vega/`` and MathJax 3 under
``book/_static/mathjax/``; axe-core (for the accessibility tests) goes to
``tests/vendor/``. To update::

    npm install --no-audit --no-fund   # versions pinned in package.json
    python -m tools.vendor_js

Keep the versions in ``_FALLBACK_SCRIPTS`` of ``reciprocity/explorers/core.py``
the same as in ``package.json``.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
VEGA = ROOT / "book" / "_static" / "vega"
TEST_VENDOR = ROOT / "tests" / "vendor"
#: npm package -> its minified browser build (each sets a global: vega, vegaLite, vegaEmbed)
VEGA_BUILDS = {"vega": "build/vega.min.js", "vega-lite": "build/vega-lite.min.js",
               "vega-embed": "build/vega-embed.min.js"}


def version(package: str) -> str:
    return json.loads((NODE / package / "package.json").read_text())["version"]


def main() -> None:
    if VEGA.exists():
        shutil.rmtree(VEGA)
    VEGA.mkdir(parents=True)
    notes = ["Vendored so the book's explorers run offline (see tools/vendor_js.py)."]
    for package, build in VEGA_BUILDS.items():
        shutil.copy2(NODE / package / build, VEGA / Path(build).name)
        shutil.copy2(NODE / package / "LICENSE", VEGA / f"LICENSE-{package}.txt")
        notes.append(f"{Path(build).name}: {package} {version(package)}, BSD-3-Clause.")
    (VEGA / "README.txt").write_text("\n".join(notes) + "\n", encoding="utf-8")
    # MathJax finds its fonts relative to its own script, so keep its layout.
    mathjax = ROOT / "book" / "_static" / "mathjax"
    if mathjax.exists():
        shutil.rmtree(mathjax)
    (mathjax / "output" / "chtml" / "fonts").mkdir(parents=True)
    shutil.copy2(NODE / "mathjax" / "es5" / "tex-mml-chtml.js", mathjax / "tex-mml-chtml.js")
    shutil.copytree(NODE / "mathjax" / "es5" / "output" / "chtml" / "fonts" / "woff-v2",
                    mathjax / "output" / "chtml" / "fonts" / "woff-v2")
    shutil.copy2(NODE / "mathjax" / "LICENSE", mathjax / "LICENSE")
    TEST_VENDOR.mkdir(parents=True, exist_ok=True)
    shutil.copy2(NODE / "axe-core" / "axe.min.js", TEST_VENDOR / "axe.min.js")
    shutil.copy2(NODE / "axe-core" / "LICENSE", TEST_VENDOR / "LICENSE-axe-core.txt")
    print(f"vendored into {VEGA.relative_to(ROOT)}, {mathjax.relative_to(ROOT)} "
          f"and {TEST_VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
