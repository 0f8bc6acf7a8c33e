"""The union of played intervals: what a member has truly heard of a lesson.

Intervals are half-open [start, end) in whole milliseconds of the lesson's timeline, kept
sorted, disjoint and not touching (two pieces that meet are one). The union is the whole
truth of progress: it cannot be gamed by seeking (a jump plays nothing), a replayed report
adds nothing, and reports from two phones or from an offline queue merge in any order
(see docs/decisions/0024-interval-based-progress.md).
"""

Interval = tuple[int, int]


def merge(held: list[Interval], new: list[Interval]) -> list[Interval]:
    """The union of `held` (already normalised) and `new` (any order, may overlap)."""
    merged: list[Interval] = []
    for start, end in sorted([*held, *new]):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def covered(intervals: list[Interval]) -> int:
    """Milliseconds covered by normalised intervals."""
    return sum(end - start for start, end in intervals)
