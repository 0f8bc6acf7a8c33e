"""The published tally log of a poll: every ballot as one entry of a hash chain.

An entry holds its place (`seq`), the candidate's number in the poll, the voter's receipt and
the minute it was cast — never who cast it. Its hash covers the previous entry's hash, so
nobody can drop, add or change an entry without every later hash changing; the last hash is
published with the result. Anyone can recount: walk the entries, recompute each hash, count
the votes of entries not set aside, and compare with the published result. A voter finds
their own receipt in it. Entries set aside (quarantined for brushing) stay in the chain with
the stated reason and are not counted.
"""

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def minute_of(moment: datetime) -> str:
    """How a ballot's time is written in the log and hashed: the UTC minute, one spelling."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def entry_hash(
    *, prev_hash: str, poll: int, seq: int, candidate: int, receipt: str, cast_at: str
) -> str:
    message = f"{prev_hash}|{poll}|{seq}|{candidate}|{receipt}|{cast_at}"
    return hashlib.sha256(message.encode()).hexdigest()


class BrokenChainError(ValueError):
    """The log does not hash up: an entry was changed, removed or added."""


@dataclass(frozen=True)
class Recount:
    counts: dict[int, int]
    counted: int
    set_aside: int
    head_hash: str


def recount(poll: int, entries: list[dict[str, Any]]) -> Recount:
    """Check the chain of a published log and count it, as anyone can."""
    prev = GENESIS
    counts: Counter[int] = Counter()
    set_aside = 0
    for expected_seq, entry in enumerate(entries, start=1):
        if entry["seq"] != expected_seq or entry["prev_hash"] != prev:
            raise BrokenChainError(f"entry {expected_seq} does not follow its predecessor")
        recomputed = entry_hash(
            prev_hash=prev,
            poll=poll,
            seq=entry["seq"],
            candidate=entry["candidate"],
            receipt=entry["receipt"],
            cast_at=entry["cast_at"],
        )
        if recomputed != entry["hash"]:
            raise BrokenChainError(f"entry {expected_seq} does not hash to its hash")
        prev = recomputed
        if entry.get("set_aside"):
            set_aside += 1
        else:
            counts[entry["candidate"]] += 1
    return Recount(
        counts=dict(counts), counted=sum(counts.values()), set_aside=set_aside, head_hash=prev
    )
