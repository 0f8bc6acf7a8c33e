"""Sending text messages through a pluggable sender (settings.SMS_SENDER).

The default sender writes the message to the log with the number masked: enough for a
developer or the demo, where the terminal shows sign-in codes. A production deployment names
its gateway's sender class in GONGHUI_SMS_SENDER.
"""

import logging
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from gonghui.core.personal import mask_mobile

logger = logging.getLogger("gonghui.sms")


class SmsSender(Protocol):
    def send(self, *, mobile: str, text: str) -> None: ...


class ConsoleSmsSender:
    def send(self, *, mobile: str, text: str) -> None:
        logger.warning("SMS to %s: %s", mask_mobile(mobile), text)


@dataclass
class SentMessage:
    mobile: str
    text: str


class MemorySmsSender:
    """Keeps messages in `outbox`, for tests and for checking a deployment by hand."""

    outbox: list[SentMessage] = []

    def send(self, *, mobile: str, text: str) -> None:
        MemorySmsSender.outbox.append(SentMessage(mobile=mobile, text=text))


@cache
def _sender(path: str) -> SmsSender:
    sender: SmsSender = import_string(path)()
    return sender


def send_sms_on_commit(*, mobile: str, text: str) -> None:
    """Send after the surrounding transaction commits, so a rolled-back action sends nothing.

    The number is held in memory only, never queued in the database in clear text.
    """
    transaction.on_commit(lambda: _sender(settings.SMS_SENDER).send(mobile=mobile, text=text))
