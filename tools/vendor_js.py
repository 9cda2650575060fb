"""Copy the JavaScript the book and tests serve themselves out of node_modules.

The hosted book must work offline, so the widget manager (ipywidgets 8's
``@jupyter-widgets/html-manager`` 1.x AMD bundle with its icon fonts) and
RequireJS are committed under ``book/_static/widgets/``, MathJax 3 under
``book/_static/mathjax/``; axe-core (for the
accessibility tests) goes to ``tests/vendor/``. To update::

    npm install --no-audit --no-fund   # versions pinned in package.json
    python tools/vendor_js.py
"""
from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / "node_modules"
WIDGETS = ROOT / "book" / "_static" / "widgets"
TEST_VENDOR = ROOT / "tests" / "vendor"


def main() -> None:
    manager = NODE / "@jupyter-widgets" / "html-manager"
    WIDGETS.mkdir(parents=True, exist_ok=True)
    for old in WIDGETS.iterdir():
        if old.name not in {"config.js", "compat.js"}:  # ours, not vendored
            old.unlink()
    shutil.copy2(manager / "dist" / "embed-amd.js", WIDGETS / "embed-amd.js")
    # Fonts sit next to the bundle: it resolves them relative to its own URL.
    for font in (manager / "dist").iterdir():
        if font.suffix in {".woff2", ".woff", ".ttf", ".eot"}:
            shutil.copy2(font, WIDGETS / font.name)
    shutil.copy2(manager / "dist" / "embed.js.LICENSE.txt", WIDGETS / "embed-amd.js.LICENSE.txt")
    shutil.copy2(NODE / "requirejs" / "require.js", WIDGETS / "require.js")
    (WIDGETS / "README.txt").write_text(
        "Vendored so the book renders widgets offline (see tools/vendor_js.py).\n"
        "embed-amd.js and fonts: @jupyter-widgets/html-manager 1.0.15, BSD-3-Clause "
        "(third-party notices in embed-amd.js.LICENSE.txt).\n"
        "require.js: requirejs 2.3.8, MIT.\n", encoding="utf-8")
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
    print(f"vendored into {WIDGETS.relative_to(ROOT)} and {TEST_VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
