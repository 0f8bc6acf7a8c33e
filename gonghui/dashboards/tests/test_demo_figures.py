"""The issue's "done when" on the demo data: the dashboard of 中关村科学城总工会 shows the seed
page's figures, and each changes as it should when an application is approved or a union is
established."""

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from gonghui.accounts.models import User
from gonghui.dashboards.tallies import rebuild
from gonghui.dashboards.tests.pages import approved_in, event_row, figure, peak_in
from gonghui.demo.load import load_demo
from gonghui.enterprises.actions import advance_founding_case
from gonghui.enterprises.models import FoundingCase, Stage
from gonghui.members.actions import approve_application
from gonghui.members.models import Application, RecruitmentEvent
from gonghui.orgs.models import Org

pytestmark = pytest.mark.django_db

# The demo's recruitment story is set in 2026 (gonghui.demo.members.YEAR).
YEAR_2026 = {"period": "custom", "start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module (it takes a while) in a transaction rolled back
    at the end; each test runs in a savepoint inside it, so none sees another's changes."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with django_db_blocker.unblock(), transaction.atomic():
        with fast:
            load_demo()
        rebuild()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_data, client_for):
    zgc = Org.objects.get(name="中关村科学城总工会")
    client = client_for(User.objects.get(username="zgc_admin"))

    def page(**params):
        response = client.get(reverse("dashboards:home"), {"org": zgc.pk, **params})
        assert response.status_code == 200
        return response.content.decode()

    return zgc, page


def _sohu_event() -> RecruitmentEvent:
    return RecruitmentEvent.objects.get(enterprise__name="搜狐集团（北京）有限公司")


def test_zhongguancun_shows_the_seed_pages_figures(demo):
    _zgc, page = demo
    coverage = page(period="this_year")
    assert figure(coverage, "with-union") == 582
    assert figure(coverage, "workers-covered") == 199_128
    recruitment = page(**YEAR_2026)
    assert figure(recruitment, "events") == 23
    assert figure(recruitment, "recruited") == 5_137
    assert approved_in(event_row(recruitment, _sohu_event().pk)) == 482
    # Each event's busiest minute is on the page too (搜狐: about one a minute).
    assert 1 <= peak_in(event_row(recruitment, _sohu_event().pk)) <= 15


def test_an_approved_application_adds_one_member_to_its_event(demo):
    zgc, page = demo
    waiting = (
        Application.objects.filter(event__org=zgc, status="pending").select_related("event").first()
    )
    assert waiting is not None
    assert waiting.event is not None
    before = approved_in(event_row(page(**YEAR_2026), waiting.event.pk))
    approve_application(actor=User.objects.get(username="zgc_admin"), application=waiting)
    after = page(**YEAR_2026)
    assert figure(after, "recruited") == 5_138
    assert approved_in(event_row(after, waiting.event.pk)) == before + 1
    # Nothing else moves: the events, 搜狐's 482 and the unions.
    assert figure(after, "events") == 23
    assert approved_in(event_row(after, _sohu_event().pk)) == 482
    assert figure(page(period="this_year"), "with-union") == 582


def test_an_established_union_adds_its_enterprise_and_workers(demo):
    _zgc, page = demo
    case = (
        FoundingCase.objects.filter(
            stage=Stage.CONGRESS, enterprise__org__name="中关村科学城总工会"
        )
        .select_related("enterprise")
        .first()
    )
    assert case is not None
    admin = User.objects.get(username="zgc_admin")
    before = page(period="this_year")
    founded = figure(before, "unions-founded")
    advance_founding_case(
        actor=admin,
        case=case,
        to_stage=Stage.ESTABLISHED,
        happened_on=max(timezone.localdate(), case.stage_since),
        responsible=admin,
    )
    after = page(period="this_year")
    assert figure(after, "with-union") == 583
    assert figure(after, "workers-covered") == 199_128 + case.enterprise.headcount
    assert figure(after, "unions-founded") == founded + 1
    # Recruitment figures do not move.
    assert figure(page(**YEAR_2026), "recruited") == 5_137


def test_the_period_before_2026_had_none_of_it(demo):
    _zgc, page = demo
    html = page(period="custom", start="2025-01-01", end="2025-12-31")
    assert figure(html, "events") == 0
    assert figure(html, "recruited") == 0
    # Unions founded before 2026 were there already: fewer than today, but most of them.
    assert 0 < figure(html, "with-union") < 582
