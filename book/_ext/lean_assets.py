"""Lighter pages: the search index only where searching, SVG icons, no unused theme CSS.

Applied to the built HTML, when the build finishes (the theme writes these
parts from its own templates and stylesheet, which no configuration option
turns off):

- pydata-sphinx-theme puts Sphinx's search scripts and the whole search
  index (``searchindex.js``, over 100 KB) in the head of every page, for its
  "search as you type" option. With that option off (the default, and this
  book's setting) only ``search.html`` uses them, so every other page drops
  those three ``<script>`` tags. The search box still works: it sends the
  query to ``search.html``.
- The theme draws about a dozen icons with the whole Font Awesome web fonts
  (about 270 KB). Every page now gets ``_static/icons.css``, generated here
  from the Font Awesome SVG files vendored in ``book/_static/icons/``: each
  icon is an SVG mask painted in the text colour, so it follows dark mode.
  It covers the icon elements (``<i class="fa-solid fa-bars">``) and every
  rule of the site's stylesheets that draws a Font Awesome glyph as
  generated content (admonition titles, external links, the exercise and
  evidence boxes). The theme's stylesheet in the output then loses its
  ``@font-face`` rules and glyph table, so no page can download the fonts.
- The theme links ``styles/theme.css``, whose only rule imports Sphinx's
  ``basic.css``: a second round trip before the first paint. Pages link
  ``basic.css`` itself instead.
- The theme's stylesheet (Bootstrap included), Sphinx's ``basic.css`` and
  sphinx-design's hold thousands of rules for classes no page of this book
  uses, and all three block the first paint. Rules whose selectors need a
  class that appears nowhere in the built pages or the site's scripts are
  dropped (a selector is kept when each of its classes is a word of some
  page or script, or starts with a prefix that a script builds class names
  from, such as ``bs-`` in Bootstrap's ``bs-${name}-auto``; classes under
  ``:not()``, ``:is()`` and the like are never required). Set ``lean_assets_drop_unused_css = False``
  in the Sphinx configuration to keep every rule, should a style go missing.

To show another Font Awesome icon, copy its SVG from
``node_modules/@fortawesome/fontawesome-free/svgs/`` (the version the theme
ships, pinned in package.json) into ``book/_static/icons/`` and add it to
``ICONS``. An icon the pages use but ``ICONS`` lacks is a build warning (the
book builds with ``-W``, so an error), naming the icon.
"""
from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path

from sphinx.util import logging

logger = logging.getLogger(__name__)

ICON_FOLDER = Path(__file__).resolve().parents[1] / "_static" / "icons"
ICON_CSS = "icons.css"
THEME_CSS = "styles/pydata-sphinx-theme.css"
FONT_AWESOME = "Font Awesome Free 6.5.2"

#: Vendored icons: SVG file stem -> (code point, other class names). From the
#: Font Awesome Free 6.5.2 metadata (metadata/icons.yml): the code point is the
#: glyph the theme's stylesheets name, the aliases the older class names.
ICONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # header, sidebars, footer
    "bars": ("f0c9", ("navicon",)),
    "list": ("f03a", ("list-squares",)),
    "outdent": ("f03b", ("dedent",)),
    "magnifying-glass": ("f002", ("search",)),
    "sun": ("f185", ()),
    "moon": ("f186", ()),
    "circle-half-stroke": ("f042", ("adjust",)),
    "arrow-up": ("f062", ()),
    "angle-left": ("f104", ()),
    "angle-right": ("f105", ()),
    "angle-down": ("f107", ()),
    "chevron-down": ("f078", ()),
    "expand": ("f065", ()),
    "xmark": ("f00d", ("close", "multiply", "remove", "times")),
    "house": ("f015", ("home", "home-alt", "home-lg-alt")),
    # download, launch and repository buttons
    "download": ("f019", ()),
    "file": ("f15b", ()),
    "file-pdf": ("f1c1", ()),
    "file-lines": ("f15c", ("file-alt", "file-text")),
    "rocket": ("f135", ()),
    "play": ("f04b", ()),
    "code": ("f121", ()),
    "pencil": ("f303", ("pencil-alt",)),
    "lightbulb": ("f0eb", ()),
    "github": ("f09b", ()),
    "gitlab": ("f296", ()),
    "bitbucket": ("f171", ()),
    # admonitions, links and version notes drawn by the stylesheets
    "bell": ("f0f3", ()),
    "circle-check": ("f058", ("check-circle",)),
    "circle-exclamation": ("f06a", ("exclamation-circle",)),
    "triangle-exclamation": ("f071", ("exclamation-triangle", "warning")),
    "circle-info": ("f05a", ("info-circle",)),
    "circle-xmark": ("f057", ("times-circle", "xmark-circle")),
    "share": ("f064", ("mail-forward",)),
    "up-right-from-square": ("f35d", ("external-link-alt",)),
    "magnifying-glass-minus": ("f010", ("search-minus",)),
    "flask": ("f0c3", ()),
}
#: Font Awesome's classes that say which font to use, not which icon.
STYLE_CLASSES = ("fa", "fa-solid", "fa-regular", "fa-brands", "fa-classic", "fas", "far", "fab")
#: Font Awesome's utility classes (size, rotation, animation): not icons.
UTILITY_CLASS = re.compile(
    r"fa-(?:\d*x|[0-9]|2xs|xs|sm|lg|xl|2xl|fw|ul|li|border|pull-\w+|beat\S*|bounce|fade|flip\S*|"
    r"shake|spin\S*|pulse|rotate\S*|stack\S*|inverse|sr-only\S*|swap-opacity|width-auto|layers\S*)$")

#: Third-party stylesheets (paths under _static) whose unused rules are dropped.
PRUNED_STYLESHEETS = (THEME_CSS, "basic.css", "sphinx-design.min.css")
WORD = re.compile(r"[A-Za-z_][\w-]*")
#: A string or template-literal fragment a script builds class names from: "btn-" + x, `bs-${x}`.
CLASS_PREFIX = re.compile(r"""["'`]([A-Za-z][\w-]*-)(?:["'`]|\$\{)""")
FUNCTIONAL_PSEUDO = re.compile(r":(?:not|is|where|has|matches|-webkit-any)\((?:[^()]|\([^()]*\))*\)")
SELECTOR_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*(?:\\.[\w-]*)*)")
SEARCH_SCRIPT = re.compile(
    r'[ \t]*<script src="[^"]*(?:_static/searchtools\.js|_static/language_data\.js|searchindex\.js)">'
    r'</script>\n?')
FA_CLASS = re.compile(r'class="([^"]*\bfa[a-z]?\b[^"]*)"')
GLYPH_RULE = re.compile(r'^\.fa-[\w-]+::?(?:before|after)$')
GLYPH_CONTENT = re.compile(r'^content:\s*"(?:\\f[0-9a-f]{3}|[\uf000-\uf8ff])"\s*;?$', re.IGNORECASE)
CONTENT = re.compile(r'(?:^|;)\s*content:\s*([^;]+)', re.IGNORECASE)
CUSTOM_PROPERTY = re.compile(r'(--[\w-]+):\s*([^;}]+)')


# --------------------------------------------------------------------------- CSS
def css_blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``(prelude, body)`` pairs of a stylesheet; ``body`` is None for ``@import;``-style rules.

    Enough of CSS syntax for minified stylesheets: strings, comments and nested braces.
    """
    blocks, i, start, n = [], 0, 0, len(css)
    while i < n:
        ch = css[i]
        if css.startswith("/*", i):
            end = css.find("*/", i + 2)
            i = n if end < 0 else end + 2
            if css[start:i].strip().startswith("/*"):
                start = i  # a comment between rules: dropped
            continue
        if ch in "\"'":
            i = _string_end(css, i)
            continue
        if ch == ";":
            blocks.append((css[start:i].strip(), None))
            i += 1
            start = i
            continue
        if ch == "{":
            depth, j = 1, i + 1
            while j < n and depth:
                if css[j] in "\"'":
                    j = _string_end(css, j)
                    continue
                if css.startswith("/*", j):
                    end = css.find("*/", j + 2)
                    j = n if end < 0 else end + 2
                    continue
                depth += {"{": 1, "}": -1}.get(css[j], 0)
                j += 1
            blocks.append((css[start:i].strip(), css[i + 1:j - 1]))
            i = start = j
            continue
        i += 1
    return blocks


def _string_end(css: str, i: int) -> int:
    quote, j = css[i], i + 1
    while j < len(css) and css[j] != quote:
        j += 2 if css[j] == "\\" else 1
    return j + 1


def join_blocks(blocks: list[tuple[str, str | None]]) -> str:
    return "\n".join(f"{p};" if body is None else f"{p}{{{body}}}" for p, body in blocks) + "\n"


def is_font_awesome_rule(prelude: str, body: str | None) -> bool:
    """A Font Awesome ``@font-face`` or an entry of its glyph table (``.fa-bars:before{content:"\\f0c9"}``)."""
    if body is None:
        return False
    if prelude.lower() == "@font-face":
        return "font awesome" in body.lower().replace("\\", "")
    selectors = [s.strip() for s in prelude.split(",")]
    return all(GLYPH_RULE.match(s) for s in selectors) and bool(GLYPH_CONTENT.match(body.strip()))


def strip_font_awesome(css: str) -> tuple[str, int]:
    """The stylesheet without Font Awesome's font faces and glyph table; and how many rules went."""
    blocks = css_blocks(css)
    kept = [b for b in blocks if not is_font_awesome_rule(*b)]
    return join_blocks(kept), len(blocks) - len(kept)


def code_point(value: str, properties: dict[str, str]) -> str | None:
    """The Font Awesome code point (``"f0f3"``) a ``content`` value draws, following ``var()``s."""
    value = value.strip().removesuffix("!important").strip()
    for _ in range(10):  # var() chains are short; a loop guard, not a limit in practice
        match = re.fullmatch(r"var\(\s*(--[\w-]+)\s*(?:,[^)]*)?\)", value)
        if not match:
            break
        value = properties.get(match.group(1), "").strip()
    match = re.fullmatch(r'"(?:\\(f[0-9a-f]{3})\s?|([\uf000-\uf8ff]))"', value, re.IGNORECASE)
    if not match:
        return None
    return (match.group(1) or f"{ord(match.group(2)):x}").lower()


def custom_properties(stylesheets: list[str]) -> dict[str, str]:
    """Every custom property defined anywhere (the theme defines its icons once, on ``html``)."""
    found: dict[str, str] = {}
    for css in stylesheets:
        for name, value in CUSTOM_PROPERTY.findall(css):
            found.setdefault(name, value)
    return found


def glyph_rules(css: str, properties: dict[str, str], media: str = "") -> list[tuple[str, str, str]]:
    """``(at-rule, selector, code point)`` of every rule drawing a Font Awesome glyph as generated content."""
    found = []
    for prelude, body in css_blocks(css):
        if body is None:
            continue
        if prelude.lower().startswith(("@media", "@supports", "@layer")):
            found += glyph_rules(body, properties, prelude)
            continue
        if prelude.startswith("@") or ("::" not in prelude and ":before" not in prelude and ":after" not in prelude):
            continue
        for value in CONTENT.findall(body):
            point = code_point(value, properties)
            if point:
                found.append((media, prelude, point))
    return found


def svg_data_url(svg: str) -> str:
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.DOTALL).strip().replace('"', "'")
    for char, code in [("%", "%25"), ("#", "%23"), ("<", "%3C"), (">", "%3E"), ("\n", " ")]:
        svg = svg.replace(char, code)
    return f'url("data:image/svg+xml,{svg}")'


def svg_width_em(svg: str) -> float:
    """Width of the icon in em, as the font drew it: Font Awesome's glyphs are 512 units tall."""
    match = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    return round(float(match.group(1)) / float(match.group(2)), 4) if match else 1.0


NOTHING = "linear-gradient(transparent,transparent)"
MASK = ("background-color:currentColor;-webkit-mask-repeat:no-repeat;mask-repeat:no-repeat;"
        "-webkit-mask-position:center;mask-position:center;-webkit-mask-size:contain;mask-size:contain")


def icon_css(svgs: dict[str, str], pseudo_rules: list[tuple[str, str, str]]) -> str:
    """The stylesheet that draws the icons: one custom property per icon, then the rules using them.

    ``svgs`` maps an ``ICONS`` name to its SVG text; ``pseudo_rules`` are
    ``(at-rule, selector, icon name)`` of generated-content icons, in the order
    their stylesheets had them (so the cascade picks the same one as before).
    """
    lines = [f"/* Icons: {FONT_AWESOME} by @fontawesome, https://fontawesome.com, icons CC BY 4.0"
             " (_static/icons/LICENSE.txt), as SVG masks painted in the text colour."
             " Generated by book/_ext/lean_assets.py; do not edit. */"]
    lines.append(":root{" + ";".join(f"--ro-icon-{name}:{svg_data_url(svg)}"
                                      for name, svg in sorted(svgs.items())) + "}")
    # icon elements, <i class="fa-solid fa-bars">: the glyph becomes an empty box with the icon as mask
    # (an icon missing here draws nothing rather than a filled square)
    style = ",".join(f".{c}::before" for c in STYLE_CLASSES)
    lines.append(f'{style}{{content:"";display:inline-block;width:1em;height:1em;'
                 f'vertical-align:-.125em;{MASK};-webkit-mask-image:{NOTHING};mask-image:{NOTHING}}}')
    for name, svg in sorted(svgs.items()):
        classes = ",".join(f".fa-{c}::before" for c in (name, *ICONS[name][1]))
        lines.append(f"{classes}{{-webkit-mask-image:var(--ro-icon-{name});"
                     f"mask-image:var(--ro-icon-{name});width:{svg_width_em(svg):g}em}}")
    # generated content: the same selectors as the rules that drew a glyph, in the same order;
    # box and paint at zero specificity so the original rules' sizes still win
    if pseudo_rules:
        boxes = dict.fromkeys(zero_specificity(one) for _, selector, _ in pseudo_rules
                              for one in split_selectors(selector))
        lines.append(f"{','.join(boxes)}{{display:inline-block;width:1em;height:1em;"
                     f"vertical-align:-.125em;{MASK}}}")
    for media, selector, name in pseudo_rules:
        rule = (f'{selector}{{content:"";-webkit-mask-image:var(--ro-icon-{name});'
                f"mask-image:var(--ro-icon-{name})}}")
        lines.append(f"{media}{{{rule}}}" if media else rule)
    return "\n".join(lines) + "\n"


def split_selectors(prelude: str) -> list[str]:
    """The selectors of a selector list (commas inside ``:not(...)`` and the like kept)."""
    parts, depth, current = [], 0, ""
    for ch in prelude:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += ch
    return [*parts, current.strip()] if current.strip() else parts


def zero_specificity(selector: str) -> str:
    """``a.github:before`` -> ``:where(a.github)::before``: the same element, specificity zero."""
    match = re.fullmatch(r"(.+?)::?(before|after)", selector.strip())
    if not match:
        return f":where({selector})"
    return f":where({match.group(1)})::{match.group(2)}"


def selector_is_used(selector: str, words: set[str], prefixes: set[str]) -> bool:
    """Whether a selector may match in the built site: each class it needs is a known word or
    starts with a known prefix (escaped classes and those under :not(), :is()... are not needed)."""
    required = SELECTOR_CLASS.findall(FUNCTIONAL_PSEUDO.sub("", selector))
    return all("\\" in cls or cls in words or cls.startswith(tuple(prefixes)) for cls in required)


def drop_unused_rules(css: str, words: set[str], prefixes: set[str]) -> tuple[str, int]:
    """The stylesheet without the rules none of whose selectors is used; and how many went."""
    kept, dropped = [], 0
    for prelude, body in css_blocks(css):
        if body is None or (prelude.startswith("@") and not prelude.lower().startswith(
                ("@media", "@supports", "@layer"))):
            kept.append((prelude, body))  # @charset, @import, @keyframes, @font-face...
        elif prelude.startswith("@"):
            inner, count = drop_unused_rules(body, words, prefixes)
            dropped += count
            if inner.strip():
                kept.append((prelude, inner))
        else:
            used = [one for one in split_selectors(prelude) if selector_is_used(one, words, prefixes)]
            if used:
                kept.append((",".join(used), body))
            else:
                dropped += 1
    return join_blocks(kept), dropped


def site_vocabulary(texts) -> tuple[set[str], set[str]]:
    """The words (possible class names) and class-name prefixes of the built pages and scripts."""
    words, prefixes = set(), set()
    for text in texts:
        words.update(WORD.findall(text))
        prefixes.update(CLASS_PREFIX.findall(text))
    return words, prefixes


def icon_names_by_code_point() -> dict[str, str]:
    return {point: name for name, (point, _) in ICONS.items()}


def icon_names_by_class() -> dict[str, str]:
    return {cls: name for name, (_, aliases) in ICONS.items() for cls in (name, *aliases)}


def used_icon_classes(html: str) -> set[str]:
    """The ``fa-`` icon classes of an HTML page or script, without style and utility classes."""
    found = set()
    for classes in FA_CLASS.findall(html):
        for cls in classes.split():
            if cls.startswith("fa-") and cls not in STYLE_CLASSES and not UTILITY_CLASS.match(cls):
                found.add(cls[3:])
    return found


# --------------------------------------------------------------------------- build steps
def stylesheet_order(html: str) -> list[str]:
    """The ``_static``-relative paths of a page's stylesheets, in the order the page links them."""
    links = re.findall(r'<link\b[^>]*\brel="stylesheet"[^>]*>', html)
    hrefs = [re.search(r'href="([^"?]*)', link) for link in links]
    return [h.group(1).split("_static/", 1)[1] for h in hrefs if h and "_static/" in h.group(1)]


def checksum(path: Path) -> str:
    """The ``?v=`` value Sphinx gives a static file (``sphinx.builders.html._assets``)."""
    content = path.read_bytes().replace(b"\r", b"")
    return f"{zlib.crc32(content):08x}"


def _html_pages(outdir: Path):
    for page in sorted(outdir.rglob("*.html")):
        if not {"_static", "_sources"} & set(page.relative_to(outdir).parts):
            yield page


def _stylesheets(app, static: Path) -> dict[Path, str]:
    """Every stylesheet, in the order the pages link them (so the cascade stays as it was)."""
    root_page = static.parent / f"{app.config.root_doc}.html"
    linked = stylesheet_order(root_page.read_text(encoding="utf-8")) if root_page.exists() else []
    found = sorted(p.relative_to(static).as_posix() for p in static.rglob("*.css"))
    order = [*dict.fromkeys(rel for rel in [*linked, *found] if (static / rel).exists())]
    return {static / rel: (static / rel).read_text(encoding="utf-8") for rel in order if rel != ICON_CSS}


def _drop_font_awesome(static: Path) -> None:
    """The theme's stylesheet without the icon fonts; the font files left out of the site."""
    theme_css = static / THEME_CSS
    slim, dropped = strip_font_awesome(theme_css.read_text(encoding="utf-8"))
    if dropped:  # none on a rebuild that wrote no page: the file is as the last build left it
        theme_css.write_text(slim, encoding="utf-8")
    still = [path.name for path in static.rglob("*.css") if "fontawesome/webfonts" in
             path.read_text(encoding="utf-8")]
    if still:
        logger.warning(f"lean_assets: {', '.join(still)} still load the Font Awesome web fonts; "
                       "drop their @font-face rules as this extension does for the theme's.")
        return
    fonts = static / "vendor" / "fontawesome"  # nothing refers to the fonts: leave them unpublished
    if fonts.is_dir():
        shutil.rmtree(fonts)
        if not any(fonts.parent.iterdir()):
            fonts.parent.rmdir()


def _drop_unused_css(app, static: Path, words: set[str], prefixes: set[str]) -> None:
    """Prune PRUNED_STYLESHEETS to the rules the built site can use."""
    if not app.config.lean_assets_drop_unused_css:
        return
    for rel in PRUNED_STYLESHEETS:
        path = static / rel
        if path.exists():
            slim, dropped = drop_unused_rules(path.read_text(encoding="utf-8"), words, prefixes)
            if dropped:
                path.write_text(slim, encoding="utf-8")


def _write_icon_css(app, outdir: Path, words: set[str]) -> None:
    """_static/icons.css for the icons the site shows; a warning names any icon not vendored."""
    static = outdir / "_static"
    by_point = icon_names_by_code_point()
    stylesheets = _stylesheets(app, static)
    properties = custom_properties(list(stylesheets.values()))
    pseudo, missing = [], set()
    for path, css in stylesheets.items():
        for media, selector, point in glyph_rules(css, properties):
            if all(GLYPH_RULE.match(one) for one in split_selectors(selector)):
                continue  # a glyph table entry (.fa-bars:before), for icon elements: below
            if point in by_point:
                pseudo.append((media, selector, by_point[point]))
            else:
                missing.add(f"code point {point} ({path.name}: {selector[:60]})")
    by_class = icon_names_by_class()
    for page in _html_pages(outdir):
        missing |= {f"class fa-{c} ({page.name})" for c in used_icon_classes(
            page.read_text(encoding="utf-8")) if c not in by_class}
    if missing:
        logger.warning("lean_assets: Font Awesome icons the pages use but book/_static/icons lacks: "
                       + "; ".join(sorted(missing)) + ". Copy each SVG from node_modules/@fortawesome/"
                       "fontawesome-free/svgs/ into book/_static/icons/ and add it to ICONS in "
                       "book/_ext/lean_assets.py.")
    # the icons some page or script names as a class, and those the stylesheets draw
    shown = {name for cls, name in by_class.items() if f"fa-{cls}" in words}
    shown |= {name for _, _, name in pseudo}
    svgs = {name: (ICON_FOLDER / f"{name}.svg").read_text(encoding="utf-8") for name in sorted(shown)}
    (static / ICON_CSS).write_text(icon_css(svgs, pseudo), encoding="utf-8")


def only_imports(css: str) -> list[str] | None:
    """The files a stylesheet imports, if importing is all it does (else None)."""
    blocks = css_blocks(css)
    targets = [re.fullmatch(r'@import\s+(?:url\(\s*)?["\']([^"\']+)["\']\s*\)?', prelude)
               for prelude, body in blocks if body is None]
    if not blocks or len(targets) != len(blocks) or not all(targets):
        return None
    return [match.group(1) for match in targets]


def _flatten_theme_import(page_text: str, static: Path) -> str:
    """Link the files styles/theme.css imports instead of it (one round trip less)."""
    imports = only_imports((static / "styles" / "theme.css").read_text(encoding="utf-8"))
    if not imports or not all("://" not in target and (static / "styles" / target).resolve().is_file()
                              for target in imports):
        return page_text

    def links(match: re.Match) -> str:
        prefix = match.group(1)
        files = [(static / "styles" / target).resolve().relative_to(static.resolve()).as_posix()
                 for target in imports]
        return "\n".join(f'<link rel="stylesheet" href="{prefix}_static/{rel}?v={checksum(static / rel)}" />'
                         for rel in files)

    return re.sub(r'<link href="([^"]*?)_static/styles/theme\.css(?:\?[^"]*)?" rel="stylesheet" />',
                  links, page_text)


def _lighten_pages(app, outdir: Path) -> None:
    """Search scripts only on search.html; basic.css linked directly; icons.css's final ``?v=``."""
    search_as_you_type = str(_theme_option(app, "search_as_you_type", False)).lower() == "true"
    static = outdir / "_static"
    # files this extension writes after the pages: their ?v= must follow their final content
    rewritten = [rel for rel in (ICON_CSS, *PRUNED_STYLESHEETS) if "/" not in rel and (static / rel).exists()]
    versions = {rel: checksum(static / rel) for rel in rewritten}
    versioned = re.compile(rf'_static/({"|".join(map(re.escape, rewritten))})(?:\?v=[0-9a-f]+)?"')
    for page in _html_pages(outdir):
        text = page.read_text(encoding="utf-8")
        slim = text
        if not search_as_you_type and page != outdir / "search.html":
            slim = SEARCH_SCRIPT.sub("", slim)
        if (static / "styles" / "theme.css").exists():
            slim = _flatten_theme_import(slim, static)
        if versions:
            slim = versioned.sub(lambda m: f'_static/{m.group(1)}?v={versions[m.group(1)]}"', slim)
        if slim != text:
            page.write_text(slim, encoding="utf-8")


def _theme_option(app, name: str, default):
    options = getattr(app.builder, "theme_options", None) or app.config.html_theme_options or {}
    return options.get(name, default)


def _lighten(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    static = outdir / "_static"
    if not (static / THEME_CSS).exists():
        logger.warning(f"lean_assets: _static/{THEME_CSS} not found; the icons need "
                       "pydata-sphinx-theme's stylesheet (is the theme still sphinx-book-theme?)")
        return
    # fontawesome.js ships with the theme but no page loads it (course_assets drops it)
    sources = [*_html_pages(outdir), *(p for p in sorted(static.rglob("*.js"))
                                       if p.name != "fontawesome.js")]
    words, prefixes = site_vocabulary(path.read_text(encoding="utf-8", errors="replace")
                                      for path in sources)
    _drop_font_awesome(static)
    _drop_unused_css(app, static, words, prefixes)
    _write_icon_css(app, outdir, words)
    _lighten_pages(app, outdir)


def _add_icon_stylesheet(app) -> None:
    # after every other stylesheet (html_css_files are 800), so equal selectors here win
    app.add_css_file(ICON_CSS, priority=900)


def setup(app):
    app.add_config_value("lean_assets_drop_unused_css", True, "html", types=[bool])
    app.connect("builder-inited", _add_icon_stylesheet)
    # after the extensions that copy their stylesheets when the build finishes (sphinx-exercise)
    app.connect("build-finished", _lighten, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
