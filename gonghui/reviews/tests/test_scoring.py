"""The normalisation and combination of scores, on examples computed by hand."""

import pytest

from gonghui.reviews import scoring

RULES = [
    scoring.Rule(1, weight=3, min_score=0, max_score=10),
    scoring.Rule(2, weight=1, min_score=1, max_score=5),
]


def test_total_is_the_weighted_mean_of_criteria_placed_on_zero_to_one():
    # (3 × 8/10 + 1 × (5−1)/(5−1)) / 4 = (2.4 + 1) / 4 = 0.85
    assert scoring.total(RULES, {1: 8, 2: 5}) == pytest.approx(0.85, abs=1e-12)
    # (3 × 0 + 1 × 2/4) / 4 = 0.125
    assert scoring.total(RULES, {1: 0, 2: 3}) == 0.125


def test_z_scores_use_each_jurors_own_mean_and_population_spread():
    # Juror A: 0.2, 0.4, 0.6 → mean 0.4, σ = √(0.08/3); z = ∓1.224744871…, 0
    # Juror B: 0.9, 0.7 → mean 0.8, σ = 0.1; z = +1, −1
    jury = scoring.jury_scores({1: {10: 0.2, 11: 0.4, 12: 0.6}, 2: {10: 0.9, 11: 0.7}})
    # √1.5 = 1.224744871…: entry 10 (−1.2247 + 1)/2, entry 11 (0 − 1)/2, entry 12 only A's.
    assert round(jury[10], 9) == -0.112372436
    assert round(jury[11], 9) == -0.5
    assert round(jury[12], 9) == 1.224744871


def test_a_juror_who_did_not_rank_contributes_zero():
    assert scoring.z_scores({10: 0.5, 11: 0.5}) == {10: 0.0, 11: 0.0}
    assert scoring.z_scores({10: 0.7}) == {10: 0.0}


def test_final_score_applies_the_published_weights_to_jury_and_vote_on_zero_to_one():
    jury = {1: 1.0, 2: -1.0, 3: 0.0}
    votes = {1: 10, 2: 40, 3: 0}
    final = scoring.final_scores(jury, votes, jury_weight=60, vote_weight=40)
    # entry 1: jury (1−(−1))/2 = 1, vote 10/40 = 0.25 → 0.6 + 0.1 = 0.7
    # entry 2: jury 0, vote 1 → 0.4; entry 3: jury 0.5, vote 0 → 0.3
    assert final == {1: pytest.approx(0.7), 2: pytest.approx(0.4), 3: pytest.approx(0.3)}
