import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from gonghui.accounts.models import User
from gonghui.core import crypto
from gonghui.core.fields import lookup_value


def _key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def test_round_trip_with_fresh_nonce():
    a = crypto.encrypt("13800138000")
    b = crypto.encrypt("13800138000")
    assert a != b
    assert crypto.decrypt(a) == crypto.decrypt(b) == "13800138000"


def test_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("11010519491231002X")
    version, kid, payload = token.split("$")
    raw = bytearray(base64.b64decode(payload))
    raw[-1] ^= 1
    with pytest.raises(InvalidTag):
        crypto.decrypt(f"{version}${kid}${base64.b64encode(bytes(raw)).decode()}")


def test_rotation_old_key_still_decrypts(settings):
    old, new = _key(), _key()
    settings.PERSONAL_DATA_KEYS = f"old:{old}"
    token = crypto.encrypt("13800138000")
    settings.PERSONAL_DATA_KEYS = f"new:{new},old:{old}"
    assert crypto.decrypt(token) == "13800138000"
    assert crypto.key_id_of(crypto.encrypt("x")) == "new"
    settings.PERSONAL_DATA_KEYS = f"new:{new}"
    with pytest.raises(ImproperlyConfigured):
        crypto.decrypt(token)


def test_short_key_is_refused(settings):
    settings.PERSONAL_DATA_KEYS = "k1:c2hvcnQ"
    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("x")


@pytest.mark.django_db
def test_the_database_holds_no_clear_mobile_and_lookup_works():
    user = User.objects.create_user("li", "pw", mobile="13800138000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile, mobile_hash FROM accounts_user WHERE id = %s", [user.pk])
        stored, stored_hash = cursor.fetchone()
    assert "13800138000" not in stored
    assert stored.startswith("g1$")
    assert stored_hash == lookup_value("mobile", "13800138000")
    assert User.objects.get_by_mobile("138 0013 8000") == user
    assert User.objects.get(pk=user.pk).mobile == "13800138000"
