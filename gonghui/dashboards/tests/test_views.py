"""The dashboard pages as staff use them: the subtree and period pickers, refusals, drill-down
links to the lists behind the figures, the big screen and the Excel files."""

import io
import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gonghui.accounts.roles import Role
from gonghui.core.models import AuditEntry
from gonghui.dashboards.models import ExportJob
from gonghui.dashboards.tests.pages import figure, previous_of
from gonghui.enterprises.actions import record_existing_union
from gonghui.events import actions as events
from gonghui.members import actions as members
from gonghui.members.tests.factories import person
from gonghui.orgs import tallies

pytestmark = pytest.mark.django_db

HOME = reverse("dashboards:home")


def _member(admin, org, joined_on=None, **fields):
    joined_on = joined_on or timezone.localdate()
    return members.import_member(actor=admin, org=org, joined_on=joined_on, **person(**fields))


def _options(html: str) -> list[str]:
    select = re.search(r'<select name="org" id="pick-org">(.*?)</select>', html, re.S)
    assert select
    return [name.strip("　 ") for name in re.findall(r"<option[^>]*>([^<]*)</option>", select[1])]


@pytest.fixture
def en_client_for(client_for):
    """A signed-in client whose browser asks for English."""

    def make(user):
        client = client_for(user)
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
        return client

    return make


@pytest.fixture
def admin(tree, make_staff):
    return make_staff(tree.root, Role.FEDERATION_ADMIN)


def test_the_dashboard_opens_on_the_users_own_org_this_year(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc, Role.VIEWER))
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    assert "中关村科学城总工会" in html
    year = timezone.localdate().year
    assert f"{year}-01-01" in html
    assert f"{year}-12-31" in html
    assert re.search(r'<option value="this_year" selected>', html)
    for tile in ("coverage", "recruitment", "membership", "activities", "benefits"):
        assert f'id="tile-{tile}"' in html


def test_the_picker_offers_the_users_subtree_only(tree, make_staff, client_for):
    html = client_for(make_staff(tree.hlg, Role.VIEWER)).get(HOME).content.decode()
    assert _options(html) == ["回龙观街道总工会"]
    root_html = client_for(make_staff(tree.root, Role.VIEWER)).get(HOME).content.decode()
    # Federations and street unions; enterprise unions and stations are reached by links.
    assert _options(root_html) == [
        "北京市总工会",
        "海淀区总工会",
        "中关村科学城总工会",
        "回龙观街道总工会",
        "德胜街道总工会",
    ]
    # An enterprise union's own staff still find their union in the picker.
    sohu_html = client_for(make_staff(tree.sohu, Role.VIEWER)).get(HOME).content.decode()
    assert _options(sohu_html) == ["搜狐集团（北京）工会"]


@pytest.mark.parametrize("org", ["desheng", "root", "zgc"])
def test_another_subtree_is_not_found(tree, make_staff, client_for, org):
    client = client_for(make_staff(tree.hlg, Role.ORG_ADMIN))
    response = client.get(HOME, {"org": getattr(tree, org).pk})
    assert response.status_code == 404


def test_a_station_below_the_users_org_may_be_looked_at(tree, make_staff, client_for):
    client = client_for(make_staff(tree.hlg, Role.VIEWER))
    response = client.get(HOME, {"org": tree.station.pk})
    assert response.status_code == 200
    assert "龙泽园驿站" in response.content.decode()
    assert client.get(HOME, {"org": "nonsense"}).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"period": "custom", "start": "2026-03-01", "end": "2026-02-01"},
            "The end of the period is before its start.",
        ),
        (
            {"period": "custom", "start": "2020-01-01", "end": "2026-01-01"},
            "A period can be at most five years long.",
        ),
        ({"period": "custom", "start": "2026-03-01"}, "Enter both the first and the last day"),
        ({"period": "custom", "start": "1.3.2026", "end": "2026-04-01"}, "YYYY-MM-DD"),
        ({"period": "next_decade"}, "Choose one of the periods offered."),
    ],
)
def test_an_impossible_period_gets_a_message(tree, make_staff, en_client_for, params, message):
    client = en_client_for(make_staff(tree.zgc, Role.VIEWER))
    response = client.get(HOME, {"org": tree.zgc.pk, **params})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'id="tile-coverage"' not in html


def test_five_years_exactly_is_allowed(tree, make_staff, client_for):
    client = client_for(make_staff(tree.zgc, Role.VIEWER))
    response = client.get(HOME, {"period": "custom", "start": "2021-01-01", "end": "2025-12-31"})
    assert response.status_code == 200


def test_each_figure_shows_the_previous_period(tree, admin, en_client_for):
    today = timezone.localdate()
    tallies.count(tree.station.pk, "checkins.station", 5, on=today)
    tallies.count(tree.station.pk, "checkins.station", 4, on=today - timedelta(days=3))
    client = en_client_for(admin)
    start, end = today - timedelta(days=1), today + timedelta(days=1)
    html = client.get(
        HOME, {"org": tree.hlg.pk, "start": start.isoformat(), "end": end.isoformat()}
    ).content.decode()
    assert figure(html, "station-visits") == 5
    assert previous_of(html, "station-visits") == "+1 (+25.0%) · previous period: 4"


def test_figures_lead_to_the_lists_behind_them(tree, admin, client_for, make_enterprise):
    with_union = make_enterprise(tree.zgc, name="有工会的企业")
    record_existing_union(
        actor=admin, enterprise=with_union, union=tree.sohu, established_on=date(2020, 1, 1)
    )
    make_enterprise(tree.zgc, name="没有工会的企业")
    _member(admin, tree.zgc, name="今年入会", joined_on=timezone.localdate())
    _member(admin, tree.zgc, name="早年入会", joined_on=date(2015, 6, 1))
    client = client_for(admin)
    html = client.get(HOME, {"org": tree.zgc.pk, "period": "this_year"}).content.decode()

    def follow(name):
        found = re.search(rf'id="fig-{name}">\s*<a class="value" href="([^"]+)"', html)
        assert found, name
        response = client.get(found[1].replace("&amp;", "&"))
        assert response.status_code == 200
        return response.content.decode()

    assert "有工会的企业" in follow("with-union")
    assert "没有工会的企业" not in follow("with-union")
    assert "没有工会的企业" in follow("without-union")
    joined = follow("joined")
    assert "今年入会" in joined
    assert "早年入会" not in joined
    members_now = follow("members")
    assert "今年入会" in members_now
    assert "早年入会" in members_now


def test_the_activities_behind_the_figure(tree, admin, make_staff, client_for):
    start = timezone.now() + timedelta(minutes=30)
    activity = events.create_activity(
        actor=admin,
        org=tree.zgc,
        title="职工运动会",
        category="contest",
        description="",
        audience="subtree",
        audience_org=None,
        place="中关村体育场",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
    )
    events.create_activity(
        actor=admin,
        org=tree.hlg,
        title="回龙观读书会",
        category="study",
        description="",
        audience="subtree",
        audience_org=None,
        place="回龙观图书馆",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        publish=True,
    )
    url = reverse("dashboards:activities")
    viewer = client_for(make_staff(tree.zgc, Role.VIEWER))
    html = viewer.get(url, {"org": tree.zgc.pk, "period": "this_year"}).content.decode()
    assert "职工运动会" in html
    assert "回龙观读书会" not in html
    # A viewer may not open the activity itself (events.manage); an operator may.
    detail = reverse("events:staff_detail", args=[activity.pk])
    assert detail not in html
    operator = client_for(make_staff(tree.zgc, Role.OPERATOR))
    assert detail in operator.get(url, {"org": tree.zgc.pk}).content.decode()
    # An impossible period goes back to the dashboard, which says why.
    refused = viewer.get(url, {"org": tree.zgc.pk, "start": "2026-05-01", "end": "2026-04-01"})
    assert refused.status_code == 302
    assert refused["Location"] == f"{HOME}?org={tree.zgc.pk}"


def test_the_big_screen_refreshes_its_figures(tree, admin, client_for):
    _member(admin, tree.zgc)
    client = client_for(admin)
    url = reverse("dashboards:screen")
    page = client.get(url, {"org": tree.zgc.pk}).content.decode()
    assert 'hx-trigger="every 5s"' in page
    assert re.search(r'id="screen-members">1<', page)
    _member(admin, tree.sohu)
    partial = client.get(url, {"org": tree.zgc.pk}, headers={"HX-Request": "true"})
    text = partial.content.decode()
    assert "<html" not in text
    assert re.search(r'id="screen-members">2<', text)
    assert re.search(r'id="screen-joined-today">2<', text)


def test_the_summary_sheet_holds_every_headline_figure(tree, admin, en_client_for):
    today = timezone.localdate()
    _member(admin, tree.zgc)
    tallies.count(tree.zgc.pk, "benefits.claims", 3, on=today)
    response = en_client_for(admin).get(
        reverse("dashboards:summary_xlsx"), {"org": tree.zgc.pk, "period": "this_month"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.worksheets) == 1
    rows = [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    assert rows[0][0] == "中关村科学城总工会 · Dashboard summary"
    assert rows[4] == (
        "Section",
        "Figure",
        "This period",
        "Previous period",
        "Difference",
        "Difference in %",
    )
    by_label = {row[1]: row for row in rows[5:]}
    assert by_label["Members joined"][2:5] == (1, 0, 1)
    assert by_label["Benefits claimed"][2:6] == (3, 0, 3, "—")
    assert by_label["Members"][2] == 1
    assert "Recruitment events" in by_label
    assert "Station visits" in by_label


def test_a_table_is_exported_in_the_background_with_a_download_link(
    tree, admin, en_client_for, django_capture_on_commit_callbacks
):
    now = timezone.now()
    event = members.create_recruitment_event(
        actor=admin,
        org=tree.zgc,
        enterprise=None,
        title='=HYPERLINK("x")',
        place="中关村广场",
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    client = en_client_for(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("dashboards:export_start"),
            {"org": tree.zgc.pk, "period": "this_year", "kind": "events"},
        )
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboards:export_job", args=[job.pk])
    assert (job.status, job.rows, job.created_by) == (ExportJob.Status.DONE, 1, admin)
    page = client.get(response["Location"]).content.decode()
    assert "Download the Excel file" in page
    assert "hx-trigger" not in page  # finished: no more polling
    download = client.get(reverse("dashboards:export_download", args=[job.pk]))
    assert download.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r and r[0] == "Event"))
    assert rows[header + 1][0] == '\'=HYPERLINK("x")'  # never run as a formula
    assert rows[header + 1][5] == 0  # applications
    assert event.pk
    entry = AuditEntry.objects.get(action="dashboards.export.requested")
    assert entry.changes["kind"] == "events"


def test_a_running_export_shows_its_progress(tree, admin, client_for):
    job = ExportJob.objects.create(
        kind="orgs",
        org=tree.zgc,
        period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31),
        language="en",
        created_by=admin,
        status=ExportJob.Status.RUNNING,
        total=200,
        done=50,
    )
    client = client_for(admin)
    page = client.get(reverse("dashboards:export_job", args=[job.pk])).content.decode()
    assert '<progress max="100" value="25">' in page
    assert 'hx-trigger="every 1s"' in page
    assert client.get(reverse("dashboards:export_download", args=[job.pk])).status_code == 404


def test_every_table_can_be_exported(tree, admin, client_for, django_capture_on_commit_callbacks):
    _member(admin, tree.zgc)
    client = client_for(admin)
    for kind in ExportJob.Kind.values:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                reverse("dashboards:export_start"),
                {"org": tree.root.pk, "period": "this_month", "kind": kind},
            )
    jobs = {job.kind: job for job in ExportJob.objects.all()}
    assert set(jobs) == set(ExportJob.Kind.values)
    assert {job.status for job in jobs.values()} == {ExportJob.Status.DONE}
    # Figures by organisation: the root's own row and one per child.
    assert jobs["orgs"].rows == 4


def test_an_unknown_export_is_refused_with_a_message(tree, admin, en_client_for):
    response = en_client_for(admin).post(
        reverse("dashboards:export_start"), {"org": tree.zgc.pk, "kind": "salaries"}, follow=True
    )
    assert "Unknown kind of export." in response.content.decode()
    assert not ExportJob.objects.exists()


def test_the_dashboard_takes_the_same_queries_for_one_event_or_many(
    tree, admin, client_for, django_assert_max_num_queries
):
    now = timezone.now()
    client = client_for(admin)

    def add_event(n: int) -> None:
        members.create_recruitment_event(
            actor=admin,
            org=tree.zgc,
            enterprise=None,
            title=f"招募{n}",
            place="中关村",
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )

    add_event(1)
    # Sign-in and scope take 6 statements, each of the nine tiles one to six: 31 in all.
    with django_assert_max_num_queries(31) as first:
        client.get(HOME, {"org": tree.zgc.pk})
    add_event(2)
    add_event(3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(HOME, {"org": tree.zgc.pk})
