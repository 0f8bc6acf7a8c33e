import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_health_check_answers():
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_missing_page_says_so_in_chinese(tree, make_staff, client_for):
    page = client_for(make_staff(tree.hlg)).get(f"/staff/orgs/{tree.zgc.pk}/")
    assert page.status_code == 404
    text = page.content.decode()
    assert "该页面不存在，或您无权访问。" in text
    assert "中关村" not in text


def test_a_worker_in_the_back_office_is_told_why(db, client_for):
    from gonghui.accounts.models import User

    worker = User.objects.create_user(None, None, mobile="13800138000")
    page = client_for(worker).get("/staff/")
    assert page.status_code == 403
    assert "您的账号在工会管理后台没有任何角色" in page.content.decode()


def test_django_admin_is_for_platform_operators_only(tree, make_staff, client_for, operator):
    admin = make_staff(tree.root, "federation_admin")
    assert client_for(admin).get("/admin/").status_code == 302
    assert client_for(operator).get("/admin/").status_code == 200
