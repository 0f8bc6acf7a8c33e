"""How jurors' scores become one ranking, and how jury and public vote combine.

The method (shown on the ranking page, so everyone reads the same rule):

1. A juror's **total** for an entry is the weighted mean of their criterion scores, each
   first placed on 0–1 within its range: Σ wᵢ·(vᵢ − minᵢ)/(maxᵢ − minᵢ) / Σ wᵢ.
2. Each juror's totals are turned into **z-scores** over the entries that juror scored:
   z = (total − the juror's mean) / the juror's standard deviation (population). A juror who
   gave every entry the same total, or scored only one, contributes z = 0: they did not rank.
   This takes out a lenient or a harsh hand (per-juror normalisation).
3. An entry's **jury score** is the mean of its jurors' z-scores; entries are ranked by it.
4. In a poll, jury scores and vote counts are each placed on 0–1 over the candidates
   (jury: (s − lowest)/(highest − lowest), all 1 when equal; vote: votes / most votes, all 0
   when nobody voted) and the **final score** is (jury weight × jury + vote weight × vote)
   / 100 with the weights published before the vote opened.
"""

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    """A criterion as scoring needs it."""

    id: int
    weight: int
    min_score: int
    max_score: int


def total(rules: Sequence[Rule], values: Mapping[int, int]) -> float:
    """A juror's total for one entry: the weighted mean of the criteria placed on 0–1."""
    weights = sum(rule.weight for rule in rules)
    placed = sum(
        rule.weight * (values[rule.id] - rule.min_score) / (rule.max_score - rule.min_score)
        for rule in rules
    )
    return placed / weights


def z_scores(totals: Mapping[int, float]) -> dict[int, float]:
    """One juror's totals per entry → their z-scores (population standard deviation)."""
    if not totals:
        return {}
    mean = sum(totals.values()) / len(totals)
    spread = math.sqrt(sum((t - mean) ** 2 for t in totals.values()) / len(totals))
    if spread == 0:
        return dict.fromkeys(totals, 0.0)
    return {entry: (t - mean) / spread for entry, t in totals.items()}


def jury_scores(totals_by_juror: Mapping[int, Mapping[int, float]]) -> dict[int, float]:
    """{juror: {entry: total}} → {entry: mean of its jurors' z-scores}."""
    gathered: dict[int, list[float]] = defaultdict(list)
    for totals in totals_by_juror.values():
        for entry, z in z_scores(totals).items():
            gathered[entry].append(z)
    return {entry: sum(zs) / len(zs) for entry, zs in gathered.items()}


def final_scores(
    jury: Mapping[int, float], votes: Mapping[int, int], *, jury_weight: int, vote_weight: int
) -> dict[int, float]:
    """Each candidate's final score: the published weights × (jury, vote), both on 0–1."""
    entries = list(votes)
    known = [jury[e] for e in entries if e in jury]
    low, high = (min(known), max(known)) if known else (0.0, 0.0)
    most = max(votes.values(), default=0)
    final = {}
    for entry in entries:
        if entry not in jury:
            jury_part = 0.0
        elif high == low:
            jury_part = 1.0
        else:
            jury_part = (jury[entry] - low) / (high - low)
        vote_part = votes[entry] / most if most else 0.0
        final[entry] = (jury_weight * jury_part + vote_weight * vote_part) / 100
    return final
