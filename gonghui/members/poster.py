"""The printable A4 recruitment poster (PDF) and the QR code of an event's joining link.

The poster is drawn by core.posters, in the site's default language whatever language the staff
member uses; its texts have English sources and the Chinese printed until they are translated.
"""

from datetime import datetime

import segno
from django.utils import timezone
from django.utils.translation import gettext_noop

from gonghui.core.posters import (
    PosterSizes,
    PosterTexts,
    printed_language,
    printed_text,
    render_qr_poster,
)
from gonghui.members.models import RecruitmentEvent

# Room for the place, the time and up to four steps below the code.
SIZES = PosterSizes(
    band=130.0,
    headline=56,
    headline_min=28,
    qr=270.0,
    qr_per_title_line=40,
    fallback_gap=44,
    fallback=13,
    url_gap=34,
    url=28,
    url_min=12,
    details_gap=38,
    details=15,
    details_leading=22,
)

# (English source for the translation catalog, the Chinese printed until it is translated)
HEADLINE = (gettext_noop("Scan to join the union"), "扫码加入工会")
PLACE = (gettext_noop("Place: %(place)s"), "地点：%(place)s")
TIME = (gettext_noop("Time: %(time)s"), "时间：%(time)s")
STEPS = (
    (
        gettext_noop("1. Scan the code with WeChat or your phone's camera."),
        "1. 用微信或手机相机扫描二维码。",
    ),
    (
        gettext_noop(
            "2. Fill in the form: your name, ID number, mobile number and employer or platform."
        ),
        "2. 填写入会申请：姓名、身份证号码、手机号码、工作单位或平台。",
    ),
    (
        gettext_noop("3. Keep the text message we send you: its link shows your application."),
        "3. 保存收到的短信：点开其中的链接可查看审核结果和会员编号。",
    ),
)
GIFT_STEP = (
    gettext_noop("4. Show that page at the gift desk to receive your welcome gift: %(gift)s."),
    "4. 凭短信链接中的页面到礼品台领取入会礼：%(gift)s。",
)
PRIVACY = (
    gettext_noop(
        "Your ID number and mobile number are stored encrypted and seen only by union staff."
    ),
    "您的身份证号码和手机号码加密保存，仅供工会工作人员审核使用。",
)
RECEIVED_BY = (gettext_noop("Applications are received by %(union)s"), "受理单位：%(union)s")


def _time_range(starts: datetime, ends: datetime) -> str:
    start = timezone.localtime(starts)
    end = timezone.localtime(ends)
    if start.date() == end.date():
        return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} – {end:%Y-%m-%d %H:%M}"


def qr_svg(url: str) -> str:
    """The QR code of a link as inline SVG that scales with its container (the big screen)."""
    svg: str = segno.make(url, error="m", micro=False).svg_inline(
        scale=1, border=2, omitsize=True, dark="#000", light="#fff"
    )
    return svg


def render_poster(event: RecruitmentEvent, *, join_url: str, short_url: str) -> bytes:
    """An A4 poster: headline, the event, a large QR code of `join_url`, the fallback address,
    place and time, the steps to join and a line on privacy."""
    with printed_language():
        steps = [printed_text(step) for step in STEPS]
        if event.gift_name:
            steps.append(printed_text(GIFT_STEP) % {"gift": event.gift_name})
        texts = PosterTexts(
            document_title=f"{printed_text(HEADLINE)} · {event.title} · {event.code}",
            author=event.org.name,
            headline=printed_text(HEADLINE),
            title=event.title,
            byline=printed_text(RECEIVED_BY) % {"union": event.org.name},
            qr_url=join_url,
            short_url=short_url,
            details=[
                printed_text(PLACE) % {"place": event.place},
                printed_text(TIME) % {"time": _time_range(event.starts_at, event.ends_at)},
            ],
            steps=steps,
            privacy=printed_text(PRIVACY),
        )
    return render_qr_poster(texts, SIZES)
