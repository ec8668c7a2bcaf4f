/* Swagger UI for /api/v1/docs, configured from data attributes (no inline script: strict CSP). */
(function () {
  "use strict";
  var body = document.body;
  var config = JSON.parse(body.dataset.swaggerSettings || "{}");
  var csrfToken = body.dataset.csrfToken;
  config.dom_id = "#swagger-ui";
  config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset];
  config.requestInterceptor = function (req) {
    // the browser session authenticates the "try it out" calls; unsafe methods need the CSRF token
    if (csrfToken && req.method && req.method.toUpperCase() !== "GET") {
      req.headers["X-CSRFToken"] = csrfToken;
    }
    return req;
  };
  window.ui = SwaggerUIBundle(config);
})();
