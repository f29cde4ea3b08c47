"""Sample data shaped per the shared contracts."""

import datetime as dt

OBSERVATIONS_URL = "/api/v1/observations/"
INGEST_NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)  # the observation tests run frozen at this instant


def observation_item(**over) -> dict:
    """One valid item of an observations batch for the 'acme' account; keyword arguments override fields."""
    return {"account": "acme", "signal": "weekly_logins", "value": 12, "observed_at": "2026-11-20T00:00:00Z", **over}


COMPONENTS = {
    "raw_score": 43.2,
    "score": 43.2,
    "signals": [
        {"key": "weekly_logins", "label": "Logins per week", "category": "usage", "unit": "logins", "value": 4.2,
         "sub_score": 13.3, "weight_share": 0.16, "contribution": 2.13, "points_lost": 13.87,
         "newest_at": "2026-11-19T00:00:00+00:00", "status": "ok", "policy": "zero"},
        {"key": "open_tickets", "label": "Open support tickets", "category": "support", "unit": "tickets",
         "value": 6.0, "sub_score": 25.0, "weight_share": 0.1, "contribution": 2.5, "points_lost": 7.5,
         "newest_at": "2026-10-01T00:00:00+00:00", "status": "stale", "policy": "neutral"},
        {"key": "nps", "label": "NPS response", "category": "relationship", "unit": "points", "value": None,
         "sub_score": None, "weight_share": 0, "contribution": 0, "points_lost": 0, "newest_at": None,
         "status": "missing", "policy": "neutral"},
    ],
    "override": None,
    "top_reasons": [
        "Logins per week low (4.2 logins): −13.9",
        "Open support tickets high (6 tickets): −7.5",
        "Payment health low: −2.0",
    ],
}  # fmt: skip
