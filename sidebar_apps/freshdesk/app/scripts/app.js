/* Healthscore ticket sidebar (Freshdesk, platform 2.3). Reads the requester, then calls the request
   template "getBadge" (config/requests.json): Freshdesk sends it from its servers with the sidebar key
   from a secure iparam, so the key never reaches the agent's browser. Rendered as text (no innerHTML). */
(function () {
  "use strict";
  var root = document.getElementById("badge");

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function render(badge) {
    root.replaceChildren();
    var tier = el("span", badge.label, "tier");
    tier.style.backgroundColor = badge.colour || "#6e7781";
    tier.setAttribute("data-testid", "tier");
    root.appendChild(tier);
    if (badge.trend_arrow) root.appendChild(el("span", " " + badge.trend_arrow + " " + (badge.trend_label || "")));
    if (badge.account) root.appendChild(el("p", badge.account.name, "muted"));
    if (badge.owner) root.appendChild(el("p", "Owner: " + badge.owner));
    if (badge.top_reasons && badge.top_reasons.length) {
      var list = el("ul");
      badge.top_reasons.forEach(function (reason) { list.appendChild(el("li", reason)); });
      root.appendChild(list);
    }
    if (badge.url) {
      var link = el("a", "Open in Healthscore");
      link.href = badge.url;
      link.target = "_blank";
      link.rel = "noopener";
      root.appendChild(link);
    }
  }

  function fail(message) {
    root.replaceChildren(el("p", message, "muted"));
  }

  function load(client) {
    return client.data.get("requester")
      .then(function (data) {
        var email = data && data.requester && data.requester.email;
        if (!email) return fail("This ticket has no requester email.");
        return client.request.invokeTemplate("getBadge", { context: { email: email } })
          .then(function (answer) { render(JSON.parse(answer.response)); });
      })
      .catch(function () { fail("Health not available."); });
  }

  app.initialized().then(function (client) {
    client.events.on("app.activated", function () { load(client); });
  });
})();
