"""scores_preview: scores under any version (a draft too) without writing anything."""

from __future__ import annotations

import pytest

from scoring.models import AccountScore, CategoryWeight, ScoreChange, ScoreSnapshot
from scoring.services import scores_preview
from scoring.versions import version_clone_as_draft
from tests.factories import AccountFactory, observe
from tests.scoring.conftest import DAY, NOW


def test_it_scores_a_draft_without_writing(scoring_setup, ops):
    s = scoring_setup.signals
    account = AccountFactory()
    observe(account, s["weekly_logins"], 25, NOW - DAY)   # 100
    observe(account, s["open_tickets"], 8, NOW - DAY)     # 0 → support 25 with ticket age neutral
    draft = version_clone_as_draft(version=scoring_setup.version, actor=ops)
    CategoryWeight.objects.filter(version=draft, category="usage").update(weight=0)
    published = scores_preview(version=scoring_setup.version, now=NOW)
    preview = scores_preview(version=draft, account_ids=[account.pk], now=NOW)
    # published: (40·100 + 15·25 + 15·50 + 10·50) / 80 = 70.31; draft without usage: 1625 / 40 = 40.625
    assert published[account.pk].score == pytest.approx(70.31)
    assert preview[account.pk].score == pytest.approx(40.625, abs=0.006)
    assert preview[account.pk].model_version_id == draft.pk
    assert preview[account.pk].components["signals"][0]["key"] in {"open_tickets", "nps"}
    assert not AccountScore.objects.exists()
    assert not ScoreSnapshot.objects.exists() and not ScoreChange.objects.exists()
