"""Slack: a real local HTTP server receives the webhook JSON (nothing of ours is mocked)."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail

from playbooks.models import Notification
from playbooks.triggers import triggers_evaluate

REASONS = ["Logins per week low (0.5 logins): −13.9", "Open support tickets high (6 tickets): −7.5"]


@pytest.fixture
def slack_server():
    """A webhook receiver on 127.0.0.1: records (path, content type, JSON body); answers ``status``."""
    received: list[tuple[str, str, dict]] = []
    state = {"status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.path, self.headers["Content-Type"], json.loads(body)))
            self.send_response(state["status"])
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, received, state
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_it_posts_score_tier_reasons_and_link_to_slack(
    settings, slack_server, account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    server, received, _ = slack_server
    settings.SLACK_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/services/T000/B000/XXX"
    settings.SITE_URL = "https://health.example.com"
    score = score_state(account, score=42.0, tier="red", top_reasons=REASONS)
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    assert len(received) == 1
    path, content_type, payload = received[0]
    assert (path, content_type) == ("/services/T000/B000/XXX", "application/json")
    assert payload["text"] == "Acme entered red (score 42.0, was yellow). https://health.example.com/accounts/acme/"
    # Block Kit / incoming-webhook keys only: Slack refuses or ignores anything else at the top level.
    assert set(payload) <= {"text", "blocks", "attachments", "thread_ts", "mrkdwn", "unfurl_links", "unfurl_media"}
    assert payload["blocks"] and payload["text"]
    assert payload["blocks"][1]["fields"] == [
        {"type": "mrkdwn", "text": "*Score*\n42.0"}, {"type": "mrkdwn", "text": "*Tier*\nRed"}
    ]
    assert "• Open support tickets high (6 tickets): −7.5" in payload["blocks"][2]["text"]["text"]
    assert Notification.objects.get(channel="slack").sent_at is not None
    assert len(mail.outbox) == 2


def test_it_records_a_slack_failure_and_raises_for_a_retry(
    settings, slack_server, account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    server, received, state = slack_server
    state["status"] = 500
    settings.SLACK_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
    score = score_state(account, score=42.0, tier="red")
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with pytest.raises(RuntimeError, match="1 of 3 notifications failed"):
        with django_capture_on_commit_callbacks(execute=True):
            triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    slack = Notification.objects.get(channel="slack")
    assert slack.sent_at is None
    assert slack.error == "HTTPError: HTTP Error 500: Internal Server Error"
    assert len(received) == 1
    assert Notification.objects.filter(channel="email", sent_at__isnull=False).count() == 2


def test_it_escapes_account_names_and_reasons_per_slacks_rules(
    settings, slack_server, account, now, score_state, tier_change, result_of, django_capture_on_commit_callbacks
):
    # The payload (#12 item 3): a channel ping and a disguised link in an account's name.
    server, received, _ = slack_server
    settings.SLACK_WEBHOOK_URL = f"http://127.0.0.1:{server.server_port}/hook"
    settings.SITE_URL = "https://health.example.com"
    account.name = "Acme <!channel> <https://evil.example|Re-login>"
    account.save(update_fields=["name"])
    score = score_state(account, score=42.0, tier="red", top_reasons=["R&D <@U123> left"])
    change = tier_change(account, "yellow", "red", 58.0, 42.0)

    with django_capture_on_commit_callbacks(execute=True):
        triggers_evaluate(result=result_of(account, changes=[change], scores=[score]), now=now)

    (_, _, payload), = received
    escaped = "Acme &lt;!channel&gt; &lt;https:\u2060//evil.example|Re-login&gt;"
    assert payload["text"] == f"{escaped} entered red (score 42.0, was yellow). https://health.example.com/accounts/acme/"
    assert payload["blocks"][0]["text"]["text"] == f"*<https://health.example.com/accounts/acme/|{escaped}>* entered *Red*"
    assert "• R&amp;D &lt;@U123&gt; left" in payload["blocks"][2]["text"]["text"]
    texts = [payload["text"], *(b["text"]["text"] for b in payload["blocks"] if "text" in b)]
    for text in texts:
        assert "<!" not in text and "<@" not in text and "https://evil" not in text
        # The only link left is our own account page.
        assert [m for m in re.findall(r"<([^>]*)>", text)] in ([], ["https://health.example.com/accounts/acme/|" + escaped])
    assert (payload["unfurl_links"], payload["unfurl_media"]) == (False, False)


def test_it_turns_a_line_break_in_a_name_into_a_space_in_slack():
    from playbooks.notifications import slack_escape

    assert slack_escape("Acme\nBcc: x & <b>") == "Acme Bcc: x &amp; &lt;b&gt;"
