"""Redemption at the provider (核销): provider accounts see what a scanned code is and redeem
claims, one at a time or as an offline batch answered once per nonce (checkins.nonces)."""

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.benefits import codes, metrics
from gonghui.benefits.claiming import in_audience, moment_text
from gonghui.benefits.models import Claim, Offer, Provider, ProviderAccount, Service
from gonghui.checkins.batches import MAX_BATCH as MAX_BATCH  # the API reads it here
from gonghui.checkins.nonces import answer_once, check_upload
from gonghui.checkins.verdict import card_refusal, read_card
from gonghui.core.errors import NotFoundError
from gonghui.core.personal import mask_name
from gonghui.members.models import Member
from gonghui.orgs import tallies

# Only what judging a claim needs: loading whole members would decrypt their ID and mobile.
MEMBER_COLUMNS = ("pk", "number", "name", "status", "org_id", "card_version", "user_id")


@dataclass(frozen=True)
class Redemption:
    """The answer to a scan at the provider. Refusals are answers too: "already used at 10:42"
    is what the provider's staff must see, not a failure. Only the masked name of the member
    is ever in it."""

    ok: bool
    code: str  # redeemed, already_redeemed, other_provider, expired, code_invalid, …
    message: str
    member_name: str = ""
    offer_title: str = ""
    claim_id: int | None = None
    usable_until: str = ""  # ISO time, "" when the claim does not expire
    redeemed_at: str = ""  # ISO time of the (first) redemption

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClaimState:
    """One of a member's claims at this provider, as the desk shows it before redeeming."""

    claim_id: int
    offer_title: str
    status: str
    redeemable: bool
    code: str  # ready, or why not: already_redeemed, expired, offer_withdrawn, …
    message: str
    usable_until: str
    redeemed_at: str


@dataclass(frozen=True)
class Inspection:
    """What a scanned code is: one claim (a claim code), or a member and their claims here (a
    member card); or a refusal (`code` says why)."""

    ok: bool
    code: str  # claim, card, or a refusal code
    message: str
    kind: str = ""  # "claim" or "card"
    member_name: str = ""
    claims: list[ClaimState] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def device_key(provider: Provider, device: str) -> str:
    """The ScanNonce device of a provider's device: namespaced by provider, so one provider
    can never replay the stored answers of another's device, and within the column's length."""
    digest = hashlib.sha256(f"{provider.pk}:{device}".encode()).hexdigest()[:48]
    return f"benefits:{digest}"


def _claims_query() -> QuerySet[Claim]:
    return Claim.objects.select_related(
        "offer",
        "offer__service",
        "offer__service__provider",
        "offer__service__audience_org",
        "member",
        "member__org",
    ).only(
        "pk",
        "status",
        "claimed_at",
        "redeemed_at",
        "org_id",
        "offer_id",
        "member_id",
        "offer__title",
        "offer__status",
        "offer__redeem_until",
        "offer__code_secret",
        "offer__service__title",
        "offer__service__status",
        "offer__service__valid_from",
        "offer__service__valid_until",
        "offer__service__audience",
        "offer__service__audience_org__path",
        "offer__service__audience_org__name",
        "offer__service__provider_id",
        "offer__service__provider__is_active",
        "offer__service__org_id",
        *(f"member__{name}" for name in MEMBER_COLUMNS if name != "pk"),
        "member__org__path",
    )


def usable_until(claim: Claim) -> datetime | None:
    """When the claim stops being usable: the offer's end, or the service's last day."""
    ends: list[datetime] = []
    if claim.offer.redeem_until is not None:
        ends.append(claim.offer.redeem_until)
    until = claim.offer.service.valid_until
    if until is not None:
        ends.append(timezone.make_aware(datetime.combine(until, datetime.max.time())))
    return min(ends) if ends else None


def _iso(moment: datetime | None) -> str:
    return timezone.localtime(moment).isoformat() if moment else ""


def _claim_refusal(claim: Claim, at: datetime) -> tuple[str, str] | None:
    """Why this claim cannot be redeemed at `at` (code, message), or None."""
    if claim.status == Claim.Status.REDEEMED:
        assert claim.redeemed_at is not None
        return "already_redeemed", _("Already used at %(time)s.") % {
            "time": moment_text(claim.redeemed_at)
        }
    service = claim.offer.service
    if claim.offer.status != Offer.Status.PUBLISHED:
        return "offer_withdrawn", _("This offer has been withdrawn.")
    if service.status != Service.Status.PUBLISHED or not service.provider.is_active:
        return "service_withdrawn", _("This service is no longer offered.")
    until = usable_until(claim)
    if until is not None and at > until:
        return "expired", _("This offer expired at %(time)s.") % {"time": moment_text(until)}
    if not claim.member.is_active:
        return "membership_ended", _("This membership has ended.")
    if not in_audience(claim.member.org.path, service):
        assert service.audience_org is not None
        return "outside_audience", _("This offer is for members of %(org)s.") % {
            "org": service.audience_org.name
        }
    return None


def _state(claim: Claim, at: datetime) -> ClaimState:
    refusal = _claim_refusal(claim, at)
    return ClaimState(
        claim_id=claim.pk,
        offer_title=claim.offer.title,
        status=claim.status,
        redeemable=refusal is None,
        code=refusal[0] if refusal else "ready",
        message=refusal[1] if refusal else _("Ready to use."),
        usable_until=_iso(usable_until(claim)),
        redeemed_at=_iso(claim.redeemed_at),
    )


def _refused(code: str, message: str, claim: Claim | None = None) -> Redemption:
    if claim is None:
        return Redemption(ok=False, code=code, message=message)
    return Redemption(
        ok=False,
        code=code,
        message=message,
        member_name=mask_name(claim.member.name),
        offer_title=claim.offer.title,
        claim_id=claim.pk,
        usable_until=_iso(usable_until(claim)),
        redeemed_at=_iso(claim.redeemed_at),
    )


def _other_provider() -> Redemption:
    return _refused("other_provider", _("This code is for another provider's offer."))


def _code_invalid() -> Redemption:
    return _refused("code_invalid", _("Not a valid offer code or member card."))


def _claim_by_code(text: str) -> Claim | None:
    """The claim a genuine claim code names, else None (unknown id and bad signature alike)."""
    parsed = codes.parse_claim_code(text)
    if parsed is None:
        return None
    claim_id, signature = parsed
    claim = _claims_query().filter(pk=claim_id).first()
    if claim is None or not codes.signature_matches(
        claim_id=claim.pk, secret=claim.offer.code_secret, signature=signature
    ):
        return None
    return claim


def _member_by_card(text: str) -> Member | Redemption:
    """The member whose card this is, or the refusal of a card scan (checkins' card rule)."""
    card = read_card(text)
    member = None
    if card is not None:
        found = Member.objects.filter(number=card.number).select_related("org")
        member = found.only(*MEMBER_COLUMNS, "org__path", "org__name").first()
    refusal = card_refusal(card, member)
    if refusal is None:
        assert member is not None
        return member
    if refusal.code == "card_invalid":
        return _code_invalid()  # this desk also takes offer codes
    return _refused(refusal.code, refusal.message)


def _claims_at(provider: Provider, member: Member) -> list[Claim]:
    return list(
        _claims_query()
        .filter(member=member, offer__service__provider=provider)
        .order_by("status", "-claimed_at", "-pk")[:20]
    )


def inspect_code(*, account: ProviderAccount, code: str, at: datetime | None = None) -> Inspection:
    """What the provider's staff see after a scan, before redeeming: the claim (or, for a
    member card, the member's claims at this provider), whether each is usable, and the
    member's masked name. Nothing else about the member."""
    at = at or timezone.now()
    provider = account.provider
    if codes.looks_like_claim_code(code):
        claim = _claim_by_code(code)
        if claim is None:
            refused = _code_invalid()
            return Inspection(ok=False, code=refused.code, message=refused.message)
        if claim.offer.service.provider_id != provider.pk:
            refused = _other_provider()
            return Inspection(ok=False, code=refused.code, message=refused.message)
        state = _state(claim, at)
        return Inspection(
            ok=True,
            code="claim",
            message=state.message,
            kind="claim",
            member_name=mask_name(claim.member.name),
            claims=[state],
        )
    found = _member_by_card(code)
    if isinstance(found, Redemption):
        return Inspection(ok=False, code=found.code, message=found.message)
    claims = _claims_at(provider, found)
    if not claims:
        return Inspection(
            ok=False,
            code="no_claim",
            member_name=mask_name(found.name),
            message=_("This member has claimed no offer of yours."),
        )
    return Inspection(
        ok=True,
        code="card",
        message=_("Choose the offer to redeem."),
        kind="card",
        member_name=mask_name(found.name),
        claims=[_state(c, at) for c in claims],
    )


def _redeem(claim: Claim, *, actor: User, at: datetime, method: str) -> Redemption:
    """Judge and redeem one loaded claim of the actor's provider: one conditional UPDATE, so
    two desks scanning the same code at once redeem it once."""
    refusal = _claim_refusal(claim, at)
    if refusal is not None:
        return _refused(*refusal, claim)
    redeemed = Claim.objects.filter(pk=claim.pk, status=Claim.Status.CLAIMED).update(
        status=Claim.Status.REDEEMED, redeemed_at=at, redeemed_by=actor, method=method
    )
    if not redeemed:
        first = Claim.objects.only("redeemed_at").get(pk=claim.pk).redeemed_at
        assert first is not None
        return Redemption(
            ok=False,
            code="already_redeemed",
            message=_("Already used at %(time)s.") % {"time": moment_text(first)},
            member_name=mask_name(claim.member.name),
            offer_title=claim.offer.title,
            claim_id=claim.pk,
            usable_until=_iso(usable_until(claim)),
            redeemed_at=_iso(first),
        )
    Offer.objects.filter(pk=claim.offer_id).update(redeemed=F("redeemed") + 1)
    tallies.count(claim.org_id, metrics.REDEMPTIONS, on=at)
    return Redemption(
        ok=True,
        code="redeemed",
        message=_("Redeemed."),
        member_name=mask_name(claim.member.name),
        offer_title=claim.offer.title,
        claim_id=claim.pk,
        usable_until=_iso(usable_until(claim)),
        redeemed_at=_iso(at),
    )


def _redeem_claim_code(
    account: ProviderAccount, code: str, *, at: datetime, method: str
) -> Redemption:
    """A scanned claim code: its claim redeemed, when it is one of this provider's offers."""
    claim = _claim_by_code(code)
    if claim is None:
        return _code_invalid()
    if claim.offer.service.provider_id != account.provider_id:
        return _other_provider()
    return _redeem(claim, actor=account.user, at=at, method=method)


def _active_account(account: ProviderAccount) -> Redemption | None:
    if not account.user.is_active:
        raise NotFoundError("not_found", _("Not found."))
    if not account.provider.is_active:
        return _refused("provider_inactive", _("Your provider is not active on the platform."))
    return None


@transaction.atomic
def redeem_code(
    *, account: ProviderAccount, code: str, claim_id: int | None = None, at: datetime | None = None
) -> Redemption:
    """The provider's staff redeem what they scanned: a claim code, or a member card plus the
    chosen claim of that member. The scanned code is required either way, so an account can
    redeem only a claim whose holder showed it. A second redemption answers with the first
    time; a claim of another provider is refused without a word about its holder."""
    at = at or timezone.now()
    inactive = _active_account(account)
    if inactive is not None:
        return inactive
    provider = account.provider
    if codes.looks_like_claim_code(code):
        return _redeem_claim_code(account, code, at=at, method=Claim.Method.CODE)
    found = _member_by_card(code)
    if isinstance(found, Redemption):
        return found
    if claim_id is None:
        return _refused("choose_claim", _("Choose which of the member's offers to redeem."))
    chosen = _claims_query().filter(pk=claim_id, member=found).first()
    if chosen is None:
        return _refused("no_claim", _("This member has not claimed that offer."))
    if chosen.offer.service.provider_id != provider.pk:
        return _other_provider()
    return _redeem(chosen, actor=account.user, at=at, method=Claim.Method.CARD)


@dataclass(frozen=True)
class BatchItem:
    nonce: str
    code: str
    scanned_at: datetime


def upload_redemptions(
    *, account: ProviderAccount, device: str, items: list[BatchItem]
) -> list[dict[str, Any]]:
    """Scans the provider's phone kept while offline, each judged at its scan time (capped at
    now) and answered on its own; the same (device, nonce) sent again replays the stored
    answer and redeems nothing (checkins.nonces). A member card redeems the member's one
    usable claim here; with several the member must show the offer's own code."""
    inactive = _active_account(account)
    check_upload(device, len(items))
    now = timezone.now()

    def judge(fresh: list[BatchItem]) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = {}
        for item in fresh:
            result = inactive or _judge_batch_item(account, item.code, min(item.scanned_at, now))
            answers[item.nonce] = result.as_dict()
        return answers

    return answer_once(
        device=device_key(account.provider, device),
        items=items,
        nonce_of=lambda item: item.nonce,
        judge=judge,
        invalid_nonce=_refused(
            "invalid_nonce", _("Each scan needs a nonce of 1–64 characters.")
        ).as_dict(),
    )


def _judge_batch_item(account: ProviderAccount, code: str, at: datetime) -> Redemption:
    provider = account.provider
    if codes.looks_like_claim_code(code):
        return _redeem_claim_code(account, code, at=at, method=Claim.Method.BATCH)
    found = _member_by_card(code)
    if isinstance(found, Redemption):
        return found
    claims = _claims_at(provider, found)
    usable = [c for c in claims if _claim_refusal(c, at) is None]
    if len(usable) == 1:
        return _redeem(usable[0], actor=account.user, at=at, method=Claim.Method.BATCH)
    if not usable:
        refusal = _claim_refusal(claims[0], at) if claims else None
        if refusal is not None:
            return _refused(*refusal, claims[0])
        return _refused("no_claim", _("This member has claimed no offer of yours."))
    return _refused(
        "several_claims",
        _("The member holds several of your offers: scan the code of the one to redeem."),
    )
