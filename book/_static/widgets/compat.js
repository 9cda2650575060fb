// Small fixes to how the widget manager behaves in a Jupyter Book page.
(function () {
  // 1. Accessible names for slider handles. The widget manager draws sliders
  // with noUiSlider, whose handles have role="slider" but no label, so a
  // screen reader announces an unnamed control. Copy the widget's visible
  // description onto each handle as views appear.
  function labelSliders(root) {
    root.querySelectorAll(".widget-slider .noUi-handle:not([aria-label])").forEach(function (handle) {
      var widget = handle.closest(".widget-slider");
      var text = widget && widget.querySelector(".widget-label");
      var name = text && text.textContent.trim();
      handle.setAttribute("aria-label", name || "slider");
    });
  }
  new MutationObserver(function () { labelSliders(document); })
    .observe(document.documentElement, { childList: true, subtree: true });

  // 2. MathJax 3. The widget manager typesets HTML widgets with the MathJax 2
  // call MathJax.Hub.Queue(...) whenever window.MathJax exists; the book loads
  // MathJax 3, which has no Hub, and every widget view then throws. Give any
  // MathJax object a Hub whose Queue typesets through the version 3 API.
  function addHub(mathjax) {
    if (mathjax && typeof mathjax === "object" && !mathjax.Hub) {
      mathjax.Hub = {
        Queue: function (job) {
          var element = job && job[2];
          var current = window.MathJax;
          if (element && current && current.typesetPromise) {
            current.typesetPromise([element]).catch(function () {});
          }
        }
      };
    }
    return mathjax;
  }
  var mathjax = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return mathjax; },
    set: function (value) { mathjax = addHub(value); }
  });
})();
