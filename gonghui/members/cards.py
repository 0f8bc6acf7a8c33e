"""E-member card codes: the QR content is signed with Ed25519 so that any device holding the
public key can tell, without a connection, that a card is genuine and unaltered.

A code reads  GH1.<payload>.<signature>  with both parts base64url: the payload is compact
JSON {"n": number, "m": name, "u": union, "j": joined (ISO date), "v": card version}. A revoked
card keeps a valid signature (it was genuine), so revocation is an online check of the version.
"""

import base64
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from gonghui.members.models import Member

PREFIX = "GH1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@cache
def _private_key(secret: str) -> Ed25519PrivateKey:
    raw = _unb64(secret)
    if len(raw) != 32:
        raise ImproperlyConfigured("GONGHUI_CARD_SIGNING_KEY must be 32 bytes, base64-encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def signing_key() -> Ed25519PrivateKey:
    return _private_key(settings.CARD_SIGNING_KEY)


def public_key_b64() -> str:
    """The raw public key, base64url, as the offline verifier page embeds it."""
    raw = signing_key().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return _b64(raw)


@dataclass(frozen=True)
class CardClaims:
    number: str
    name: str
    union: str
    joined_on: date
    version: int


def claims_of(member: "Member") -> CardClaims:
    """What a member's card says about them (the member's org must be loaded or loadable)."""
    return CardClaims(
        number=member.number,
        name=member.name,
        union=member.org.name,
        joined_on=member.joined_on,
        version=member.card_version,
    )


def card_code_of(member: "Member") -> str:
    """The signed code a member's card QR carries."""
    return sign_card(claims_of(member))


def sign_card(claims: CardClaims) -> str:
    payload = json.dumps(
        {
            "n": claims.number,
            "m": claims.name,
            "u": claims.union,
            "j": claims.joined_on.isoformat(),
            "v": claims.version,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    signature = signing_key().sign(payload)
    return f"{PREFIX}.{_b64(payload)}.{_b64(signature)}"


def sign_json(prefix: str, data: dict[str, object]) -> str:
    """`<prefix>.<payload>.<signature>` for `data` as compact JSON, signed with the card key:
    the one format of every signed code the platform prints (cards, certificates)."""
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return f"{prefix}.{_b64(payload)}.{_b64(signing_key().sign(payload))}"


def read_signed_json(code: str, prefix: str) -> dict[str, object] | None:
    """The JSON object of a genuine, unaltered `<prefix>.` code signed by `sign_json`, else
    None (another prefix, a non-canonical spelling, a bad signature, not an object)."""
    try:
        found, payload_b64, signature_b64 = code.strip().split(".")
        if found != prefix:
            return None
        for part in (payload_b64, signature_b64):
            if _b64(_unb64(part)) != part:
                return None
        payload = _unb64(payload_b64)
        signing_key().public_key().verify(_unb64(signature_b64), payload)
        data = json.loads(payload)
    except (ValueError, InvalidSignature):
        return None
    return data if isinstance(data, dict) else None


class CardCodeError(ValueError):
    """The code is not a genuine, unaltered card code."""


def verify_card(code: str, public_key: Ed25519PublicKey | None = None) -> CardClaims:
    """The claims of a genuine code, or CardCodeError. Needs no database and no network."""
    key = public_key or signing_key().public_key()
    try:
        prefix, payload_b64, signature_b64 = code.strip().split(".")
        if prefix != PREFIX:
            raise CardCodeError("unknown card format")
        # Base64 lets the last character carry unused bits; only the canonical spelling is a
        # card, so that any changed character is refused.
        for part in (payload_b64, signature_b64):
            if _b64(_unb64(part)) != part:
                raise CardCodeError("not a canonical card code")
        payload = _unb64(payload_b64)
        key.verify(_unb64(signature_b64), payload)
        data = json.loads(payload)
        return CardClaims(
            number=str(data["n"]),
            name=str(data["m"]),
            union=str(data["u"]),
            joined_on=date.fromisoformat(data["j"]),
            version=int(data["v"]),
        )
    except InvalidSignature:
        raise CardCodeError(
            "the signature does not match: the code was altered or forged"
        ) from None
    except (ValueError, KeyError, TypeError, json.JSONDecodeError) as error:
        if isinstance(error, CardCodeError):
            raise
        raise CardCodeError("not a card code") from None
