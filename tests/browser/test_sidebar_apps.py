"""The sidebar apps shipped in sidebar_apps/ render the badge of a demo requester (#13).

Each app's own files are served as the helpdesk would serve them (a fake helpdesk origin); the vendor's
client library is a stub whose requests are made by Python, as the vendor's proxy makes them server-side:
the Zendesk stub forwards ``client.request`` with the ``{{setting.sidebar_key}}`` placeholder filled in,
the Freshdesk stub renders config/requests.json (the app's request template) with its iparams. The page
itself never holds the key.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import AccountDomain, Contact
from integrations.models import Integration
from scoring.models import AccountScore, ScoreModelVersion
from tests.factories import AccountFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
APPS = Path(__file__).resolve().parents[2] / "sidebar_apps"
ORIGIN = "https://helpdesk-apps.test"
REQUESTER = "zoe.müller1@acme.com"


@pytest.fixture
def demo(scoring_setup):
    acme = AccountFactory(external_id="acme", name="Acme Inc")
    AccountDomain.objects.create(account=acme, domain="acme.com")
    Contact.objects.create(account=acme, name="Zoe Müller", email=REQUESTER)
    AccountScore.objects.create(
        account=acme, score=43.2, raw_tier="red", tier="red", trend="gradual_decline", delta_7=-3.0, delta_30=-12.5,
        model_version=ScoreModelVersion.objects.get(status="published"),
        computed_at=dt.datetime.now(dt.UTC), components={"top_reasons": ["Logins per week low (4.2 logins): −13.9"]},
    )  # fmt: skip
    return acme


def _integration(vendor: str) -> tuple[Integration, str]:
    integration = Integration(vendor=vendor, name=vendor, secret="s")
    key = integration.sidebar_key_generate()
    integration.save()
    return integration, key


def _get(url: str, headers: dict[str, str]) -> str:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:  # noqa: S310
        return response.read().decode()


def _serve(page, root: Path, stub_js: str) -> None:
    def handle(route):
        path = urllib.parse.urlparse(route.request.url).path
        if "appclient" in path or path.endswith("zaf_sdk.min.js"):
            return route.fulfill(body=stub_js, content_type="application/javascript")
        file = root / path.lstrip("/")
        if not file.is_file():
            return route.fulfill(status=404, body="")
        return route.fulfill(body=file.read_bytes(), content_type=mimetypes.guess_type(file.name)[0] or "text/plain")

    page.route(f"{ORIGIN}/**", handle)
    page.route("https://static.zdassets.com/**", handle)


ZAF_STUB = """
window.ZAFClient = { init: function () { return {
  metadata: function () { return Promise.resolve({ settings: { healthscore_url: %(base)s, integration_id: %(id)s } }); },
  get: function (path) { var out = {}; out[path] = %(email)s; return Promise.resolve(out); },
  invoke: function () { return Promise.resolve(); },
  request: function (options) { return window.zendeskProxy(JSON.stringify(options)).then(JSON.parse); }
}; } };
"""


def test_the_zendesk_app_shows_the_requesters_badge_without_holding_the_key(page, live_server, demo):
    integration, key = _integration("zendesk")
    manifest = json.loads((APPS / "zendesk/manifest.json").read_text())
    assert manifest["location"]["support"]["ticket_sidebar"]["url"] == "assets/iframe.html"
    assert {p["name"]: p.get("secure", False) for p in manifest["parameters"]}["sidebar_key"] is True
    seen = []

    def zendesk_proxy(options_json: str) -> str:  # Zendesk's proxy: fills in secure settings, server-side
        options = json.loads(options_json)
        seen.append(options)
        assert options["secure"] is True
        headers = {k: v.replace("{{setting.sidebar_key}}", key) for k, v in options["headers"].items()}
        return _get(options["url"], headers)

    page.expose_function("zendeskProxy", zendesk_proxy)
    stub = ZAF_STUB % {"base": json.dumps(live_server.url), "id": json.dumps(integration.public_id),
                       "email": json.dumps(REQUESTER)}  # fmt: skip
    _serve(page, APPS / "zendesk", stub)
    page.goto(f"{ORIGIN}/assets/iframe.html")
    expect(page.get_by_test_id("tier")).to_have_text("Red 43")
    expect(page.locator("body")).to_contain_text("Acme Inc")
    expect(page.locator("body")).to_contain_text("Logins per week low")
    assert seen[0]["headers"] == {"Authorization": "Bearer {{setting.sidebar_key}}"}
    assert key not in page.content()


FRESHDESK_STUB = """
window.app = { initialized: function () { return Promise.resolve({
  events: { on: function (name, callback) { if (name === "app.activated") setTimeout(callback, 0); } },
  data: { get: function (what) { return Promise.resolve({ requester: { email: %(email)s } }); } },
  request: { invokeTemplate: function (name, options) {
    return window.freshdeskProxy(name, JSON.stringify(options)).then(function (text) {
      return { status: 200, headers: {}, response: text };
    });
  } }
}); } };
"""


def test_the_freshdesk_app_shows_the_requesters_badge_through_its_request_template(page, live_server, demo):
    integration, key = _integration("freshdesk")
    iparams = json.loads((APPS / "freshdesk/config/iparams.json").read_text())
    assert iparams["sidebar_key"]["secure"] is True
    templates = json.loads((APPS / "freshdesk/config/requests.json").read_text())
    host = urllib.parse.urlparse(live_server.url).netloc
    values = {"iparam": {"healthscore_host": host, "integration_id": integration.public_id, "sidebar_key": key}}

    def freshdesk_proxy(name: str, options_json: str) -> str:  # Freshdesk renders the template server-side
        schema = templates[name]["schema"]
        scope = values | {"context": json.loads(options_json)["context"]}

        def fill(text: str) -> str:
            return re.sub(r"<%=\s*(\w+)\.(\w+)\s*%>", lambda m: str(scope[m[1]][m[2]]), text)

        query = urllib.parse.urlencode({k: fill(v) for k, v in schema.get("query", {}).items()})
        # The live server speaks http; the template's protocol is https in production.
        url = f"http://{fill(schema['host'])}{fill(schema['path'])}?{query}"
        return _get(url, {k: fill(v) for k, v in schema["headers"].items()})

    page.expose_function("freshdeskProxy", freshdesk_proxy)
    _serve(page, APPS / "freshdesk/app", FRESHDESK_STUB % {"email": json.dumps(REQUESTER)})
    page.goto(f"{ORIGIN}/index.html")
    expect(page.get_by_test_id("tier")).to_have_text("Red 43")
    expect(page.locator("body")).to_contain_text("Acme Inc")
    assert key not in page.content()
