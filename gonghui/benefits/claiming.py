"""Members claiming offers (flash-safe: one conditional UPDATE per quota counter, a unique
constraint per member), and the audience rule that claiming and redemption share."""

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.benefits import codes, metrics
from gonghui.benefits.models import Audience, Claim, Offer, OfferQuota, Service
from gonghui.core.errors import ConflictError, DomainError, PermissionDeniedError
from gonghui.members.models import Member
from gonghui.orgs import tallies


def moment_text(moment: datetime) -> str:
    """A moment as members and providers read it: local date and minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def in_audience(org_path: str, service: Service) -> bool:
    """Whether members of the union with this path are in the service's audience."""
    if service.audience != Audience.SUBTREE:
        return True
    assert service.audience_org is not None
    return org_path.startswith(service.audience_org.path)


def _service_refusal(service: Service, today: date) -> DomainError | None:
    if service.status != Service.Status.PUBLISHED or not service.provider.is_active:
        return DomainError("service_withdrawn", _("This service is no longer offered."))
    if service.valid_from and today < service.valid_from:
        return DomainError(
            "not_yet_valid",
            _("This service starts on %(day)s.") % {"day": service.valid_from.isoformat()},
        )
    if service.valid_until and today > service.valid_until:
        return DomainError(
            "service_expired",
            _("This service ended on %(day)s.") % {"day": service.valid_until.isoformat()},
        )
    return None


def _sold_out() -> ConflictError:
    return ConflictError(
        "sold_out", _("All of this offer has been claimed. Watch for the next one.")
    )


@transaction.atomic
def claim_offer(*, member: Member | None, offer: Offer, now: datetime | None = None) -> Claim:
    """A member claims an offer; the answer is a claim with a code, or a refusal with its own
    code (not_a_member, offer_withdrawn, not_open, closed, limit_reached, outside_share,
    share_sold_out, sold_out, …). Pass the offer with its service, provider and audience org.

    Correct under a flash crowd on every database: the member's limit is the unique
    (offer, member, seq) constraint, each quota one conditional UPDATE of its counter. The
    claim row is written first and the hot counters last, so the offer's row lock is held
    only from its UPDATE to the commit; a sold-out offer answers from the row already read,
    without writing.
    """
    now = now or timezone.now()
    if member is None or not member.is_active:
        raise PermissionDeniedError(
            "not_a_member", _("Only union members can claim offers: join the union first.")
        )
    service = offer.service
    refusal = _service_refusal(service, timezone.localdate(now))
    if refusal is not None:
        raise refusal
    if offer.status != Offer.Status.PUBLISHED:
        raise DomainError("offer_withdrawn", _("This offer has been withdrawn."))
    if not in_audience(member.org.path, service):
        assert service.audience_org is not None
        raise PermissionDeniedError(
            "outside_audience",
            _("This offer is for members of %(org)s.") % {"org": service.audience_org.name},
        )
    if now < offer.claims_open_at:
        raise DomainError(
            "not_open",
            _("Claiming opens at %(time)s.") % {"time": moment_text(offer.claims_open_at)},
        )
    if now > offer.claims_close_at:
        raise DomainError("closed", _("Claiming has closed."))
    held = Claim.objects.filter(offer=offer, member=member).count()
    if held >= offer.per_member_limit:
        raise ConflictError(
            "limit_reached",
            _("You have claimed this offer already.")
            if offer.per_member_limit == 1
            else _("You have claimed this offer %(n)d times, the most allowed.")
            % {"n": offer.per_member_limit},
        )
    share_id: int | None = None
    shares = list(
        OfferQuota.objects.filter(offer=offer).values_list("pk", "org__path", "quota", "claimed")
    )
    if shares:
        mine = [s for s in shares if member.org.path.startswith(s[1])]
        if not mine:
            raise PermissionDeniedError(
                "outside_share",
                _("This offer is shared out between unions, and yours has no share."),
            )
        share_id, _path, share_quota, share_claimed = mine[0]
        if share_claimed >= share_quota:
            raise ConflictError(
                "share_sold_out", _("Your union's share of this offer has all been claimed.")
            )
    if offer.quota is not None and offer.claimed >= offer.quota:
        raise _sold_out()
    try:
        # No savepoint: on a clash the whole claim is refused and rolled back anyway.
        claim = Claim.objects.create(
            offer=offer,
            member=member,
            seq=held + 1,
            org_id=member.org_id,
            share_id=share_id,
            claimed_at=now,
        )
    except IntegrityError:
        # A second press of the same member raced this one: theirs stands.
        raise ConflictError("limit_reached", _("You have claimed this offer already.")) from None
    if share_id is not None and not OfferQuota.objects.filter(
        pk=share_id, claimed__lt=F("quota")
    ).update(claimed=F("claimed") + 1):
        raise ConflictError(
            "share_sold_out", _("Your union's share of this offer has all been claimed.")
        )
    if offer.quota is None:
        Offer.objects.filter(pk=offer.pk).update(claimed=F("claimed") + 1)
    elif not Offer.objects.filter(pk=offer.pk, claimed__lt=offer.quota).update(
        claimed=F("claimed") + 1
    ):
        raise _sold_out()
    tallies.count(member.org_id, metrics.CLAIMS, on=now)
    return claim


def code_of(claim: Claim) -> str:
    """The code a claim's QR holds (the offer must be loaded with the claim)."""
    return codes.claim_code(claim_id=claim.pk, secret=claim.offer.code_secret)
