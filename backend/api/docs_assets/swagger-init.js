// Starts Swagger UI on /api/docs. A file, not an inline script, so the page's CSP needs no
// 'unsafe-inline'; the OpenAPI address comes from the page (data-openapi-url).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // The default asks validator.swagger.io for a badge: no requests to other sites.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
});
