/* Healthscore ticket sidebar (Zendesk). Reads the requester through ZAF and asks Healthscore for the
   badge with client.request({secure: true}): Zendesk's proxy puts the sidebar key (a secure setting)
   into the header, so the key never reaches this page. Everything is rendered as text (no innerHTML). */
(function () {
  "use strict";
  var client = ZAFClient.init();
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
    client.invoke("resize", { width: "100%", height: Math.max(80, document.body.scrollHeight) + "px" });
  }

  function fail(message) {
    root.replaceChildren(el("p", message, "muted"));
  }

  Promise.all([client.metadata(), client.get("ticket.requester.email")])
    .then(function (answers) {
      var settings = answers[0].settings;
      var email = answers[1]["ticket.requester.email"];
      if (!email) return fail("This ticket has no requester email.");
      var base = String(settings.healthscore_url).replace(/\/+$/, "");
      return client.request({
        url: base + "/integrations/" + encodeURIComponent(settings.integration_id) + "/badge?email=" + encodeURIComponent(email),
        type: "GET",
        dataType: "json",
        secure: true,
        headers: { Authorization: "Bearer {{setting.sidebar_key}}" }
      }).then(render);
    })
    .catch(function () { fail("Health not available."); });
})();
