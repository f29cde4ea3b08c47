"""One escalation rule for every tag-based adapter (support.adapters.escalated_by_tags): an escalation tag in
any of the vendors' tag shapes marks the ticket escalated, other tags do not, and a payload without tags
says nothing (None: the stored flag is kept)."""

import pytest

from support.adapters import escalated_by_tags


@pytest.mark.parametrize("payload, expected", [
    ({"tags": ["vip", "Escalated"]}, True),  # Zendesk: names
    ({"tags": "vip, escalation"}, True),  # Zendesk placeholder: one string
    ({"tags": {"type": "tag.list", "tags": [{"type": "tag", "name": "escalated"}]}}, True),  # Intercom
    ({"tags": [{"id": 1, "tag": "escalation", "color": "#fff"}]}, True),  # Help Scout
    ({"tags": ["vip"]}, False),
    ({"tags": {"type": "tag.list", "tags": []}}, False),
    ({"subject": "no tags in this event"}, None),
])
def test_the_escalation_rule_reads_each_vendors_tags(payload, expected):
    assert escalated_by_tags(payload) is expected
