import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gonghui.accounts.models import LoginCode
from gonghui.checkins.models import ScanNonce
from gonghui.core.models import IdempotencyRecord, RateCounter

pytestmark = pytest.mark.django_db


def test_purge_forgets_only_old_records():
    old = IdempotencyRecord.objects.create(
        scope="s", key="old", request_fingerprint="f", status_code=201, content_type="x", body=b""
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(days=3)
    )
    IdempotencyRecord.objects.create(
        scope="s", key="new", request_fingerprint="f", status_code=201, content_type="x", body=b""
    )
    LoginCode.objects.create(
        mobile_hash="h", code_hash="c", expires_at=timezone.now() - timedelta(days=2)
    )
    LoginCode.objects.create(mobile_hash="h", code_hash="c", expires_at=timezone.now())
    now_ms = int(timezone.now().timestamp() * 1000)
    RateCounter.objects.create(key="closed", count=5, expires_at=now_ms - 1)
    RateCounter.objects.create(key="open", count=5, expires_at=now_ms + 60_000)
    old_scan = ScanNonce.objects.create(device="pad", nonce="old", result={"code": "checked_in"})
    ScanNonce.objects.filter(pk=old_scan.pk).update(created_at=timezone.now() - timedelta(days=31))
    ScanNonce.objects.create(device="pad", nonce="new", result={"code": "checked_in"})
    call_command("purge_expired", stdout=io.StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert list(ScanNonce.objects.values_list("nonce", flat=True)) == ["new"]
    assert LoginCode.objects.count() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["open"]
