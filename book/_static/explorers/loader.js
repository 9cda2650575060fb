/* Draws the book's explorers (reciprocity.explorers) as the reader reaches them.
 *
 * Each explorer's output is a <div class="reciprocity-explorer"> and a small
 * inline script that calls reciprocityExplorerLoader.add(id, spec) once the
 * page is parsed. This file, loaded deferred on pages that show an explorer
 * (book/_ext/course_assets.py), then:
 *
 * - watches the explorers with an IntersectionObserver and, when the first one
 *   comes within about a screen of the viewport, loads the vendored Vega,
 *   Vega-Lite and vega-embed (in that order, once); each explorer is drawn as
 *   it comes near, so a page costs no Vega until a reader gets close to one;
 * - draws an explorer at once when it gets keyboard focus before it was drawn
 *   (focus then moves to its first control), and draws them all before
 *   printing;
 * - makes each drawn explorer accessible: every control is labelled by its
 *   name, a radio group is a radiogroup, a slider's value is shown and read
 *   with its units (the spec's "<control>_text" parameter, when it has one,
 *   becomes the visible value and aria-valuetext), and after a control moves
 *   a polite live region reads the explorer's readout (the text marks of
 *   charts named "readout_*"), once the reader pauses.
 *
 * Generic: nothing here knows any particular explorer. The script tag may
 * carry data-vega="<folder>" to load Vega from elsewhere than ../vega/.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var vegaBase = script && script.dataset.vega
    ? new URL(script.dataset.vega, document.baseURI).href
    : new URL("../vega/", (script && script.src) || document.baseURI).href;
  var VEGA_FILES = ["vega.min.js", "vega-lite.min.js", "vega-embed.min.js"];
  var TEXT_SUFFIX = "_text";
  var READOUT = 'svg g.role-mark[class*="readout_"] text';
  var ANNOUNCE_AFTER_MS = 700; // a pause in the reader's moves, not every step of a drag

  var waiting = new Map(); // explorer id -> spec, until drawn
  var vegaLoaded = null;
  var observer = "IntersectionObserver" in window
    ? new IntersectionObserver(onIntersect, {rootMargin: "100% 0px"}) // about a screen ahead
    : null;

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = url;
      tag.onload = resolve;
      tag.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(tag);
    });
  }

  function loadVega() {
    if (!vegaLoaded) {
      vegaLoaded = window.vegaEmbed ? Promise.resolve() : VEGA_FILES.reduce(function (done, file) {
        return done.then(function () { return loadScript(vegaBase + file); });
      }, Promise.resolve());
    }
    return vegaLoaded;
  }

  function add(id, spec) {
    var root = document.getElementById(id);
    if (!root || waiting.has(id) || root.dataset.ready) return;
    waiting.set(id, spec);
    // A keyboard can reach an explorer that is not drawn yet; focus draws it.
    root.tabIndex = 0;
    root.addEventListener("focus", onFocus);
    if (observer) observer.observe(root);
    else draw(id);
  }

  function onIntersect(entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting) draw(entry.target.id);
    });
  }

  function onFocus(event) {
    draw(event.currentTarget.id);
  }

  function draw(id) {
    var spec = waiting.get(id);
    var root = document.getElementById(id);
    if (!spec || !root) return Promise.resolve();
    waiting.delete(id);
    if (observer) observer.unobserve(root);
    root.dataset.drawing = "true";
    return loadVega().then(function () {
      var view = document.createElement("div");
      view.className = "reciprocity-explorer-view";
      root.replaceChildren(view);
      return vegaEmbed(view, spec, {actions: false, renderer: "svg"});
    }).then(function (result) {
      enhance(root, result.view);
      (window.reciprocityExplorers = window.reciprocityExplorers || {})[id] = result.view;
      var focused = document.activeElement === root;
      root.removeEventListener("focus", onFocus);
      root.removeAttribute("tabindex");
      if (focused) { // the reader tabbed here before it was drawn: go on to its first control
        var first = root.querySelector(".vega-bind input, .vega-bind select");
        if (first) first.focus();
      }
      delete root.dataset.drawing;
      root.dataset.ready = "true";
    }).catch(function (error) {
      root.textContent = "This explorer could not be drawn (" + error + "). Reload the page to try again.";
      root.removeEventListener("focus", onFocus);
      root.removeAttribute("tabindex");
      delete root.dataset.drawing;
      root.dataset.ready = "error";
    });
  }

  function drawAll() {
    return Promise.all(Array.from(waiting.keys()).map(draw));
  }

  function hasSignal(view, name) {
    try { view.signal(name); return true; } catch (error) { return false; }
  }

  function readout(root) {
    var lines = Array.from(root.querySelectorAll(READOUT), function (t) { return t.textContent.trim(); })
      .filter(Boolean);
    return lines.map(function (line, i) {
      return i < lines.length - 1 && !/[.:;!?]$/.test(line) ? line + "." : line;
    }).join(" ");
  }

  function enhance(root, view) {
    var form = root.querySelector(".vega-bindings");
    if (!form) return;
    // a group, not a form landmark: a page with several explorers would have several
    form.setAttribute("role", "group");
    form.setAttribute("aria-label", "Controls");
    Array.from(form.querySelectorAll(".vega-bind")).forEach(function (bind, i) {
      var name = bind.querySelector(".vega-bind-name");
      if (!name) return;
      name.id = root.id + "-control-" + i;
      var radios = bind.querySelector(".vega-bind-radio");
      if (radios) {
        radios.setAttribute("role", "radiogroup");
        radios.setAttribute("aria-labelledby", name.id);
      } else {
        bind.querySelectorAll("input, select").forEach(function (input) {
          input.setAttribute("aria-labelledby", name.id);
        });
      }
      var range = bind.querySelector('input[type="range"]');
      if (range) showValue(view, range);
    });

    var live = document.createElement("div");
    live.className = "reciprocity-explorer-live";
    live.setAttribute("aria-live", "polite");
    live.setAttribute("aria-atomic", "true");
    root.appendChild(live);
    var timer = null;
    function announce() {
      clearTimeout(timer);
      timer = setTimeout(function () {
        view.runAsync().then(function () { live.textContent = readout(root); });
      }, ANNOUNCE_AFTER_MS);
    }
    form.addEventListener("input", announce);
    form.addEventListener("change", announce);
  }

  // The value beside a slider (Vega writes the bare number there) and its
  // aria-valuetext: the "<control>_text" parameter when the spec has one.
  function showValue(view, range) {
    var shown = range.nextElementSibling;
    var signal = range.name + TEXT_SUFFIX;
    var text = hasSignal(view, signal);
    if (shown) {
      shown.classList.add("reciprocity-explorer-value");
      shown.setAttribute("aria-hidden", "true"); // the slider itself carries the value
    }
    function update() {
      var value = text ? String(view.signal(signal)) : range.value;
      range.setAttribute("aria-valuetext", value);
      if (shown) shown.textContent = value;
    }
    // after Vega's own handler has written the bare number and the view has run
    function later() { view.runAsync().then(update); }
    range.addEventListener("input", later);
    range.addEventListener("change", later);
    if (text) view.addSignalListener(signal, update);
    update();
  }

  window.addEventListener("beforeprint", drawAll);
  window.reciprocityExplorerLoader = {add: add, draw: draw, drawAll: drawAll};
})();
