"""Encryption of personal data at rest (AES-256-GCM) and keyed lookup hashes (HMAC-SHA256).

Keys live outside the database: settings.PERSONAL_DATA_KEYS holds "kid:key" pairs, the first
one encrypting, all of them decrypting, so a key can be rotated by prepending a new one and
re-encrypting in the background (`gonghui rotate_personal_data`).
"""

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

FORMAT_VERSION = "g1"
NONCE_BYTES = 12


def _decode_key(text: str) -> bytes:
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(raw) != 32:
        raise ImproperlyConfigured("Each personal-data key must be 32 bytes, base64-encoded.")
    return raw


@cache
def _keyring(spec: str) -> tuple[str, dict[str, AESGCM]]:
    ring: dict[str, AESGCM] = {}
    current = ""
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        kid, sep, key = item.partition(":")
        if not sep or not kid or "$" in kid:
            raise ImproperlyConfigured("Personal-data keys are written as 'kid:base64key'.")
        ring[kid] = AESGCM(_decode_key(key))
        current = current or kid
    if not current:
        raise ImproperlyConfigured("No personal-data encryption key is configured.")
    return current, ring


def current_key_id() -> str:
    return _keyring(settings.PERSONAL_DATA_KEYS)[0]


def encrypt(plaintext: str) -> str:
    kid, ring = _keyring(settings.PERSONAL_DATA_KEYS)
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring[kid].encrypt(nonce, plaintext.encode("utf-8"), None)
    return f"{FORMAT_VERSION}${kid}${base64.b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    version, kid, payload = token.split("$", 2)
    if version != FORMAT_VERSION:
        raise ValueError("Unknown personal-data format.")
    _, ring = _keyring(settings.PERSONAL_DATA_KEYS)
    if kid not in ring:
        raise ImproperlyConfigured(f"Personal-data key {kid!r} is not configured.")
    raw = base64.b64decode(payload)
    return ring[kid].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode("utf-8")


def key_id_of(token: str) -> str:
    return token.split("$", 2)[1]


def lookup_hash(kind: str, normalized_value: str) -> str:
    """A stable keyed hash: equal values of one kind hash alike, nothing can be read back."""
    message = f"{kind}\x00{normalized_value}".encode()
    key = settings.PERSONAL_DATA_LOOKUP_KEY.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()
