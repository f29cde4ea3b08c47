from __future__ import annotations

import pytest

from scoring.engine import normalise


@pytest.mark.parametrize(
    ("value", "expected"),
    [(10, 0.0), (70, 100.0), (40, 50.0), (25, 25.0), (0, 0.0), (95, 100.0)],
)
def test_it_scales_higher_is_better_linearly_and_clamps(value, expected):
    # bad 10 → 0, good 70 → 100: (40 − 10) / 60 = 50 %, (25 − 10) / 60 = 25 %
    assert normalise(value, 10, 70) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(8, 0.0), (0, 100.0), (2, 75.0), (6, 25.0), (12, 0.0), (-3, 100.0)],
)
def test_it_scales_lower_is_better_linearly_and_clamps(value, expected):
    # open tickets: bad 8 → 0, good 0 → 100: 2 tickets = (2 − 8) / (0 − 8) = 75 %
    assert normalise(value, 8, 0) == pytest.approx(expected)
