"""The printable A4 poster that hangs at a station: its QR code holds the visit address with
the station's signed code (see codes.py). Drawn by core.posters like the recruitment poster, in
the site's default language whatever language the staff member uses.
"""

from django.utils.translation import gettext_noop

from gonghui.core.posters import (
    PosterSizes,
    PosterTexts,
    printed_language,
    printed_text,
    render_qr_poster,
)
from gonghui.stations.hours import hours_label
from gonghui.stations.models import Station

# A smaller headline and code than the recruitment poster's: address, hours and amenities
# take more lines below it.
SIZES = PosterSizes(
    band=120.0,
    headline=44,
    headline_min=24,
    qr=220.0,
    qr_per_title_line=30,
    fallback_gap=40,
    fallback=12,
    url_gap=28,
    url=20,
    url_min=9,
    details_gap=34,
    details=14,
    details_leading=20,
)

# (English source for the translation catalog, the Chinese printed until it is translated)
HEADLINE = (gettext_noop("Union station: scan to record your visit"), "工会驿站 扫码登记到访")
RUN_BY = (gettext_noop("Run by %(union)s"), "运营单位：%(union)s")
ADDRESS = (gettext_noop("Address: %(address)s"), "地址：%(address)s")
HOURS = (gettext_noop("Hours: %(hours)s"), "开放时间：%(hours)s")
OFFERS = (gettext_noop("Here for you:"), "提供服务：")
STEPS = (
    (
        gettext_noop("1. Scan the code with WeChat or your phone's camera."),
        "1. 用微信或手机相机扫描二维码。",
    ),
    (
        gettext_noop("2. Sign in with your mobile number and press “Record my visit”."),
        "2. 用手机号登录，点击“登记到访”。",
    ),
    (
        gettext_noop("3. One visit a day counts; not a member yet? Ask the station how to join."),
        "3. 每天登记一次；还不是会员？请向驿站工作人员咨询入会。",
    ),
)
PRIVACY = (
    gettext_noop("A visit records only your member number and the time, to plan the stations."),
    "到访登记仅记录会员编号和时间，用于改进驿站服务。",
)


def render_station_poster(station: Station, *, visit_url: str, short_url: str) -> bytes:
    """An A4 poster: headline, the station and its operator, a large QR code of `visit_url`,
    the fallback address, address, hours and amenities, the steps and a line on privacy."""
    with printed_language():
        details = [
            printed_text(ADDRESS) % {"address": station.address},
            printed_text(HOURS) % {"hours": hours_label(station)},
        ]
        if station.hours_note:
            details.append(station.hours_note)
        if station.amenity_labels:
            # One amenity a line: a label may hold "、" itself ("手机、电瓶充电").
            details.append(printed_text(OFFERS))
            details.extend(f"• {label}" for label in station.amenity_labels)
        texts = PosterTexts(
            document_title=f"{printed_text(HEADLINE)} · {station.name}",
            author=station.org.name,
            headline=printed_text(HEADLINE),
            title=station.name,
            byline=printed_text(RUN_BY) % {"union": station.org.name},
            qr_url=visit_url,
            short_url=short_url,
            details=details,
            steps=[printed_text(step) for step in STEPS],
            privacy=printed_text(PRIVACY),
        )
    return render_qr_poster(texts, SIZES)
