"""The demo's activities (demo.activities): the seed's events with their figures, the 10,000-
person benefit activity, reports with photos, and what 李师傅 sees on his phone."""

import io
from datetime import date, datetime, time

import pytest
from django.db import transaction
from django.db.models import Count, Sum
from django.test import Client, override_settings
from django.utils import timezone
from PIL import Image

from gonghui.accounts.models import User
from gonghui.checkins.models import CheckIn, Checkpoint, Registration
from gonghui.core.models import AuditEntry
from gonghui.demo import activities as demo
from gonghui.demo.load import load_demo
from gonghui.demo.logins import DEMO_WORKER_MOBILE
from gonghui.events.models import Activity, ActivityPhoto
from gonghui.events.queries import attendance_of, figures_by_category
from gonghui.members.models import Member
from gonghui.orgs.models import Org, Tally

pytestmark = pytest.mark.django_db

WALK = "2026年中关村科学城职工秋季健步走普惠活动"


@pytest.fixture(scope="module")
def loaded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for the module (in a transaction rolled back at its end; each
    test runs in a savepoint inside it), its photos in a temporary folder."""
    media = tmp_path_factory.mktemp("media")
    quick = override_settings(
        MEDIA_ROOT=media,
        # As gonghui/conftest.py sets for each test, so the staff passwords check out.
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        SMS_SENDER="gonghui.core.sms.MemorySmsSender",
    )
    with django_db_blocker.unblock(), quick, transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


def _activity(title: str) -> Activity:
    return Activity.objects.select_related("org", "checkpoint").get(title=title)


def _local(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def test_over_10000_registered_and_checked_in_and_every_counter_equals_its_rows(loaded):
    walk = _activity(WALK)
    assert walk.category == "benefit"
    assert walk.org.name == "中关村科学城总工会"
    registrations = Registration.objects.filter(checkpoint=walk.checkpoint)
    checkins = CheckIn.objects.filter(checkpoint=walk.checkpoint)
    assert registrations.count() == 11_386
    assert registrations.filter(status="confirmed").count() == 11_248
    assert registrations.filter(status="cancelled").count() == 138
    assert checkins.count() == 10_527
    assert checkins.filter(walk_in=True).count() == 64
    figures = attendance_of(walk)
    assert (figures.registered, figures.checked_in, figures.walk_ins) == (11_248, 10_527, 64)
    assert figures.no_shows == 11_248 - (10_527 - 64)
    # Registered in the window, checked in on the morning, each member once.
    checkpoint = walk.checkpoint
    assert checkpoint.registration_opens_at is not None
    assert checkpoint.registration_closes_at is not None
    assert not registrations.exclude(
        created_at__range=(checkpoint.registration_opens_at, checkpoint.registration_closes_at)
    ).exists()
    days = {timezone.localdate(at) for at in checkins.values_list("checked_in_at", flat=True)}
    assert days == {date(2026, 10, 24)}
    assert checkins.values("member").distinct().count() == 10_527
    # The participants are 中关村's members, who joined before registration opened.
    zgc = Org.objects.get(name="中关村科学城总工会")
    outside = registrations.exclude(member__org__path__startswith=zgc.path)
    assert not outside.exists()
    assert not registrations.filter(member__joined_on__gte=date(2026, 9, 28)).exists()
    # Every activity's counters equal its rows, however they were written.
    places = dict(
        Registration.objects.filter(status="confirmed")
        .values("checkpoint")
        .annotate(n=Sum("places"))
        .values_list("checkpoint", "n")
    )
    for cp in Checkpoint.objects.filter(kind="activity"):
        assert cp.confirmed_places == places.get(cp.pk, 0), cp.title
        rows = CheckIn.objects.filter(checkpoint=cp)
        assert cp.checked_in == rows.count(), cp.title
        assert cp.walk_ins == rows.filter(walk_in=True).count(), cp.title
    # The dashboards' daily tally holds the check-ins where and when they happened.
    tally = Tally.objects.get(org=zgc, metric="checkins.activity", day=date(2026, 10, 24))
    assert tally.value == 10_527
    by_category = {
        f.category: f
        for f in figures_by_category(
            zgc, start=_local(date(2026, 10, 1), 0), end=_local(date(2026, 11, 1), 0)
        )
    }
    assert by_category["benefit"].registered == 11_248
    assert by_category["benefit"].checked_in == 10_527


def test_the_seed_pages_activities_and_their_reports(loaded):
    drill = _activity("大型实景消防演练")
    assert drill.category == "drill"
    assert drill.org.name == "北京建工新材新科公司工会"
    assert (
        drill.checkpoint.checked_in == CheckIn.objects.filter(checkpoint=drill.checkpoint).count()
    )
    assert drill.checkpoint.checked_in == 97  # 近百名职工参与
    assert "97名职工" in drill.report
    # Scanned offline in the yard and uploaded as a batch, by the cards of the company's members.
    methods = set(
        CheckIn.objects.filter(checkpoint=drill.checkpoint).values_list("method", flat=True)
    )
    assert methods == {"batch"}
    assert (
        not CheckIn.objects.filter(checkpoint=drill.checkpoint)
        .exclude(member__org=drill.org)
        .exists()
    )

    showcase = _activity("“五小”创新项目成果展示")
    assert (showcase.category, showcase.org.name) == ("showcase", "北京公交集团保修分公司一厂工会")
    assert showcase.checkpoint.checked_in == 214
    captions = set(showcase.photos.values_list("caption", flat=True))
    assert captions == {"便携式汽车电器检测电源", "充电座端子定位器", "风炮消音器"}

    seminar = _activity("2026年“工匠精神”研讨会暨“创新工匠”发布")
    assert (seminar.category, seminar.org.name) == ("seminar", "中关村科学城总工会")
    assert "2016年" in seminar.description
    assert attendance_of(seminar).checked_in == 268

    ankang = Activity.objects.filter(title__startswith="“安康杯”竞赛").select_related("org")
    assert {a.org.name for a in ankang} == {"门头沟区总工会"}
    assert {a.place for a in ankang} == {
        "门头沟区沈悦长安红黄蓝幼儿园",
        "北京龙泉宾馆",
        "门头沟区瑞龙祥物业",
        "北京绿京华生态园林股份有限公司",
    }
    assert sum(a.checkpoint.checked_in for a in ankang) == 31 + 118 + 43 + 176

    unions = set(
        Activity.objects.filter(title__contains="双沟通").values_list("org__name", flat=True)
    )
    assert unions == {
        "北京掌趣科技股份有限公司工会",
        "小米科技有限责任公司工会",
        "贝壳找房（北京）科技有限公司工会",
        "搜狐集团（北京）工会",
    }
    sohu = Activity.objects.get(title__contains="双沟通", org__name="搜狐集团（北京）工会")
    assert "482名" in sohu.report
    assert attendance_of(sohu).checked_in == 254
    assert not CheckIn.objects.filter(checkpoint=sohu.checkpoint).exclude(method="screen").exists()

    # Every activity that took place has its report, published after it, with photos; the
    # photos went through the upload pipeline: no camera EXIF, no GPS position.
    now = timezone.now()
    past = Activity.objects.filter(ends_at__lt=now)
    assert past.count() == 14
    reported = past.exclude(report="")
    assert reported.count() == 13
    for activity in reported:
        assert activity.report_published_at is not None
        assert activity.report_published_at > activity.ends_at
        assert activity.photos.filter(use="report").exists(), activity.title
    photos = ActivityPhoto.objects.all()
    assert photos.count() == 22
    for photo in photos:
        stored = photo.image.read()
        assert b"HUAWEI" not in stored
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG"
            assert not image.getexif()
            assert image.size == (photo.width, photo.height)
    # Published before they happened, not when the demo was loaded.
    for activity in past:
        assert activity.published_at is not None
        assert activity.published_at < activity.starts_at


def test_members_from_the_rosters_leave_the_recruitment_figures_alone(loaded):
    assert Member.objects.count() >= 10_000
    assert Member.objects.filter(recruitment_event__isnull=False).count() == 5137
    entries = AuditEntry.objects.filter(action="members.roster.recorded")
    assert sum(e.changes["count"] for e in entries) == 9_400 + sum(r.size for r in demo.ROSTERS)
    zgc = Org.objects.get(name="中关村科学城总工会")
    roster_members = Member.objects.filter(
        org__path__startswith=zgc.path, recruitment_event__isnull=True, joined_on__year__lt=2026
    )
    assert roster_members.count() == 9_400
    assert not roster_members.filter(has_employer_union=False).exists()
    per_union = roster_members.values("org").annotate(n=Count("pk"))
    assert len(per_union) == 40
    # Each joined once their union existed, before the platform's year.
    for member in roster_members.select_related("enterprise")[::250]:
        assert member.enterprise is not None
        assert member.enterprise.union_established_on is not None
        assert member.enterprise.union_established_on <= member.joined_on < date(2026, 1, 1)
    kindergarten = Member.objects.filter(employer_name=demo.KINDERGARTEN)
    assert kindergarten.count() == 34
    assert set(kindergarten.values_list("org__name", flat=True)) == {"门头沟区总工会"}
    assert kindergarten.filter(gender="F").count() > 25


def test_li_shifu_sees_what_he_did_and_what_is_open(loaded):
    worker = User.objects.get_by_mobile(DEMO_WORKER_MOBILE)
    client = Client(headers={"accept-language": "en"})
    client.force_login(worker)

    mine = client.get("/a/mine/")
    assert mine.status_code == 200
    page = mine.content.decode()
    assert page.count('class="card activity"') == 2
    assert "第2讲" in page
    assert "第3讲" in page
    assert page.count("Not checked in") == 1
    assert page.count("Checked in") == 1

    lesson = _activity("红色领队微党课 · 第2讲：党员小哥积极战疫安全配送")
    detail = client.get(f"/a/{lesson.pk}/").content.decode()
    assert 'id="checked-in"' in detail

    listing = client.get("/a/").content.decode()
    for title in (
        "红色领队微党课 · 第3讲",
        "冬季送温暖 · 快递小哥免费健康体检",
        "2026年冬季一线职工疗休养（怀柔雁栖湖）",
        "迎新春 · 职工冰雪嘉年华普惠专场",
    ):
        assert title in listing
    assert "工匠精神" not in listing  # 中关村's members only

    checkup = _activity("冬季送温暖 · 快递小哥免费健康体检")
    assert attendance_of(checkup).registered == 30
    assert attendance_of(checkup).waitlisted == 4
    page = client.get(f"/a/{checkup.pk}/").content.decode()
    assert "Join the waiting list" in page
    client.post(f"/a/{checkup.pk}/register/", {"places": "1"})
    member = Member.objects.get(user=worker)
    registration = Registration.objects.get(checkpoint=checkup.checkpoint, member=member)
    assert registration.status == "waitlisted"

    stay = _activity("2026年冬季一线职工疗休养（怀柔雁栖湖）")
    assert stay.checkpoint.approval_required
    assert attendance_of(stay).pending == 13
    client.post(f"/a/{stay.pk}/register/", {"places": "1"})
    assert Registration.objects.get(checkpoint=stay.checkpoint, member=member).status == "pending"
    # Whenever the demo is loaded, these lie ahead.
    assert checkup.starts_at > timezone.now()
    assert stay.checkpoint.registration_closes_at is not None
    assert stay.checkpoint.registration_closes_at > timezone.now()
