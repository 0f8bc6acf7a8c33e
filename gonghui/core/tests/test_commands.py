import base64
import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from gonghui.accounts.models import User
from gonghui.core import crypto

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
