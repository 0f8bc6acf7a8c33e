"""The union picker: its search endpoint over the caller's whole scope, and the form field that
resolves an id, or a typed name without JavaScript, within that scope."""

import re
import time

import pytest
from django import forms
from django.http import Http404, QueryDict
from django.urls import reverse

from gonghui.accounts.roles import Role
from gonghui.core.pickers import SUGGESTIONS, bind_pickers, suggest
from gonghui.orgs.actions import create_org
from gonghui.orgs.models import Org, OrgKind
from gonghui.orgs.pickers import OrgPickerField, OrgSource

PICK = reverse("orgs:pick")


def labels(response) -> list[str]:
    return re.findall(r'data-label="([^"]+)"', response.content.decode())


def note(response) -> str:
    found = re.search(
        r'<p class="picker-note" id="[^"]*" role="status"[^>]*>([^<]*)</p>', response.text
    )
    assert found is not None
    return found.group(1)


@pytest.fixture
def sibling(tree, operator):
    """Another union under 海淀区总工会, beside 中关村科学城总工会."""
    return create_org(
        actor=operator, parent=tree.district, name="海淀区学院路工会", kind=OrgKind.STREET
    )


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        ("same", ["中关村科学城总工会", "搜狐集团（北京）工会"]),
        (
            "ancestor",
            ["海淀区总工会", "中关村科学城总工会", "搜狐集团（北京）工会", "海淀区学院路工会"],
        ),
        ("descendant", ["搜狐集团（北京）工会"]),
        ("sibling", ["海淀区学院路工会"]),
        ("outsider", ["回龙观街道总工会"]),  # its station is excluded by the URL
    ],
)
def test_the_search_lists_exactly_the_callers_scope(
    relation, expected, tree, sibling, make_staff, client_for
):
    at = {
        "same": tree.zgc,
        "ancestor": tree.district,
        "descendant": tree.sohu,
        "sibling": sibling,
        "outsider": tree.hlg,
    }[relation]
    client = client_for(make_staff(at, Role.OPERATOR))
    response = client.get(
        PICK,
        {"cap": "members.recruit", "exclude": "station", "org_text": "工会"},
        headers={"HX-Request": "true", "HX-Trigger": "id_org"},
    )
    assert response.status_code == 200
    assert labels(response) == expected
    assert 'id="id_org_list"' in response.text
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_the_search_needs_every_capability_the_url_names(tree, make_staff, client_for):
    # A reviewer sees members but may not import them.
    client = client_for(make_staff(tree.zgc, Role.REVIEWER))
    query = {"cap": ["members.view"], "org_text": "搜狐"}
    assert labels(client.get(PICK, query)) == ["搜狐集团（北京）工会"]
    query["cap"] = ["members.manage", "imports.run"]
    assert labels(client.get(PICK, query)) == []


@pytest.mark.parametrize(
    "query",
    [{"cap": "members.nothing"}, {}, {"cap": "members.view", "exclude": "planet"}],
)
def test_an_unknown_capability_or_kind_is_not_found(query, tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc))
    assert client.get(PICK, {**query, "org_text": "工会"}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(PICK, {"cap": "members.view", "org_text": "工会"})
    assert response.status_code == 302


def test_the_exact_name_comes_first_then_names_starting_with_the_text(
    tree, operator, make_staff, client_for
):
    create_org(actor=operator, parent=tree.zgc, name="新搜狐工会", kind=OrgKind.ENTERPRISE)
    create_org(actor=operator, parent=tree.zgc, name="搜狐", kind=OrgKind.ENTERPRISE)
    client = client_for(make_staff(tree.zgc))
    response = client.get(PICK, {"cap": "orgs.view", "org_text": " 搜狐 "})
    assert labels(response) == ["搜狐", "搜狐集团（北京）工会", "新搜狐工会"]
    assert note(response) == ""


def test_nothing_found_says_so(tree, make_staff, client_for, english):
    client = client_for(make_staff(tree.zgc))
    response = client.get(
        PICK,
        {"cap": "orgs.view", "org_text": "德胜"},
        headers={"HX-Trigger": "id_org", "Accept-Language": "en"},
    )
    assert labels(response) == []
    assert note(response) == "Nothing you may choose matches “德胜”."
    assert 'id="id_org_list" class="picker-list" aria-label="Suggestions" hidden' in response.text


def many_unions(under: Org, count: int) -> None:
    Org.objects.bulk_create(
        Org(
            name=f"第{n}分公司工会",
            kind=OrgKind.ENTERPRISE,
            parent=under,
            path=f"{under.path}{n + 10:05d}",
        )
        for n in range(count)
    )


def test_ten_thousand_unions_one_query_and_a_capped_list(
    tree, make_staff, client_for, django_assert_num_queries, english
):
    many_unions(tree.zgc, 10_000)
    staff = make_staff(tree.district, Role.OPERATOR)
    source = OrgSource(("members.recruit",), (OrgKind.STATION,))
    staff.scope_paths("members.recruit")  # the grants, loaded once per request
    started = time.perf_counter()
    with django_assert_num_queries(1):
        found = suggest(source, staff, "搜狐")
    with django_assert_num_queries(1):
        many = suggest(source, staff, "分公司")
    took = time.perf_counter() - started
    assert [s.label for s in found.items] == ["搜狐集团（北京）工会"]
    assert found.more is False
    assert [s.label for s in many.items] == [f"第{n}分公司工会" for n in range(SUGGESTIONS)]
    assert many.more is True
    assert took < 1.0  # both searches over 10,000 unions (a few ms each here)
    response = client_for(staff).get(
        PICK,
        {"cap": "members.recruit", "org_text": "分公司"},
        headers={"HX-Trigger": "id_org", "Accept-Language": "en"},
    )
    assert len(labels(response)) == 20
    assert note(response) == (
        "More than 20 match: type more of the name or the code to refine your search."
    )
    assert len(response.content) < 8_000


class ImportInto(forms.Form):
    org = OrgPickerField("members.manage", "imports.run", exclude_kinds=[OrgKind.STATION])
    audience = OrgPickerField("members.view", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        bind_pickers(self, user)


def post(**values: str) -> QueryDict:
    data = QueryDict(mutable=True)
    data.update(values)
    return data


def test_the_field_takes_the_chosen_id(tree, make_staff):
    form = ImportInto(post(org=str(tree.sohu.pk), org_text="搜狐"), user=make_staff(tree.zgc))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"org": tree.sohu, "audience": None}


def test_an_id_outside_the_scope_is_not_found(tree, make_staff):
    form = ImportInto(post(org=str(tree.hlg.pk)), user=make_staff(tree.zgc))
    with pytest.raises(Http404):
        form.is_valid()


def test_without_javascript_an_exact_name_is_resolved(tree, make_staff):
    form = ImportInto(post(org="", org_text=" 搜狐集团（北京）工会 "), user=make_staff(tree.zgc))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["org"] == tree.sohu


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("搜狐", "No union you may choose here is called “搜狐”."),
        ("回龙观街道总工会", "No union you may choose here is called “回龙观街道总工会”."),
        ("", "This field is required."),
    ],
)
def test_without_javascript_a_name_not_in_scope_is_a_form_error(
    text, message, tree, make_staff, english
):
    form = ImportInto(post(org_text=text), user=make_staff(tree.zgc))
    assert not form.is_valid()
    assert form.errors == {"org": [message]}


def test_without_javascript_an_ambiguous_name_offers_the_unions_bearing_it(
    tree, operator, make_staff, english
):
    first = create_org(
        actor=operator, parent=tree.zgc, name="职工之家工会", kind=OrgKind.ENTERPRISE
    )
    second = create_org(
        actor=operator, parent=tree.sohu, name="职工之家工会", kind=OrgKind.ENTERPRISE
    )
    staff = make_staff(tree.zgc)
    form = ImportInto(post(org="", org_text="职工之家工会"), user=staff)
    assert not form.is_valid()
    assert form.errors == {"org": ["More than one union is called “职工之家工会”: choose one."]}
    html = str(form["org"])
    radios = re.findall(r'<input type="radio" name="org" value="(\d+)"> ([^<]+) <span', html)
    # In tree order: the one under 搜狐 sits before 中关村's later child.
    assert radios == [(str(second.pk), "职工之家工会"), (str(first.pk), "职工之家工会")]
    assert "中关村科学城总工会</span>" in html
    assert "搜狐集团（北京）工会</span>" in html
    # The radio button comes after the empty hidden id: the browser posts both, the last wins.
    data = QueryDict("org=&org_text=职工之家工会&org=" + str(second.pk))
    chosen = ImportInto(data, user=staff)
    assert chosen.is_valid(), chosen.errors
    assert chosen.cleaned_data["org"] == second


def test_the_widget_shows_the_chosen_unions_name(tree, make_staff):
    form = ImportInto(initial={"org": tree.zgc.pk}, user=make_staff(tree.zgc))
    html = str(form["org"])
    assert f'<input type="hidden" name="org" value="{tree.zgc.pk}" data-picker-id>' in html
    assert 'name="org_text" value="中关村科学城总工会"' in html
    assert "cap=members.manage&amp;cap=imports.run&amp;exclude=station" in html
    # An initial union outside the scope is never named.
    outside = ImportInto(initial={"org": tree.hlg.pk}, user=make_staff(tree.zgc))
    assert "回龙观" not in str(outside["org"])


def test_the_endpoint_costs_the_same_queries_for_one_match_or_many(tree, make_staff, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many_unions(tree.zgc, 300)
    client = client_for(make_staff(tree.zgc))
    client.get(PICK, {"cap": "orgs.view", "org_text": "搜狐"})  # warm the session
    counts = []
    for text in ("搜狐", "分公司", "没有这个名字"):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PICK, {"cap": "orgs.view", "org_text": text})
        assert response.status_code == 200
        counts.append(len(queries))
    # The session, the user, their grants, then the one search.
    assert counts == [4, 4, 4]


def test_an_administrator_grants_a_role_at_a_union_found_by_name(tree, make_staff, client_for):
    from gonghui.accounts.models import RoleGrant

    admin = make_staff(tree.zgc)
    clerk = make_staff(tree.zgc, Role.VIEWER)
    client = client_for(admin)
    page = client.get(reverse("accounts:staff_detail", args=[clerk.pk])).text
    assert 'name="org_text" value="中关村科学城总工会"' in page
    response = client.post(
        reverse("accounts:grant_create", args=[clerk.pk]),
        {"org": "", "org_text": "搜狐集团（北京）工会", "role": Role.OPERATOR},
    )
    assert response.status_code == 302
    assert list(RoleGrant.objects.filter(user=clerk).order_by("pk").values_list("org", "role")) == [
        (tree.zgc.pk, Role.VIEWER),
        (tree.sohu.pk, Role.OPERATOR),
    ]
