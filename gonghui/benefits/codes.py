"""Claim codes: what a member's wallet shows as a QR and the provider scans.

A code reads  GB1.<claim id>.<signature>  where the signature is the first 10 bytes of
HMAC-SHA256(offer.code_secret, "claim:<claim id>") in base32. The id says which claim; the
signature proves the code was issued here, so a guessed or mistyped id is refused before any
claim is shown. The secret never leaves the server; a code is as long-lived as its claim.
"""

import base64
import hashlib
import hmac

PREFIX = "GB1"
# A claim code is about 30 characters; a member card code a few hundred.
MAX_CODE = 2000


def _signature(secret: str, claim_id: int) -> str:
    digest = hmac.new(secret.encode(), f"claim:{claim_id}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().rstrip("=")


def claim_code(*, claim_id: int, secret: str) -> str:
    return f"{PREFIX}.{claim_id}.{_signature(secret, claim_id)}"


def looks_like_claim_code(text: str) -> bool:
    return text.strip().upper().startswith(PREFIX + ".")


def parse_claim_code(text: str) -> tuple[int, str] | None:
    """(claim id, signature) of something shaped like a claim code, else None. Scanners and
    people typing may change the case; the code is the same."""
    parts = text.strip().upper().split(".")
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    return int(parts[1]), parts[2]


def signature_matches(*, claim_id: int, secret: str, signature: str) -> bool:
    return hmac.compare_digest(signature, _signature(secret, claim_id))
