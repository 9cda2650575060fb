"""Lighter pages (book/_ext/lean_assets.py): the search index only where searching, SVG icons
instead of icon fonts, unused theme CSS left out, with nothing lost.

The first tests check the extension's CSS and HTML logic on small inputs; the
others check the built book, and the book in Chromium at phone and laptop
sizes, in light and dark mode. Speed and weight are measured in
benchmarks/run.py, not here.
"""
from __future__ import annotations

import io
import re

import pytest

import lean_assets  # book/_ext, on the path through pyproject.toml's pytest pythonpath
from tests.support.common import ROOT
from tests.support.site_checks import AXE, LAPTOP, PHONE, open_in

ARTIFACTS = ROOT / "test-artifacts"
CHAPTER = "book/insights/03-interdependence.html"
PAGES = ["book/intro.html", CHAPTER, "exercises/outreach/outreach.html"]


# --------------------------------------------------------------------------- CSS and HTML logic
def test_css_blocks_follow_nesting_strings_and_comments():
    css = '/* c */a{color:red}@media (min-width:1px){.b:before{content:"}{"}}@charset "x";.c{}'
    assert lean_assets.css_blocks(css) == [
        ("a", "color:red"), ("@media (min-width:1px)", '.b:before{content:"}{"}'),
        ('@charset "x"', None), (".c", "")]


def test_font_awesome_font_faces_and_glyph_table_are_dropped_and_utilities_kept():
    css = ('@font-face{font-family:"Font Awesome 6 Free";src:url(fa.woff2)}'
           '@font-face{font-family:Lato;src:url(lato.woff2)}'
           '.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}'
           '.fa-lg{font-size:1.25em}.fa-solid{font-family:Font Awesome\\ 6 Free}'
           '.btn:before{content:"\\f0c9"}')
    slim, dropped = lean_assets.strip_font_awesome(css)
    assert dropped == 2
    assert "fa.woff2" not in slim and "f0c9\"}" in slim  # the .btn rule is not the glyph table
    assert "lato.woff2" in slim and ".fa-lg{" in slim and ".fa-solid{" in slim
    assert ".fa-bars" not in slim


def test_glyphs_drawn_as_generated_content_are_found_through_variables_and_media():
    properties = {"--pst-icon-admonition-note": "var(--pst-icon-info-circle)",
                  "--pst-icon-info-circle": '"\uf05a"'}
    css = ('.admonition.note>.admonition-title:after{content:var(--pst-icon-admonition-note)}'
           '@media (min-width:1200px){.toc:after{content:"\\f107"}}'
           '.plain:after{content:""}.text:before{content:"Note"}')
    assert lean_assets.glyph_rules(css, properties) == [
        ("", ".admonition.note>.admonition-title:after", "f05a"),
        ("@media (min-width:1200px)", ".toc:after", "f107")]


def test_icon_css_draws_each_icon_as_a_mask_and_keeps_the_original_selectors():
    svgs = {name: (lean_assets.ICON_FOLDER / f"{name}.svg").read_text() for name in ["bars", "flask"]}
    css = lean_assets.icon_css(svgs, [("", ".admonition.evidence > .admonition-title::after", "flask")])
    assert "--ro-icon-bars:url(\"data:image/svg+xml," in css and "<svg" not in css
    assert ".fa-bars::before,.fa-navicon::before{" in css and "width:0.875em" in css
    assert ('.admonition.evidence > .admonition-title::after{content:"";'
            "-webkit-mask-image:var(--ro-icon-flask)") in css
    # box and paint at zero specificity, so the theme's own sizes still apply
    assert ":where(.admonition.evidence > .admonition-title)::after{" in css
    assert "Font Awesome Free 6.5.2" in css and "CC BY 4.0" in css


def test_unused_rules_go_and_anything_that_may_match_stays():
    words = {"btn", "show", "tooltip"}
    css = ('.btn{a:1}.btn-primary{a:2}.unused,.btn:hover{a:3}.unused{a:4}a:not(.unused){a:5}'
           '.bs-tooltip-auto{a:6}.\\31 0{a:7}@media (x){.unused{a:8}.show{a:9}}@keyframes k{0%{a:0}}')
    slim, dropped = lean_assets.drop_unused_rules(css, words, {"bs-"})
    assert dropped == 3  # .btn-primary, .unused, and .unused inside @media
    for kept in [".btn{", ".btn:hover{a:3}", "a:not(.unused){", ".bs-tooltip-auto{", ".\\31 0{",
                 "@media (x){.show{a:9}", "@keyframes k"]:
        assert kept in slim, kept
    assert ".btn-primary" not in slim and ".unused{" not in slim


def test_site_vocabulary_finds_class_prefixes_scripts_build_names_from():
    words, prefixes = lean_assets.site_vocabulary(
        ['<i class="fa-solid fa-bars">', 'tip.classList.add(`bs-${name}-auto`); el.className = "btn-" + kind'])
    assert {"fa-solid", "fa-bars", "tip", "classList"} <= words
    assert prefixes == {"bs-", "btn-"}


def test_icon_classes_of_a_page_leave_out_styles_and_utilities():
    html = '<i class="theme-switch fa-solid fa-sun fa-lg"></i><span class="fab fa-github fa-fw"></span>'
    assert lean_assets.used_icon_classes(html) == {"sun", "github"}


def test_search_scripts_are_recognised_wherever_the_page_is():
    head = ('<script src="../../_static/searchtools.js"></script>\n'
            '<script src="../../_static/language_data.js"></script>\n'
            '<script src="../../searchindex.js"></script>\n'
            '<script src="../../_static/doctools.js?v=1"></script>\n')
    assert lean_assets.SEARCH_SCRIPT.sub("", head) == '<script src="../../_static/doctools.js?v=1"></script>\n'


def test_every_vendored_icon_has_its_svg_and_the_licence_is_beside_them():
    folder = lean_assets.ICON_FOLDER
    assert (folder / "LICENSE.txt").read_text().count("CC BY 4.0") >= 1
    svgs = {path.stem for path in folder.glob("*.svg")}
    assert svgs == set(lean_assets.ICONS), "book/_static/icons and ICONS list the same icons"
    for name in svgs:
        svg = (folder / f"{name}.svg").read_text()
        assert "Font Awesome Free 6.5.2" in svg and lean_assets.svg_width_em(svg) > 0, name


# --------------------------------------------------------------------------- the built book
def test_built_pages_load_the_search_index_only_on_the_search_page(built_book):
    for page in built_book.rglob("*.html"):
        if {"_static", "_sources"} & set(page.relative_to(built_book).parts):
            continue
        has_index = "searchindex.js" in page.read_text(encoding="utf-8")
        assert has_index == (page == built_book / "search.html"), page.relative_to(built_book)


def test_built_site_ships_no_icon_font(built_book):
    static = built_book / "_static"
    assert not (static / "vendor" / "fontawesome").exists()
    for css in static.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"@font-face\{[^}]*Font Awesome", text), css.name
    assert (static / "icons.css").exists() and (static / "icons" / "LICENSE.txt").exists()
    page = (built_book / CHAPTER).read_text(encoding="utf-8")
    version = re.search(r'_static/icons\.css\?v=([0-9a-f]{8})"', page)
    assert version and version.group(1) == lean_assets.checksum(static / "icons.css")


# --------------------------------------------------------------------------- in Chromium
FONT_GLYPHS = """() => {
  // every element or ::before/::after that would draw a glyph of an icon font, or an icon
  // mask with no box: what a missing icon looks like
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length) continue;
    for (const pseudo of [null, '::before', '::after']) {
      const cs = getComputedStyle(el, pseudo);
      const text = pseudo ? cs.content : [...el.childNodes].filter(n => n.nodeType === 3)
        .map(n => n.textContent).join('').trim();
      const drawn = pseudo ? !['none', 'normal', '""'].includes(text) : text.length > 0;
      const where = el.tagName.toLowerCase() + '.' + [...el.classList].join('.') + (pseudo || '');
      if (drawn && /Awesome/.test(cs.fontFamily) && /[\\uf000-\\uf8ff]/.test(text)) bad.push('glyph: ' + where);
      if (pseudo === '::before' && el.matches('.fa,.fa-solid,.fas,.fa-regular,.far,.fa-brands,.fab')
          && !cs.maskImage.startsWith('url(')) bad.push('no icon: ' + where);
      if (pseudo && cs.maskImage.startsWith('url(') && cs.display !== 'none' && text === '""'
          && (parseFloat(cs.width) < 4 || parseFloat(cs.height) < 4)) bad.push('empty box: ' + where);
    }
  }
  return bad;
}"""
HEADER_ICONS = """() => [...document.querySelectorAll(
    '.bd-header i, .bd-header span[class*="fa-"], .bd-header-article i, .prev-next-area i')]
  .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
  .map(e => { const r = e.getBoundingClientRect();
              return {cls: e.className, x: r.x, y: r.y, width: r.width, height: r.height}; })
  .filter(r => r.width > 0 && r.y >= 0 && r.y < window.innerHeight)"""


def _ink(image) -> int:
    """Pixels that differ clearly from the most common colour of an icon's box."""
    grey = image.convert("L")
    histogram = grey.histogram()
    background = max(range(256), key=histogram.__getitem__)
    return sum(count for level, count in enumerate(histogram) if abs(level - background) > 60)


@pytest.mark.browser
@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
@pytest.mark.parametrize("mode", ["light", "dark"])
def test_every_icon_shows_without_any_icon_font(browser, site, size, mode):
    from PIL import Image

    ARTIFACTS.mkdir(exist_ok=True)
    width = size["viewport"]["width"]
    for path in PAGES:
        page, _problems = open_in(browser, site, path, size, mode)
        fonts = [url for url in page.evaluate(
            "() => performance.getEntriesByType('resource').map(e => e.name)")
            if "fontawesome" in url or re.search(r"/fa-[\w-]+\.(woff2?|ttf)", url)]
        assert fonts == [], f"{path}: icon fonts requested: {fonts}"
        assert page.evaluate(FONT_GLYPHS) == [], path
        icons = page.evaluate(HEADER_ICONS)
        assert len(icons) >= 4, f"{path}: expected the header's icons, found {icons}"
        shot = Image.open(io.BytesIO(page.screenshot()))
        scale = shot.width / width
        for icon in icons:
            box = (int(icon["x"] * scale), int(icon["y"] * scale),
                   int((icon["x"] + icon["width"]) * scale) + 1, int((icon["y"] + icon["height"]) * scale) + 1)
            assert _ink(shot.crop(box)) >= 6, f"{path}: the {icon['cls']} icon draws nothing ({icon})"
        if path == CHAPTER:
            shot.crop((0, 0, shot.width, int(120 * scale))).save(ARTIFACTS / f"header-{width}-{mode}.png")
        page.context.close()


@pytest.mark.browser
@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["390", "1280"])
def test_icon_buttons_keep_their_names(browser, site, size):
    page, _ = open_in(browser, site, CHAPTER, size)
    page.add_script_tag(content=AXE)
    violations = page.evaluate("""async () => (await axe.run(document.querySelector('.bd-header-article')
        ? ['.bd-header', '.bd-header-article'] : ['.bd-header'],
        {runOnly: {type: 'rule', values: ['button-name', 'link-name', 'aria-command-name']},
         resultTypes: ['violations'], preload: false})).violations.map(v => v.id + ': ' +
         v.nodes.map(n => n.target.join(' ')).join(', '))""")
    assert violations == []
    page.context.close()


@pytest.mark.browser
def test_search_box_finds_a_chapter_word_and_only_the_search_page_loads_the_index(browser, site):
    page, problems = open_in(browser, site, CHAPTER, LAPTOP)
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert not [url for url in loaded if re.search(r"searchindex\.js|searchtools\.js", url)]
    page.keyboard.press("Control+k")  # the theme's search dialog, as the search button opens it
    field = page.locator("#pst-search-dialog input[name=q]")
    field.wait_for(state="visible")
    field.fill("legislators")
    field.press("Enter")
    page.wait_for_url(re.compile(r"/search\.html\?q=legislators"))
    results = page.locator("#search-results ul.search li a")
    results.first.wait_for(timeout=20_000)
    hrefs = results.evaluate_all("(links) => links.map(a => a.getAttribute('href'))")
    assert any("03-interdependence" in href for href in hrefs), hrefs
    loaded = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert any(url.endswith("/searchindex.js") for url in loaded)
    assert [url for url in problems["failed_requests"] if site in url] == []
    page.context.close()
