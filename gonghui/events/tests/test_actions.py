import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gonghui.core.errors import DomainError, NotFoundError
from gonghui.events import actions, queries
from gonghui.members import actions as member_actions
from gonghui.members.tests.factories import person

# Every action test here leaves the dashboard tallies exact (see gonghui/conftest.py).
pytestmark = pytest.mark.usefixtures("tallies_exact")


def make_member(org, operator):
    return member_actions.import_member(
        actor=operator, org=org, joined_on=timezone.localdate(), **person()
    )


@pytest.fixture
def activity(tree, make_staff):
    organiser = make_staff(tree.zgc, "operator")
    start = timezone.now() + timedelta(days=3)
    return actions.create_activity(
        actor=organiser,
        org=tree.zgc,
        title="工匠精神研讨会",
        category="seminar",
        description="研讨“工匠精神”",
        audience="subtree",
        audience_org=None,
        place="中关村会议中心",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        publish=True,
        capacity=100,
    )


def test_the_audience_decides_who_sees_and_registers(activity, tree, operator):
    inside = make_member(tree.sohu, operator)
    outside = make_member(tree.hlg, operator)
    assert list(queries.list_open_activities(inside, filters=queries.ActivityFilters())) == [
        activity
    ]
    assert list(queries.list_open_activities(outside, filters=queries.ActivityFilters())) == []
    assert actions.register_for_activity(member=inside, activity=activity).status == "confirmed"
    with pytest.raises(NotFoundError):
        actions.register_for_activity(member=outside, activity=activity)
    figures = queries.attendance_of(activity)
    assert (figures.registered, figures.checked_in, figures.no_shows) == (1, 0, 1)


def test_times_are_checked(tree, make_staff, english):
    start = timezone.now() + timedelta(days=1)
    with pytest.raises(DomainError) as caught:
        actions.create_activity(
            actor=make_staff(tree.zgc),
            org=tree.zgc,
            title="t",
            category="drill",
            description="",
            audience="members",
            audience_org=None,
            place="p",
            starts_at=start,
            ends_at=start - timedelta(hours=1),
        )
    assert caught.value.fields == {"ends_at": ["The activity must end after it starts."]}


def test_photos_lose_their_exif_location_and_shrink(activity, tree, make_staff):
    source = Image.new("RGB", (4000, 3000), "red")
    exif = Image.Exif()
    exif[0x8825] = {2: (39.0, 59.0, 0.0), 4: (116.0, 18.0, 0.0)}  # GPS latitude/longitude
    exif[0x010F] = "PhoneMaker"
    buffer = io.BytesIO()
    source.save(buffer, format="JPEG", exif=exif)
    assert b"PhoneMaker" in buffer.getvalue()
    photo = actions.add_photo(
        actor=make_staff(tree.zgc),
        activity=activity,
        upload=SimpleUploadedFile("p.jpg", buffer.getvalue()),
        use="report",
        caption="现场",
    )
    stored = photo.image.read()
    assert b"PhoneMaker" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (1600, 1200)
        assert not image.getexif()
    with pytest.raises(DomainError) as caught:
        actions.add_photo(
            actor=make_staff(tree.zgc),
            activity=activity,
            upload=SimpleUploadedFile("x.jpg", b"GIF89a..."),
            use="report",
        )
    assert caught.value.code == "unsupported_file_type"
