"""Gonghui's own system checks (`gonghui check`; the deploy ones with `--deploy`)."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_unsafe_settings(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """Settings that must not reach a real deployment. Production mode refuses the SMS ones
    at start-up; this names them for a deployment still in development mode."""
    found: list[Warning] = []
    if settings.SMS_SENDER in settings.NON_SENDING_SMS_SENDERS:
        found.append(
            Warning(
                f"GONGHUI_SMS_SENDER is {settings.SMS_SENDER}: text messages are not sent, "
                "and sign-in codes and status links go to the terminal or stay in memory.",
                hint="Set GONGHUI_SMS_SENDER to your SMS gateway's sender class.",
                id="gonghui.W001",
            )
        )
    if settings.DEMO:
        found.append(
            Warning(
                "GONGHUI_DEMO is on: pages tell visitors that sign-in codes are printed in "
                "the terminal.",
                hint="Unset GONGHUI_DEMO.",
                id="gonghui.W002",
            )
        )
    return found


@register()
def check_sms_sender_and_rate_store(app_configs: Any, **kwargs: Any) -> list[Error]:
    """A sender or rate-limit store that cannot load would fail at the first text or sign-in."""
    found: list[Error] = []
    try:
        import_string(settings.SMS_SENDER)
    except ImportError as error:
        found.append(
            Error(
                f"GONGHUI_SMS_SENDER {settings.SMS_SENDER!r} cannot be imported: {error}",
                id="gonghui.E001",
            )
        )
    if settings.RATE_LIMIT_REDIS_URL:
        try:
            import redis  # noqa: F401
        except ImportError:
            found.append(
                Error(
                    "GONGHUI_REDIS_URL is set but the redis package is not installed.",
                    hint="pip install 'gonghui[redis]'",
                    id="gonghui.E002",
                )
            )
    return found


@register()
def check_poster_font(app_configs: Any, **kwargs: Any) -> list[Warning]:
    """The PDF posters and member cards embed this font; without it they are refused, so say
    so at start-up rather than at the first poster."""
    if Path(settings.POSTER_FONT).is_file():
        return []
    return [
        Warning(
            f"The poster font {settings.POSTER_FONT} is missing: PDF posters and member cards "
            "cannot be made.",
            hint="apt-get install fonts-wqy-microhei, or set GONGHUI_POSTER_FONT to a TrueType "
            "font with Chinese glyphs.",
            id="gonghui.W003",
        )
    ]
