"""Sending text messages through a pluggable sender (settings.SMS_SENDER).

The development sender writes each message to the terminal (standard error), never to the
log: texts hold sign-in codes and status links, and logs are kept and shipped. Production
mode refuses it (and the in-memory one) and names its gateway's sender class in
GONGHUI_SMS_SENDER.
"""

import sys
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from gonghui.core.personal import mask_mobile


class SmsSender(Protocol):
    def send(self, *, mobile: str, text: str) -> None: ...


class ConsoleSmsSender:
    """Development and the demo: the message in the terminal, the number masked."""

    def send(self, *, mobile: str, text: str) -> None:
        sys.stderr.write(f"SMS to {mask_mobile(mobile)}: {text}\n")
        sys.stderr.flush()


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
