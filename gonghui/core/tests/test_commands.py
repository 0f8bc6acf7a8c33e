import base64
import io
import os
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.core import crypto
from gonghui.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _raw_mobile(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


def test_rotation_re_encrypts_with_the_new_key(settings):
    old = _key()
    settings.PERSONAL_DATA_KEYS = f"old:{old}"
    user = User.objects.create_user("li", "pw", mobile="13800138000")
    assert crypto.key_id_of(_raw_mobile(user.pk)) == "old"
    settings.PERSONAL_DATA_KEYS = f"new:{_key()},old:{old}"
    call_command("rotate_personal_data", stdout=io.StringIO())
    assert crypto.key_id_of(_raw_mobile(user.pk)) == "new"
    settings.PERSONAL_DATA_KEYS = settings.PERSONAL_DATA_KEYS.split(",")[0]
    reloaded = User.objects.get(pk=user.pk)
    assert reloaded.mobile == "13800138000"
    assert User.objects.get_by_mobile("13800138000") == reloaded


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
    from gonghui.accounts.models import LoginCode
    from gonghui.core.models import RateCounter

    LoginCode.objects.create(
        mobile_hash="h", code_hash="c", expires_at=timezone.now() - timedelta(days=2)
    )
    LoginCode.objects.create(mobile_hash="h", code_hash="c", expires_at=timezone.now())
    now_ms = int(timezone.now().timestamp() * 1000)
    RateCounter.objects.create(key="closed", count=5, expires_at=now_ms - 1)
    RateCounter.objects.create(key="open", count=5, expires_at=now_ms + 60_000)
    from gonghui.checkins.models import ScanNonce

    old_scan = ScanNonce.objects.create(device="pad", nonce="old", result={"code": "checked_in"})
    ScanNonce.objects.filter(pk=old_scan.pk).update(created_at=timezone.now() - timedelta(days=31))
    ScanNonce.objects.create(device="pad", nonce="new", result={"code": "checked_in"})
    call_command("purge_expired", stdout=io.StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert list(ScanNonce.objects.values_list("nonce", flat=True)) == ["new"]
    assert LoginCode.objects.count() == 1
    assert list(RateCounter.objects.values_list("key", flat=True)) == ["open"]
