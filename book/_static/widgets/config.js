// Serve the widget manager's modules and icon fonts from this folder.
// embed-amd.js works out where its fonts live from each AMD module's URL,
// which RequireJS resolves against the page unless told otherwise; mapping
// the module prefixes here keeps every font request inside _static/widgets/.
(function () {
  var here = new URL(".", document.currentScript.src).href.replace(/\/$/, "");
  window.__jupyter_widgets_assets_path__ = here + "/";
  require.config({
    paths: {
      "@jupyter-widgets": here,
      "@jupyter-widgets/html-manager/dist": here
    }
  });
})();
