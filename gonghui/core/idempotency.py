"""Idempotency-Key support for every API write.

A client that retries a POST/PUT/PATCH/DELETE with the same Idempotency-Key gets the first
response back, byte for byte, and the write happens once. The record is inserted in the same
transaction as the write, so concurrent retries queue on the unique index: the first commits,
the others then find its record and replay it. A failed first attempt (an exception or a 5xx)
rolls back and leaves no record, so a retry runs again; so does a 429 (rate-limited): the
same request is welcome once the limit's window has passed.
"""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.core.models import IdempotencyRecord

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
HEADER = "HTTP_IDEMPOTENCY_KEY"
MAX_KEY_LENGTH = 200


class _RollbackError(Exception):
    def __init__(self, response: HttpResponse) -> None:
        self.response = response


def _scope(request: HttpRequest) -> str:
    """Keys are per caller: the same key from two callers are two different requests."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization:
        basis = "auth:" + authorization
    elif request.session.session_key:
        basis = "session:" + request.session.session_key
    else:
        basis = "anonymous"
    return hashlib.sha256(basis.encode()).hexdigest()


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.get_full_path().encode())
    if request.content_type == "multipart/form-data":
        # An upload can exceed what Django lets request.body hold in memory; its length
        # stands in for its content (a different file under the same key is a client bug).
        digest.update(request.META.get("CONTENT_LENGTH", "").encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"code": code, "message": message, "fields": {}}, status=status)


def _replay(record: IdempotencyRecord, fingerprint: str) -> HttpResponse:
    if record.request_fingerprint != fingerprint:
        return _error(
            422,
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request."),
        )
    return HttpResponse(bytes(record.body), status=record.status_code, headers=record.headers())


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.prefixes = tuple(getattr(settings, "IDEMPOTENT_PATH_PREFIXES", ("/api/",)))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.META.get(HEADER, "").strip()
        if (
            not key
            or request.method not in WRITE_METHODS
            or not request.path.startswith(self.prefixes)
        ):
            return self.get_response(request)
        if len(key) > MAX_KEY_LENGTH:
            return _error(
                400,
                "invalid_idempotency_key",
                _("An Idempotency-Key is at most %(max)d characters.") % {"max": MAX_KEY_LENGTH},
            )
        scope = _scope(request)
        fingerprint = _fingerprint(request)
        # No lookup first: most requests carry a new key, and a known one fails the insert
        # below and is replayed from there.
        try:
            with transaction.atomic():
                # Claim the key first: a concurrent duplicate blocks here until we commit.
                record = IdempotencyRecord.objects.create(
                    scope=scope,
                    key=key,
                    request_fingerprint=fingerprint,
                    status_code=0,
                    content_type="",
                    body=b"",
                )
                response = self.get_response(request)
                if response.status_code >= 500 or response.status_code == 429 or response.streaming:
                    raise _RollbackError(response)
                record.status_code = response.status_code
                record.content_type = response.get("Content-Type", "application/json")
                record.body = response.content
                record.save(update_fields=["status_code", "content_type", "body"])
                return response
        except _RollbackError as rollback:
            return rollback.response
        except IntegrityError:
            # A retry, or a concurrent duplicate that has committed by now.
            winner = IdempotencyRecord.objects.filter(scope=scope, key=key).first()
            if winner is None:
                raise
            return _replay(winner, fingerprint)


def purge_expired_keys() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)
    deleted, _count = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
