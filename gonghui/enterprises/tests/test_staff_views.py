from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gonghui.core.models import AuditEntry
from gonghui.enterprises import actions
from gonghui.enterprises.models import Enterprise, Stage


def test_list_filters_by_union_and_stage(tree, make_staff, make_enterprise, client_for):
    admin = make_staff(tree.zgc)
    with_union = make_enterprise(tree.zgc, name="有工会的企业")
    preparing = make_enterprise(tree.zgc, name="筹备中的企业")
    make_enterprise(tree.zgc, name="尚未建会的企业")
    case = actions.open_founding_case(
        actor=admin, enterprise=with_union, happened_on=date(2026, 7, 1), responsible=admin
    )
    for stage in (2, 3, 4):
        case = actions.advance_founding_case(
            actor=admin, case=case, to_stage=stage, happened_on=date(2026, 7, 1), responsible=admin
        )
    actions.open_founding_case(
        actor=admin, enterprise=preparing, happened_on=date(2026, 9, 1), responsible=admin
    )
    client = client_for(admin)

    def names(query: str) -> list[str]:
        page = client.get(reverse("enterprises:list") + query).content.decode()
        return [n for n in ("有工会的企业", "筹备中的企业", "尚未建会的企业") if n in page]

    assert names("") == ["有工会的企业", "筹备中的企业", "尚未建会的企业"]
    assert names("?union=yes") == ["有工会的企业"]
    assert names("?union=no") == ["筹备中的企业", "尚未建会的企业"]
    assert names(f"?stage={Stage.PREPARING}") == ["筹备中的企业"]
    assert names("?stage=0") == ["尚未建会的企业"]
    assert names("?q=筹备") == ["筹备中的企业"]


@pytest.mark.parametrize("rows", [1, 3])
def test_list_page_query_count_does_not_grow_with_rows(
    rows, tree, make_staff, make_enterprise, client_for
):
    admin = make_staff(tree.zgc)
    for _ in range(rows):
        make_enterprise(tree.zgc)
    client = client_for(admin)
    client.get(reverse("enterprises:list"))  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("enterprises:list"))
    assert response.status_code == 200
    assert len(queries) == 7


def test_create_page_shows_field_errors_and_keeps_nothing(tree, make_staff, client_for):
    admin = make_staff(tree.zgc)
    page = client_for(admin).post(
        reverse("enterprises:create"),
        {
            "org": tree.zgc.pk,
            "name": "坏码企业",
            "credit_code": "91110108000000001X",
            "industry": "I",
            "headcount": 5,
            "gig_headcount": 9,
        },
        headers={"Accept-Language": "en"},
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "The check character (the last one) does not match" in text
    assert Enterprise.objects.count() == 0


def test_walking_a_case_through_the_pages(tree, make_staff, make_enterprise, client_for):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, name="搜狐集团（北京）有限公司")
    client = client_for(admin)
    detail = reverse("enterprises:detail", kwargs={"enterprise_id": enterprise.pk})
    response = client.post(
        reverse("enterprises:case_open", kwargs={"enterprise_id": enterprise.pk}),
        {"happened_on": "2026-07-28", "responsible": admin.pk, "notes": "双沟通活动后成立筹备组"},
    )
    assert response["Location"] == detail
    case = enterprise.founding_case
    for stage, day in ((2, "2026-08-10"), (3, "2026-10-19"), (4, "2026-10-19")):
        response = client.post(
            reverse("enterprises:case_advance", kwargs={"case_id": case.pk}),
            {
                "to_stage": stage,
                "happened_on": day,
                "responsible": admin.pk,
                "union_name": "搜狐集团（北京）工会" if stage == 4 else "",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    enterprise.refresh_from_db()
    assert enterprise.union.name == "搜狐集团（北京）工会"
    page = client.get(detail).content.decode()
    assert "2026-10-19" in page
    coverage = client.get(reverse("enterprises:coverage") + f"?org={tree.zgc.pk}").content.decode()
    assert '<span class="value" id="enterprises-with-union">1</span>' in coverage
    assert '<span class="value" id="workers-covered">100</span>' in coverage
    # No period chosen: "founded in the period" would repeat the first tile, so it reads "—".
    assert '<span class="value" id="unions-founded">—</span>' in coverage
    in_october = client.get(
        reverse("enterprises:coverage"),
        {"org": tree.zgc.pk, "period_start": "2026-10-01", "period_end": "2026-10-31"},
    ).content.decode()
    assert '<span class="value" id="unions-founded">1</span>' in in_october
    in_june = client.get(
        reverse("enterprises:coverage"),
        {"org": tree.zgc.pk, "period_start": "2026-06-01", "period_end": "2026-06-30"},
    ).content.decode()
    assert '<span class="value" id="unions-founded">0</span>' in in_june


def test_an_impossible_period_gets_a_message(tree, make_staff, client_for):
    page = client_for(make_staff(tree.zgc)).get(
        reverse("enterprises:coverage") + "?period_start=2026-12-01&period_end=2026-01-01",
        headers={"Accept-Language": "en"},
    )
    text = page.content.decode()
    assert "The end of the period is before its start." in text
    assert 'id="enterprises-with-union"' not in text


def test_revealing_the_contact_is_audited(tree, make_staff, make_enterprise, client_for):
    admin = make_staff(tree.zgc)
    enterprise = make_enterprise(tree.zgc, contact_mobile="13700000009")
    client = client_for(admin)
    detail = client.get(reverse("enterprises:detail", kwargs={"enterprise_id": enterprise.pk}))
    assert "137****0009" in detail.content.decode()
    assert "13700000009" not in detail.content.decode()
    shown = client.post(
        reverse("enterprises:reveal_contact", kwargs={"enterprise_id": enterprise.pk})
    )
    assert "13700000009" in shown.content.decode()
    assert AuditEntry.objects.filter(action="enterprises.personal_data.viewed").count() == 1
