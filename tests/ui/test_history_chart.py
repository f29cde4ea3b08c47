"""The account history chart: parse the SVG and map it back to the stored snapshots."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import history_points
from scoring.charts import Frame, history_chart
from scoring.models import ScoreSnapshot
from tests.factories import create_published_version

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def chart_from_page(client, user, external_id: str) -> ET.Element:
    html = client.get(reverse("accounts:detail", args=[external_id])).content.decode()
    start = html.index('<svg class="chart history"')
    return ET.fromstring(html[start:html.index("</svg>", start) + len("</svg>")])


def test_it_draws_one_point_per_snapshot_at_the_stored_score(client, alice, alice_account, make_snapshots):
    today = timezone.localdate()
    make_snapshots(alice_account, [81.0, 77.5, 70.2, 64.0, 58.8, 51.0, 47.3, 42.0], end=today)
    client.force_login(alice)
    svg = chart_from_page(client, alice, "acme")
    stored = list(ScoreSnapshot.objects.filter(account=alice_account).order_by("date").values_list("date", "score"))
    circles = svg.findall(f"{SVG}circle")
    assert [(dt.date.fromisoformat(c.get("data-date")), float(c.get("data-score"))) for c in circles] == stored
    frame = Frame()
    line = svg.find(f"{SVG}polyline").get("points").split()
    assert len(line) == len(stored)
    for (x, y), circle, (_, score) in zip((p.split(",") for p in line), circles, stored, strict=True):
        assert abs(frame.score_at(float(y)) - score) < 0.02
        assert float(x) == float(circle.get("cx")) and float(y) == float(circle.get("cy"))
    xs = [float(p.split(",")[0]) for p in line]
    assert xs[0] == frame.left and xs[-1] == frame.left + frame.plot_w and xs == sorted(xs)
    titles = [c.find(f"{SVG}title").text for c in circles]
    assert titles[-1] == f"{today.day} {today:%b %Y}: 42.0 (red)"


def test_it_draws_tier_bands_from_each_model_versions_thresholds(alice_account, make_snapshots, scoring_setup):
    v2 = create_published_version(scoring_setup.segment, scoring_setup.signals, status="retired", number=2)
    v2.green_threshold, v2.yellow_threshold = 80, 40
    v2.save()
    today = timezone.localdate()
    make_snapshots(alice_account, [60, 61, 62], end=today - dt.timedelta(days=3))
    make_snapshots(alice_account, [63, 64, 65], end=today, version=v2, override_days=(1, 2))
    svg = ET.fromstring(str(history_chart(history_points(account=alice_account, today=today))))
    frame = Frame()
    yellow_bands = [r for r in svg.findall(f"{SVG}rect") if r.get("class") == "band band-yellow"]
    assert len(yellow_bands) == 2
    (first, second) = yellow_bands
    assert float(first.get("y")) == frame.y(75) and float(first.get("y")) + float(first.get("height")) == pytest.approx(frame.y(50))
    assert float(second.get("y")) == frame.y(80) and float(second.get("y")) + float(second.get("height")) == pytest.approx(frame.y(40))
    markers = [line for line in svg.findall(f"{SVG}line") if line.get("class") == "marker-version"]
    assert len(markers) == 1
    assert markers[0].find(f"{SVG}title").text.startswith("Model v2 from")
    overrides = [r for r in svg.findall(f"{SVG}rect") if r.get("class") == "marker-override"]
    assert len(overrides) == 1 and "Override active" in overrides[0].find(f"{SVG}title").text


def test_it_says_so_when_there_is_no_history():
    assert "No score history yet." in str(history_chart([]))
