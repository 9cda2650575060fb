/* The site layer of the book's pages (book/_static/course.css has its styles).
 *
 * - Menus: the book's contents (primary sidebar) and the page's contents
 *   (secondary sidebar) open as drawers (the theme's <dialog>s) where the
 *   theme hides them. This adds a Close button to each drawer (Escape and a
 *   tap outside also close it, as the theme provides), closes a drawer when
 *   a link in it leads to a place on the same page, and tells assistive
 *   technology which region a menu button controls and whether it is shown
 *   (aria-controls, aria-expanded).
 * - Wide content: a table, a code block or an output wider than the column
 *   scrolls inside its own box (course.css draws a shadow at the edge that
 *   has more). While it is wider, it is a named region a keyboard can reach
 *   (tabindex 0) and scroll with the arrow keys; the name says what it is and
 *   that it scrolls sideways.
 *
 * Documented theme structure only: the menu buttons (.primary-toggle,
 * .secondary-toggle), the sidebars (#pst-primary-sidebar,
 * #pst-secondary-sidebar) and their dialogs (#pst-*-sidebar-modal).
 */
(function () {
  "use strict";

  // inPage: where the theme shows the sidebar in the page (its breakpoints lg and xl)
  var DRAWERS = [
    {toggle: ".primary-toggle", sidebar: "pst-primary-sidebar", dialog: "pst-primary-sidebar-modal",
     inPage: window.matchMedia("(min-width: 992px)"),
     name: "Book contents", close: "Close the book's contents"},
    {toggle: ".secondary-toggle", sidebar: "pst-secondary-sidebar", dialog: "pst-secondary-sidebar-modal",
     inPage: window.matchMedia("(min-width: 1200px)"),
     name: "Contents of this page", close: "Close the page's contents"},
  ];

  function setUpDrawer(drawer) {
    var toggle = document.querySelector(drawer.toggle);
    var sidebar = document.getElementById(drawer.sidebar);
    var dialog = document.getElementById(drawer.dialog);
    if (!toggle || !sidebar || !dialog) return;
    toggle.setAttribute("aria-label", drawer.name);
    toggle.setAttribute("aria-controls", drawer.sidebar);
    dialog.setAttribute("aria-label", drawer.name);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "course-drawer-close";
    close.setAttribute("aria-label", drawer.close);
    close.innerHTML = '<span aria-hidden="true">\u00d7</span>';
    close.addEventListener("click", function () { dialog.close(); });
    // The theme moves the sidebar's nodes into the dialog when it opens and
    // back when it closes; the button travels with them and shows only in the dialog.
    sidebar.insertBefore(close, sidebar.firstChild);

    function update() {
      // Where the sidebar is part of the page, sphinx-book-theme's button hides it
      // with a class; elsewhere it is shown only as an open drawer.
      var inPage = drawer.inPage.matches && !sidebar.classList.contains("pst-sidebar-hidden");
      toggle.setAttribute("aria-expanded", String(dialog.open || inPage));
    }
    new MutationObserver(update).observe(dialog, {attributes: true, attributeFilter: ["open"]});
    new MutationObserver(update).observe(sidebar, {attributes: true, attributeFilter: ["class"]});
    drawer.inPage.addEventListener("change", update);
    update();

    // A link to a place on this page (the page's contents) scrolls there:
    // close the drawer so the reader sees it.
    dialog.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href^='#']");
      if (link && dialog.open) dialog.close();
    });

    // The theme gives focus back to what had it before the drawer opened, but
    // sphinx-book-theme takes it off the menu button on click: give it back there.
    dialog.addEventListener("close", function () {
      setTimeout(function () {
        if (!document.activeElement || document.activeElement === document.body) toggle.focus();
      });
    });
  }

  /* --- wide content ---------------------------------------------------- */

  var SCROLLERS = [
    ".bd-article .pst-scrollable-table-container",
    ".bd-article pre",
    ".bd-article .cell_output > .output",
  ].join(", ");
  var MARK = "courseScrollRegion"; // data-course-scroll-region: attributes this script set

  function describe(box) {
    var table = box.querySelector("table");
    if (table) {
      var caption = table.querySelector("caption");
      var text = caption ? caption.textContent : Array.prototype.slice
        .call(table.querySelectorAll("thead th"), 0, 4)
        .map(function (cell) { return cell.textContent.trim(); })
        .filter(Boolean).join(", ");
      return "Table" + (text ? ": " + text.replace(/\s+/g, " ").trim() : "");
    }
    return box.closest(".cell_output") ? "Output" : "Code";
  }

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      if (box.closest(".reciprocity-explorer")) return; // explorers manage their own layout
      var wide = box.scrollWidth > box.clientWidth + 1;
      if (wide) {
        box.tabIndex = 0;
        if (!box.hasAttribute("role")) {
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", describe(box) + " (scrolls sideways)");
          box.dataset[MARK] = "";
        }
      } else if (MARK in box.dataset) {
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
        box.removeAttribute("tabindex");
        delete box.dataset[MARK];
      }
    });
  }

  var pending = null;
  function markSoon() {
    clearTimeout(pending);
    pending = setTimeout(markScrollers, 150);
  }

  function start() {
    DRAWERS.forEach(setUpDrawer);
    markScrollers();
    window.addEventListener("resize", markSoon);
    window.addEventListener("load", markScrollers);
    var main = document.getElementById("main-content");
    if (main) new MutationObserver(markSoon).observe(main, {childList: true, subtree: true});
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
