"""The one upload format of offline batches, as the activity's offline page and the provider's
desk send it: what each page reads, and the refusals both give with the same codes."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError

from gonghui.benefits.forms import BATCH_FORMAT as DESK
from gonghui.benefits.redeeming import BatchItem as RedemptionItem
from gonghui.checkins.actions import BatchItem as ScanItem
from gonghui.checkins.batches import MAX_BATCH
from gonghui.events.forms import BATCH_FORMAT as OFFLINE_PAGE

pytestmark = [pytest.mark.usefixtures("english"), pytest.mark.usefixtures("tallies_exact")]
NO_DEVICE = ("invalid_batch", "The upload needs a device and a list of items.")


def body(device="phone-1", **item) -> bytes:
    scan = {"nonce": "n1", "scanned_at": "2026-05-01T09:30:00+08:00", **item}
    return json.dumps({"device": device, "items": [scan]}).encode()


def refusal(fmt, raw: bytes) -> tuple[str | None, str]:
    with pytest.raises(ValidationError) as caught:
        fmt.parse(raw)
    return caught.value.code, caught.value.messages[0]


def test_each_page_reads_its_own_code_field_into_its_own_items():
    at = datetime(2026, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    scans = OFFLINE_PAGE.parse(body(device="  phone-1 ", card_code="C" * 3000))
    assert scans.device == "phone-1"
    assert scans.items == [ScanItem(nonce="n1", card_code="C" * 2000, scanned_at=at)]
    redemptions = DESK.parse(body(code="GB1.x"))
    assert redemptions.items == [RedemptionItem(nonce="n1", code="GB1.x", scanned_at=at)]
    # An item carrying the other page's field is refused, with the page's own words.
    assert refusal(DESK, body(card_code="C")) == (
        "invalid_item",
        "Each item needs a nonce and a code.",
    )
    assert refusal(OFFLINE_PAGE, body(code="C")) == (
        "invalid_item",
        "Each item needs a nonce and a card code.",
    )


@pytest.mark.parametrize("fmt", [OFFLINE_PAGE, DESK], ids=["offline page", "desk"])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"{", ("invalid_json", "The upload is not JSON.")),
        (b"", ("invalid_batch", "The upload must be a JSON object.")),
        (b"[]", ("invalid_batch", "The upload must be a JSON object.")),
        (b'{"device": 1, "items": []}', NO_DEVICE),
        (b'{"items": []}', NO_DEVICE),
        (b'{"device": "d", "items": {}}', NO_DEVICE),
        (b'{"device": "d", "items": ["x"]}', ("invalid_item", "Each item must be a JSON object.")),
        (
            json.dumps({"device": "d", "items": [{}] * (MAX_BATCH + 1)}).encode(),
            ("batch_too_large", f"Send at most {MAX_BATCH} scans at once."),
        ),
    ],
)
def test_both_pages_refuse_a_malformed_upload_alike(fmt, raw, expected):
    assert refusal(fmt, raw) == expected


@pytest.mark.parametrize("scanned_at", [None, "yesterday", "2026-05-01T09:30:00", 1714527000])
def test_a_scan_time_needs_a_time_zone(scanned_at):
    expected = ("invalid_time", "Each item needs its scan time in ISO 8601 with a time zone.")
    assert refusal(OFFLINE_PAGE, body(card_code="C", scanned_at=scanned_at)) == expected
    assert refusal(DESK, body(code="C", scanned_at=scanned_at)) == expected


def test_a_full_batch_is_accepted():
    raw = json.dumps(
        {
            "device": "d",
            "items": [
                {"nonce": str(n), "code": "C", "scanned_at": datetime.now(UTC).isoformat()}
                for n in range(MAX_BATCH)
            ],
        }
    ).encode()
    assert len(DESK.parse(raw).items) == MAX_BATCH
