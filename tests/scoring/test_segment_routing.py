"""Each account is scored by its segment's published model, else the default segment's."""

from __future__ import annotations

from scoring.models import AccountScore, Segment
from scoring.services import scores_recompute
from tests.factories import AccountFactory, create_published_version, observe
from tests.scoring.conftest import DAY, NOW


def test_it_scores_by_segment_model_else_default(scoring_setup):
    enterprise = Segment.objects.create(name="Enterprise", slug="enterprise")
    smb = Segment.objects.create(name="SMB", slug="smb")  # no model
    ent_version = create_published_version(enterprise, scoring_setup.signals, category_weights={"support": 1})
    in_ent, in_smb, no_segment = AccountFactory(segment=enterprise), AccountFactory(segment=smb), AccountFactory()
    for a in (in_ent, in_smb, no_segment):
        observe(a, scoring_setup.signals["open_tickets"], 1.25, NOW - DAY)
    scores_recompute(now=NOW)
    versions = dict(AccountScore.objects.values_list("account_id", "model_version_id"))
    assert versions == {in_ent.pk: ent_version.pk, in_smb.pk: scoring_setup.version.pk,
                        no_segment.pk: scoring_setup.version.pk}
    # Enterprise weighs only support: open tickets 75, ticket age neutral 50 → 62.5
    assert AccountScore.objects.get(account=in_ent).score == 62.5
