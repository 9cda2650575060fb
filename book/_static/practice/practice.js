/* Practice items of Reciprocity Online: checked in the browser, remembered in localStorage.
 *
 * The pages hold the items as HTML (book/_ext/practice.py) and, in a
 * <script type="application/json" class="practice-data">, what checking needs:
 * the numeric answer, its tolerance and listed mistakes, or which option is
 * right, each with its explanation (HTML rendered at build time from Markdown
 * with raw HTML off).
 *
 * Progress lives under one key, STORE_KEY: {version: 1, items: {id: {attempts,
 * result: "right"|"wrong", box, due, missed, last}}}. Leitner boxes: a wrong
 * answer puts an item in box 1, due at once; a right one moves it up a box.
 * The days each box waits come from the page (data-box-days, set from BOX_DAYS
 * in book/_ext/practice.py: 0, 1, 3, 7, 16); a right answer in the last box
 * retires the item. The Review page shows missed items that are due.
 * Without localStorage (private browsing, storage off) everything works from
 * memory for the visit, and the page says so once.
 */
(function () {
  "use strict";

  var STORE_KEY = "reciprocity-practice-v1";
  var VERSION = 1;
  var BOX_DAYS = readBoxDays();  // days until a question in box 1, 2, ... comes back
  var LAST_BOX = BOX_DAYS.length;
  var NO_STORAGE = "This browser is not letting the page keep your progress (private " +
    "browsing, or site storage turned off): answers are still checked, but they are " +
    "forgotten when you leave the page.";

  /* The schedule comes from the page (book/_ext/practice.py, BOX_DAYS). */
  function readBoxDays() {
    var host = document.querySelector("[data-box-days]");
    var days = host ? host.getAttribute("data-box-days").split(" ").map(Number) : [];
    var ok = days.length > 0 && days.every(function (d) { return d >= 0 && isFinite(d); });
    return ok ? days : [0, 1, 3, 7, 16];
  }

  /* ---- progress store ------------------------------------------------ */

  var memory = { version: VERSION, items: {} };
  var persistent = (function () {
    try {
      var probe = STORE_KEY + "-probe";
      window.localStorage.setItem(probe, "1");
      window.localStorage.removeItem(probe);
      return true;
    } catch (err) {
      return false;
    }
  })();

  function load() {
    if (!persistent) return memory;
    try {
      var data = JSON.parse(window.localStorage.getItem(STORE_KEY) || "null");
      if (data && data.version === VERSION && data.items && typeof data.items === "object") {
        memory = data;
      }
    } catch (err) { /* unreadable: start again */ }
    return memory;
  }

  function save() {
    if (!persistent) return;
    try {
      window.localStorage.setItem(STORE_KEY, JSON.stringify(memory));
    } catch (err) {
      persistent = false;  // full or refused: carry on from memory
      announceNoStorage();
    }
  }

  function progressOf(id) {
    return load().items[id] || null;
  }

  function startOfDay(time, plusDays) {
    var d = new Date(time);
    d.setHours(0, 0, 0, 0);
    d.setDate(d.getDate() + plusDays);
    return d.getTime();
  }

  /* Record an attempt and move the item between Leitner boxes. */
  function record(id, right) {
    var items = load().items;
    var now = Date.now();
    var p = items[id] || { attempts: 0, box: 0, missed: false };
    p.attempts += 1;
    p.last = now;
    p.result = right ? "right" : "wrong";
    if (right) {
      if (p.box >= LAST_BOX) {
        p.box = LAST_BOX + 1;  // retired: no more reviews
        p.due = null;
      } else {
        p.box = Math.max(p.box, 1) + 1;
        p.due = startOfDay(now, BOX_DAYS[p.box - 1]);
      }
    } else {
      p.box = 1;
      p.missed = true;
      p.due = now;
    }
    items[id] = p;
    save();
    return p;
  }

  function isDue(p, now) {
    return !!(p && p.missed && p.due !== null && p.due !== undefined && p.due <= now);
  }

  var noStorageShown = false;
  function announceNoStorage() {
    if (noStorageShown) return;
    var host = document.querySelector(".practice-block, .practice-review");
    if (!host) return;
    noStorageShown = true;
    var note = document.createElement("p");
    note.className = "practice-note";
    note.textContent = NO_STORAGE;
    host.insertBefore(note, host.firstChild);
  }

  /* ---- reading and writing numbers ----------------------------------- */

  function isPercentUnit(unit) {
    return /%|percent|point/i.test(unit || "");
  }

  /* "48", "48.0", "-3", ".5", "0,5", "1,234", "12.5%" -> a number; anything else -> null. */
  function parseNumber(raw, unit) {
    var s = String(raw).replace(/[\s\u00a0\u2009\u202f]/g, "").replace(/[\u2212\u2013]/g, "-");
    var percent = false;
    if (s.slice(-1) === "%") {
      percent = true;
      s = s.slice(0, -1);
    }
    if (/^[+-]?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$/.test(s)) {
      s = s.replace(/,/g, "");             // thousands
    } else if (/^[+-]?\d*,\d+$/.test(s)) {
      s = s.replace(",", ".");             // decimal comma
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(s)) return null;
    var x = parseFloat(s);
    if (percent && !isPercentUnit(unit)) x = x / 100;  // 72% of a share is 0.72
    return x;
  }

  function decimalsFor(tolerance) {
    if (!(tolerance > 0) || tolerance >= 1) return 0;
    return Math.min(6, Math.ceil(-Math.log10(tolerance) - 1e-9));
  }

  function formatNumber(x, decimals) {
    return x.toLocaleString("en-GB", { minimumFractionDigits: decimals,
                                       maximumFractionDigits: decimals });
  }

  function withUnit(text, unit) {
    if (!unit) return text;
    return unit.charAt(0) === "%" ? text + unit : text + " " + unit;
  }

  /* " (users per arm)" for a hint; a unit already in brackets keeps its own. */
  function unitNote(unit) {
    if (!unit) return "";
    return unit.charAt(0) === "(" ? " " + unit : " (" + unit + ")";
  }

  function within(given, target, tolerance) {
    return Math.abs(given - target) <= tolerance * (1 + 1e-9);
  }

  var dateFormat = (function () {
    try {
      return new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long" });
    } catch (err) {
      return { format: function (d) { return d.toDateString(); } };
    }
  })();

  function whenDue(time) {
    var now = Date.now();
    if (time <= now) return "now";
    if (time < startOfDay(now, 1)) return "later today";
    if (time < startOfDay(now, 2)) return "tomorrow";
    return "on " + dateFormat.format(new Date(time));
  }

  /* ---- feedback ------------------------------------------------------ */

  function setFeedback(form, state, lead, html, extra) {
    var box = form.querySelector(".practice-feedback");
    form.classList.remove("is-right", "is-wrong", "is-invalid");
    form.classList.add("is-" + state);
    box.innerHTML = "";
    var first = document.createElement("p");
    var strong = document.createElement("strong");
    strong.textContent = lead;
    first.appendChild(strong);
    box.appendChild(first);
    if (html) {
      var why = document.createElement("div");
      why.className = "practice-why";
      why.innerHTML = html;  // rendered at build time, raw HTML escaped
      box.appendChild(why);
    }
    if (extra) {
      var more = document.createElement("p");
      more.textContent = extra;
      box.appendChild(more);
    }
  }

  function scheduleText(p) {
    if (!p.missed) return "";
    if (p.box > LAST_BOX) return "Learned: this question leaves the review.";
    if (p.result === "right") {
      return "Back for review " + whenDue(p.due) + " (box " + p.box + " of " + LAST_BOX + ").";
    }
    return "It will come back on the Review page.";
  }

  function checkNumeric(form, item) {
    var input = form.querySelector("input[name=answer]");
    var raw = input.value.trim();
    if (!raw) {
      setFeedback(form, "invalid", "Type an answer first.", "", "");
      return null;
    }
    var given = parseNumber(raw, item.unit);
    if (given === null) {
      setFeedback(form, "invalid", "\u201c" + raw + "\u201d is not a number this page can read.", "",
                  "Type digits, such as 48, 0.5 or 12.5%.");
      return null;
    }
    var d = decimalsFor(item.tolerance);
    var range = "Accepted: " + withUnit(formatNumber(item.answer - item.tolerance, d) + " to " +
      formatNumber(item.answer + item.tolerance, d), item.unit) + ".";
    if (within(given, item.answer, item.tolerance)) {
      input.removeAttribute("aria-invalid");
      return { right: true, lead: "Right: " + withUnit(formatNumber(item.answer, d), item.unit) + ".",
               html: "", extra: range };
    }
    input.setAttribute("aria-invalid", "true");
    for (var k = 0; k < (item.mistakes || []).length; k++) {
      var m = item.mistakes[k];
      if (within(given, m.value, item.tolerance)) {
        return { right: false, lead: "Not quite.", html: m.why,
                 extra: "Try again, or show the solution." };
      }
    }
    var direction = given > item.answer ? "too high" : "too low";
    var hint;
    if (within(given / 100, item.answer, item.tolerance) || within(given * 100, item.answer, item.tolerance)) {
      hint = "It is off by a factor of 100: check the unit the question asks for" +
        unitNote(item.unit) + ".";
    } else {
      hint = "Check which numbers the question gives, which function or formula the chapter uses " +
        "for them, and the unit" + unitNote(item.unit) + "; then try again, or show the solution.";
    }
    return { right: false, lead: "Not quite: " + raw + " is " + direction + ".", html: "", extra: hint };
  }

  function checkChoice(form, item) {
    var chosen = form.querySelector("input[type=radio]:checked");
    if (!chosen) {
      setFeedback(form, "invalid", "Choose an answer first.", "", "");
      return null;
    }
    var option = item.options[Number(chosen.value)];
    if (option.correct) return { right: true, lead: "Right.", html: option.why, extra: "" };
    return { right: false, lead: "Not this one.", html: option.why, extra: "Try another, or show the solution." };
  }

  /* ---- wiring -------------------------------------------------------- */

  function wireItem(form, item, onAnswer) {
    var reveal = form.querySelector(".practice-reveal");
    var solution = form.querySelector(".practice-solution");
    var hint = form.querySelector(".practice-hint");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var verdict = item.kind === "numeric" ? checkNumeric(form, item) : checkChoice(form, item);
      if (!verdict) return;
      var p = record(item.id, verdict.right);
      var schedule = scheduleText(p);
      var extra = [verdict.extra, schedule].filter(Boolean).join(" ");
      setFeedback(form, verdict.right ? "right" : "wrong", verdict.lead, verdict.html, extra);
      reveal.disabled = false;
      if (hint) hint.hidden = true;
      if (onAnswer) onAnswer(item, p, verdict.right);
    });
    reveal.addEventListener("click", function () {
      var open = solution.hidden;
      solution.hidden = !open;
      reveal.setAttribute("aria-expanded", open ? "true" : "false");
      reveal.textContent = open ? "Hide solution" : "Show solution";
    });
  }

  function readData(host) {
    var node = host.querySelector("script.practice-data");
    try {
      return JSON.parse(node.textContent);
    } catch (err) {
      return [];
    }
  }

  function countRight(ids) {
    var right = 0, tried = 0, due = 0, now = Date.now();
    ids.forEach(function (id) {
      var p = progressOf(id);
      if (!p) return;
      tried += 1;
      if (p.result === "right") right += 1;
      if (isDue(p, now)) due += 1;
    });
    return { right: right, tried: tried, due: due };
  }

  function chapterProgressText(ids) {
    var c = countRight(ids);
    if (!c.tried) return ids.length + " questions, none tried yet. Your answers are kept in this browser only.";
    return c.right + " of " + ids.length + " right at your last try (" + c.tried + " tried)." +
      (c.due ? " " + c.due + " to review again: see the Review page." : "");
  }

  function setUpChapter(block) {
    var data = readData(block);
    var ids = data.map(function (item) { return item.id; });
    var progress = block.querySelector(".practice-progress");
    function refresh() { progress.textContent = chapterProgressText(ids); }
    data.forEach(function (item) {
      var form = block.querySelector('form[data-item="' + item.id + '"]');
      if (form) wireItem(form, item, refresh);
    });
    refresh();
    block.setAttribute("data-ready", "true");
  }

  function setUpReview(review) {
    var data = readData(review);
    var summary = review.querySelector(".practice-review-summary");
    var status = review.querySelector(".practice-reset-status");
    var answeredHere = {};

    function refreshTable() {
      review.querySelectorAll("tbody tr[data-items]").forEach(function (row) {
        var ids = row.getAttribute("data-items").split(" ").filter(Boolean);
        var c = countRight(ids);
        row.querySelector('[data-col="right"]').textContent = c.right + " of " + ids.length;
        row.querySelector('[data-col="tried"]').textContent = String(c.tried);
        row.querySelector('[data-col="due"]').textContent = String(c.due);
      });
    }

    function refreshSummary() {
      var now = Date.now(), due = 0, next = null, tried = 0;
      data.forEach(function (item) {
        var p = progressOf(item.id);
        if (!p) return;
        tried += 1;
        if (isDue(p, now)) due += 1;
        else if (p.missed && p.due && (next === null || p.due < next)) next = p.due;
      });
      var open = Object.keys(answeredHere).length;
      if (due) {
        summary.textContent = due + (due === 1 ? " question is" : " questions are") + " due now.";
      } else if (next !== null) {
        summary.textContent = "Nothing is due" + (open ? " any more" : "") + ". Next review: " +
          whenDue(next) + ".";
      } else if (tried) {
        summary.textContent = "Nothing is due: no question you missed is waiting for review.";
      } else {
        summary.textContent = "Nothing to review yet: questions you miss in the chapters come back here.";
      }
    }

    function showDue() {
      var now = Date.now();
      var due = data.filter(function (item) { return isDue(progressOf(item.id), now); });
      due.sort(function (a, b) { return progressOf(a.id).due - progressOf(b.id).due; });
      var list = review.querySelector(".practice-review-items");
      review.querySelectorAll(".practice-review-item").forEach(function (el) { el.hidden = true; });
      due.forEach(function (item) {
        var el = review.querySelector('.practice-review-item[data-item="' + item.id + '"]');
        if (el) {
          el.hidden = false;
          list.appendChild(el);  // in order of due date
        }
      });
    }

    data.forEach(function (item) {
      var form = review.querySelector('form[data-item="' + item.id + '"]');
      if (form) {
        wireItem(form, item, function () {
          answeredHere[item.id] = true;  // stays on screen with its feedback until the next visit
          refreshSummary();
          refreshTable();
        });
      }
    });

    review.querySelector(".practice-reset").addEventListener("click", function () {
      if (!window.confirm("Delete your practice progress in this browser? This cannot be undone.")) return;
      memory = { version: VERSION, items: {} };
      if (persistent) {
        try { window.localStorage.removeItem(STORE_KEY); } catch (err) { /* memory is cleared anyway */ }
      }
      answeredHere = {};
      showDue();
      refreshSummary();
      refreshTable();
      status.textContent = "Your progress has been deleted.";
    });

    showDue();
    refreshSummary();
    refreshTable();
    review.setAttribute("data-ready", "true");
  }

  function start() {
    var blocks = document.querySelectorAll(".practice-block");
    var review = document.querySelector(".practice-review");
    if (!blocks.length && !review) return;
    if (!persistent) announceNoStorage();
    blocks.forEach(setUpChapter);
    if (review) setUpReview(review);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
