// The grading page without reloads: while a job runs, ask the service for its state every two
// seconds; when it ends, say how in the status line (an aria-live region) and refresh the labs
// and the job log from a fresh copy of the page. Without JavaScript, reloading does the same.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="xsrf-token"]').content;
  var base = location.pathname.replace(/[^/]*$/, "");
  var status = document.getElementById("status");

  function get(url) {
    return fetch(url, {headers: {"X-XSRFToken": token}, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r; });
  }

  function refresh(message) {
    return get(base).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      ["labs", "jobs"].forEach(function (id) {
        var old = document.getElementById(id), neu = fresh.getElementById(id);
        if (old && neu) { old.replaceWith(neu); }
      });
      if (message) { status.textContent = message; }
      watch();
    });
  }

  function watch() {
    var running = document.querySelector('[data-state="running"]');
    if (!running) { return; }
    var id = running.getAttribute("data-job");
    setTimeout(function poll() {
      get(base + "api/jobs/" + id).then(function (r) { return r.json(); }).then(function (job) {
        if (job.state === "running") { setTimeout(poll, 2000); return; }
        var label = {done: "finished", failed: "failed", refused: "refused"}[job.state] || job.state;
        refresh("“" + job.title + "” " + label + ": " + job.outcome + ".");
      }).catch(function () { setTimeout(poll, 5000); });
    }, 2000);
  }

  // a pressed button says so until the next page arrives
  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button");
    if (button) { button.disabled = true; button.textContent = "Starting…"; }
  });
  watch();
})();
