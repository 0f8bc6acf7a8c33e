"""Running the service directory and its member offers: staff edit providers, services and
offers; members claim offers (flash-safe: one conditional UPDATE per quota counter, a unique
constraint per member); provider accounts redeem claims (核销), one at a time or as an offline
batch answered once per nonce (checkins.nonces)."""

import hashlib
import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.benefits import codes, metrics
from gonghui.benefits.models import (
    BUILT_IN_CATEGORIES,
    Audience,
    Claim,
    Offer,
    OfferQuota,
    Provider,
    ProviderAccount,
    Publishable,
    Service,
    ServiceCategory,
    ServiceDay,
    ServicePhoto,
)
from gonghui.checkins.batches import MAX_BATCH as MAX_BATCH  # the API reads it here
from gonghui.checkins.nonces import answer_once, check_upload
from gonghui.checkins.verdict import card_refusal, read_card
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError, NotFoundError, PermissionDeniedError
from gonghui.core.images import prepare_photo
from gonghui.core.personal import mask_name
from gonghui.core.scoping import require
from gonghui.core.text import check_fields
from gonghui.members.models import Member
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

MAX_SHARES = 50
PROVIDER_FIELDS = ("name", "kind", "description", "contact_name", "contact_phone", "address",
                   "website")  # fmt: skip
SERVICE_FIELDS = ("category", "title", "summary", "description", "address", "district", "street",
                  "opening_hours", "link", "phone", "on_site", "audience", "valid_from",
                  "valid_until")  # fmt: skip
OFFER_FIELDS = ("title", "kind", "terms", "quota", "per_member_limit", "claims_open_at",
                "claims_close_at", "redeem_until")  # fmt: skip
# Only what judging a claim needs: loading whole members would decrypt their ID and mobile.
MEMBER_COLUMNS = ("pk", "number", "name", "status", "org_id", "card_version", "user_id")


def _field_error(name: str, code: str, message: str) -> DomainError:
    return DomainError(code, message, fields={name: [message]})


def _stripped(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The values with text stripped. A name outside `allowed` is the caller's bug, not input."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"unknown fields: {sorted(unknown)}")
    return {
        name: value.strip() if isinstance(value, str) else value for name, value in values.items()
    }


def _fmt(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


# --- categories ------------------------------------------------------------------------------


@transaction.atomic
def create_category(*, actor: User, org: Org, name: str) -> ServiceCategory:
    """Add a category next to the six built-in ones (benefits.manage at `org`); every service
    of the platform may then use it."""
    require(actor, "benefits.manage", org.path)
    name = name.strip()
    if not name:
        raise _field_error("name", "name_required", _("Give the category a name."))
    taken = {str(label) for label in BUILT_IN_CATEGORIES.values()}
    taken |= set(ServiceCategory.objects.filter(is_active=True).values_list("name", flat=True))
    if name in taken:
        raise _field_error("name", "category_exists", _("This category exists already."))
    category = ServiceCategory.objects.create(
        code=f"x{secrets.token_hex(5)}", name=name[:40], org=org, created_by=actor
    )
    audit.record(
        actor=actor, action="benefits.category.created", org=org, target=category,
        changes={"name": category.name},
    )  # fmt: skip
    return category


def _check_category(code: str) -> None:
    if code in BUILT_IN_CATEGORIES:
        return
    if not ServiceCategory.objects.filter(code=code, is_active=True).exists():
        raise _field_error("category", "invalid_category", _("Choose one of the categories."))


# --- providers and their accounts ------------------------------------------------------------


def _clean_provider(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = _stripped(values, PROVIDER_FIELDS)
    if not cleaned.get("name"):
        raise _field_error("name", "name_required", _("Give the provider's name."))
    if cleaned.get("kind") not in Provider.Kind.values:
        raise _field_error("kind", "invalid_choice", _("Choose one of the options."))
    check_fields(
        cleaned,
        names=("name", "contact_name"),
        lines=("contact_phone", "address", "website"),
        texts=("description",),
    )
    return cleaned


@transaction.atomic
def create_provider(*, actor: User, org: Org, **values: Any) -> Provider:
    """Register a provider managed by `org` (benefits.manage there)."""
    require(actor, "benefits.manage", org.path)
    provider = Provider.objects.create(org=org, created_by=actor, **_clean_provider(values))
    audit.record(
        actor=actor, action="benefits.provider.created", org=org, target=provider,
        changes={"name": provider.name},
    )  # fmt: skip
    return provider


@transaction.atomic
def update_provider(
    *, actor: User, provider: Provider, expected_version: int, org: Org, is_active: bool = True,
    **values: Any,
) -> Provider:  # fmt: skip
    """Edit a provider (benefits.manage at its org, and at the new one if it moves); a stale
    form is refused. An inactive provider's services leave the directory and its accounts
    cannot redeem."""
    require(actor, "benefits.manage", provider.org.path)
    require(actor, "benefits.manage", org.path)
    cleaned = _clean_provider(values)
    before = {"org": provider.org_id, "is_active": provider.is_active,
              **{name: getattr(provider, name) for name in cleaned}}  # fmt: skip
    updated = Provider.objects.filter(pk=provider.pk, version=expected_version).update(
        org=org, is_active=is_active, version=F("version") + 1, **cleaned
    )
    if not updated:
        raise ConflictError(
            "stale", _("Someone else changed this provider meanwhile; reload it and try again.")
        )
    provider.refresh_from_db()
    audit.record(
        actor=actor, action="benefits.provider.updated", org=provider.org, target=provider,
        changes=audit.diff(before, {"org": org.pk, "is_active": is_active, **cleaned}),
    )  # fmt: skip
    return provider


@transaction.atomic
def create_provider_account(
    *, actor: User, provider: Provider, username: str, name: str, password: str
) -> ProviderAccount:
    """A sign-in for the provider's own staff (benefits.manage at the provider's org). The
    account gets no role grant: it redeems its provider's claims and reaches nothing else."""
    require(actor, "benefits.manage", provider.org.path)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise _field_error("username", "username_taken", _("This username is taken."))
    user = User(username=username, name=name.strip())
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(
            "weak_password", " ".join(error.messages), fields={"password": error.messages}
        ) from None
    user.set_password(password)
    user.save()
    account = ProviderAccount.objects.create(user=user, provider=provider, created_by=actor)
    audit.record(
        actor=actor, action="benefits.provider_account.created", org=provider.org,
        target=account, changes={"username": username, "provider": provider.pk},
    )  # fmt: skip
    return account


@transaction.atomic
def set_provider_account_active(
    *, actor: User, account: ProviderAccount, active: bool
) -> ProviderAccount:
    """Lock or reopen a provider account (benefits.manage at the provider's org). A locked
    account's sessions stop working at once (the user is inactive)."""
    provider = account.provider
    require(actor, "benefits.manage", provider.org.path)
    User.objects.filter(pk=account.user_id).update(is_active=active)
    account.user.refresh_from_db(fields=["is_active"])
    action = (
        "benefits.provider_account.reactivated" if active else "benefits.provider_account.locked"
    )
    audit.record(actor=actor, action=action, org=provider.org, target=account)
    return account


# --- services --------------------------------------------------------------------------------


def _clean_service(
    actor: User, org: Org, values: dict[str, Any], audience_org: Org | None
) -> tuple[dict[str, Any], Org | None]:
    cleaned = _stripped(values, SERVICE_FIELDS)
    if not cleaned.get("title"):
        raise _field_error("title", "title_required", _("Give the service a title."))
    check_fields(
        cleaned,
        names=("district", "street"),
        lines=("title", "summary", "address", "opening_hours", "link", "phone"),
        texts=("description", "on_site"),
    )
    _check_category(cleaned.get("category", ""))
    audience = cleaned.get("audience")
    if audience not in Audience.values:
        raise _field_error("audience", "invalid_choice", _("Choose one of the options."))
    if audience == Audience.SUBTREE:
        audience_org = audience_org or org
        require(actor, "benefits.manage", audience_org.path)
    else:
        audience_org = None
    start: date | None = cleaned.get("valid_from")
    end: date | None = cleaned.get("valid_until")
    if start and end and end < start:
        raise _field_error(
            "valid_until", "valid_period", _("The service cannot end before it starts.")
        )
    if not (cleaned.get("link") or cleaned.get("phone") or cleaned.get("on_site")):
        raise _field_error(
            "on_site",
            "how_to_use_required",
            _("Say how members use it: a link, a phone number or what to do on site."),
        )
    return cleaned, audience_org


@transaction.atomic
def create_service(
    *, actor: User, provider: Provider, org: Org, audience_org: Org | None = None,
    publish: bool = False, **values: Any,
) -> Service:  # fmt: skip
    """Add a service of `provider`, managed by `org` (benefits.manage at both the provider's
    org and `org`), as a draft or published."""
    require(actor, "benefits.manage", provider.org.path)
    require(actor, "benefits.manage", org.path)
    cleaned, audience_org = _clean_service(actor, org, values, audience_org)
    service = Service.objects.create(
        provider=provider, org=org, audience_org=audience_org, created_by=actor,
        status=Service.Status.PUBLISHED if publish else Service.Status.DRAFT,
        published_at=timezone.now() if publish else None, **cleaned,
    )  # fmt: skip
    audit.record(
        actor=actor, action="benefits.service.created", org=org, target=service,
        changes={"title": service.title, "published": publish},
    )  # fmt: skip
    return service


@transaction.atomic
def update_service(
    *, actor: User, service: Service, expected_version: int, provider: Provider, org: Org,
    audience_org: Org | None = None, **values: Any,
) -> Service:  # fmt: skip
    """Edit a service (benefits.manage at its org and at the new org and provider); a stale
    form is refused."""
    require(actor, "benefits.manage", service.org.path)
    require(actor, "benefits.manage", org.path)
    require(actor, "benefits.manage", provider.org.path)
    cleaned, audience_org = _clean_service(actor, org, values, audience_org)
    before = {"provider": service.provider_id, "org": service.org_id,
              "audience_org": service.audience_org_id,
              **{name: getattr(service, name) for name in cleaned}}  # fmt: skip
    updated = Service.objects.filter(pk=service.pk, version=expected_version).update(
        provider=provider, org=org, audience_org=audience_org, version=F("version") + 1, **cleaned
    )
    if not updated:
        raise ConflictError(
            "stale", _("Someone else changed this service meanwhile; reload it and try again.")
        )
    if org.pk != before["org"]:
        # Its views so far go along in the tallies (the UPDATE above holds the service's row).
        tallies.move(metrics.share_of(service), from_org_id=before["org"], to_org_id=org.pk)
    service.refresh_from_db()
    after = {"provider": provider.pk, "org": org.pk,
             "audience_org": audience_org.pk if audience_org else None, **cleaned}  # fmt: skip
    audit.record(
        actor=actor, action="benefits.service.updated", org=service.org, target=service,
        changes=audit.diff(before, after),
    )  # fmt: skip
    return service


def _change_status(
    rows: QuerySet[Service] | QuerySet[Offer], status: str, *, unchanged: str
) -> None:
    """Publish a service or an offer (from a draft or withdrawn) or withdraw a published one,
    in one conditional UPDATE so that two staff doing it at once change it once."""
    if status == Publishable.Status.PUBLISHED:
        updated = rows.exclude(status=status).update(
            status=status, published_at=timezone.now(), version=F("version") + 1
        )
    elif status == Publishable.Status.WITHDRAWN:
        updated = rows.filter(status=Publishable.Status.PUBLISHED).update(
            status=status, version=F("version") + 1
        )
    else:
        raise DomainError("invalid_choice", _("Choose one of the options."))
    if not updated:
        raise ConflictError("status_unchanged", unchanged)


@transaction.atomic
def set_service_status(*, actor: User, service: Service, status: str) -> Service:
    """Publish a draft or withdrawn service, or withdraw a published one (benefits.manage).
    A withdrawn service leaves the directory; its claims can no longer be redeemed."""
    require(actor, "benefits.manage", service.org.path)
    _change_status(
        Service.objects.filter(pk=service.pk),
        status,
        unchanged=_("The service is already in that state."),
    )
    service.refresh_from_db()
    published = status == Publishable.Status.PUBLISHED
    action = "benefits.service.published" if published else "benefits.service.withdrawn"
    audit.record(actor=actor, action=action, org=service.org, target=service)
    return service


@transaction.atomic
def add_service_photo(
    *, actor: User, service: Service, upload: UploadedFile[Any], caption: str = ""
) -> ServicePhoto:
    """Attach a picture (benefits.manage); it is checked, resized and stripped of metadata."""
    require(actor, "benefits.manage", service.org.path)
    photo = prepare_photo(upload)
    record = ServicePhoto(
        service=service, caption=caption.strip()[:200], width=photo.width, height=photo.height,
        uploaded_by=actor,
    )  # fmt: skip
    record.stored_name = f"{timezone.now():%Y%m%d%H%M%S%f}.jpg"
    record.image.save(record.stored_name, ContentFile(photo.content), save=False)
    record.save()
    audit.record(actor=actor, action="benefits.photo.added", org=service.org, target=service)
    return record


# Counting views: one upsert on the service's day row. The table name is our own model's.
_DAY_TABLE = ServiceDay._meta.db_table
_DAY_UPSERT = (
    f"INSERT INTO {_DAY_TABLE} (service_id, day, views) VALUES (%s, %s, 1) "  # noqa: S608
    f"ON CONFLICT (service_id, day) DO UPDATE SET views = {_DAY_TABLE}.views + 1"
)


@transaction.atomic
def record_view(*, service: Service, at: datetime | None = None) -> None:
    """Someone opened the service's page: +1 on its day and on the managing org's
    benefits.views tally, together. The org is read under the service's row lock, so a view
    counted while the service changes hands lands where update_service moved its views."""
    day = tallies.local_day(at)
    org_id = (
        Service.objects.select_for_update(no_key=True)
        .values_list("org_id", flat=True)
        .get(pk=service.pk)
    )
    with connection.cursor() as cursor:
        cursor.execute(_DAY_UPSERT, [service.pk, day])
    tallies.count(org_id, metrics.VIEWS, on=day)


# --- offers ----------------------------------------------------------------------------------


def _clean_offer(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = _stripped(values, OFFER_FIELDS)
    if not cleaned.get("title"):
        raise _field_error("title", "title_required", _("Say what the member gets."))
    check_fields(cleaned, lines=("title",), texts=("terms",))
    if cleaned.get("kind") not in Offer.Kind.values:
        raise _field_error("kind", "invalid_choice", _("Choose one of the options."))
    quota = cleaned.get("quota")
    if quota is not None and quota < 1:
        raise _field_error("quota", "invalid_quota", _("A quota is at least 1 (blank: unlimited)."))
    cleaned.setdefault("per_member_limit", 1)
    if (cleaned.get("per_member_limit") or 0) < 1:
        raise _field_error(
            "per_member_limit", "invalid_limit", _("Each member may claim at least once.")
        )
    opens, closes = cleaned.get("claims_open_at"), cleaned.get("claims_close_at")
    if not opens or not closes or closes <= opens:
        raise _field_error(
            "claims_close_at", "claim_window", _("Claiming must close after it opens.")
        )
    until = cleaned.get("redeem_until")
    if until is not None and until < opens:
        raise _field_error(
            "redeem_until", "redeem_window", _("Claims must stay usable after claiming opens.")
        )
    return cleaned


def _check_shares(
    actor: User, service: Service, quota: int | None, shares: list[tuple[Org, int]]
) -> None:
    if len(shares) > MAX_SHARES:
        raise _field_error(
            "shares", "too_many_shares", _("At most %(n)d shares.") % {"n": MAX_SHARES}
        )
    paths = sorted(org.path for org, _n in shares)
    if len(set(paths)) != len(paths):
        raise _field_error("shares", "share_twice", _("Each organisation gets one share."))
    for above, below in pairwise(paths):
        if below.startswith(above):
            # A member under both would not know which share they draw from.
            raise _field_error(
                "shares",
                "shares_overlap",
                _("Shares cannot be for an organisation and one below it."),
            )
    for org, n in shares:
        require(actor, "benefits.manage", org.path)
        if n < 1 or (quota is not None and n > quota):
            raise _field_error(
                "shares", "invalid_share", _("Each share is between 1 and the total quota.")
            )


@transaction.atomic
def create_offer(
    *, actor: User, service: Service, shares: list[tuple[Org, int]] | None = None,
    publish: bool = False, **values: Any,
) -> Offer:  # fmt: skip
    """Add an offer to a service (benefits.manage at the service's org), optionally split
    into shares for the members of some orgs' subtrees."""
    require(actor, "benefits.manage", service.org.path)
    cleaned = _clean_offer(values)
    shares = shares or []
    _check_shares(actor, service, cleaned.get("quota"), shares)
    offer = Offer.objects.create(
        service=service, created_by=actor,
        status=Offer.Status.PUBLISHED if publish else Offer.Status.DRAFT,
        published_at=timezone.now() if publish else None, **cleaned,
    )  # fmt: skip
    OfferQuota.objects.bulk_create([OfferQuota(offer=offer, org=org, quota=n) for org, n in shares])
    audit.record(
        actor=actor, action="benefits.offer.created", org=service.org, target=offer,
        changes={"title": offer.title, "quota": offer.quota, "published": publish,
                 "shares": {org.pk: n for org, n in shares}},
    )  # fmt: skip
    return offer


@transaction.atomic
def update_offer(
    *, actor: User, offer: Offer, expected_version: int,
    shares: list[tuple[Org, int]] | None = None, **values: Any,
) -> Offer:  # fmt: skip
    """Edit an offer (benefits.manage). Quotas never drop below what is already claimed; once
    anything is claimed the shares keep their organisations (their sizes may change)."""
    service = offer.service
    require(actor, "benefits.manage", service.org.path)
    cleaned = _clean_offer(values)
    shares = shares or []
    _check_shares(actor, service, cleaned.get("quota"), shares)
    # Locked: no claim may take a place between the checks below and the update.
    current = Offer.objects.select_for_update().get(pk=offer.pk)
    if current.version != expected_version:
        raise ConflictError(
            "stale", _("Someone else changed this offer meanwhile; reload it and try again.")
        )
    quota = cleaned.get("quota")
    if quota is not None and quota < current.claimed:
        message = _("%(n)d are claimed already; the quota cannot be lower.") % {
            "n": current.claimed
        }
        raise DomainError("quota_below_claimed", message, fields={"quota": [message]})
    existing = {q.org_id: q for q in OfferQuota.objects.filter(offer=current)}
    wanted = {org.pk: n for org, n in shares}
    if current.claimed and set(existing) != set(wanted):
        raise _field_error(
            "shares", "shares_fixed",
            _("Members have claimed already: the shares keep their organisations."),
        )  # fmt: skip
    for org_id, share in existing.items():
        if org_id in wanted and wanted[org_id] < share.claimed:
            raise _field_error(
                "shares", "quota_below_claimed",
                _("A share cannot be lower than what its members claimed (%(n)d).")
                % {"n": share.claimed},
            )  # fmt: skip
    before = {name: getattr(current, name) for name in cleaned}
    Offer.objects.filter(pk=current.pk).update(version=F("version") + 1, **cleaned)
    OfferQuota.objects.filter(offer=current).exclude(org_id__in=wanted).delete()
    for org, n in shares:
        if org.pk in existing:
            OfferQuota.objects.filter(pk=existing[org.pk].pk).update(quota=n)
        else:
            OfferQuota.objects.create(offer=current, org=org, quota=n)
    current.refresh_from_db()
    changes = audit.diff(before, cleaned)
    if {k: q.quota for k, q in existing.items()} != wanted:
        changes["shares"] = [{str(k): q.quota for k, q in existing.items()},
                             {str(k): n for k, n in wanted.items()}]  # fmt: skip
    audit.record(
        actor=actor, action="benefits.offer.updated", org=service.org, target=current,
        changes=changes,
    )  # fmt: skip
    return current


@transaction.atomic
def set_offer_status(*, actor: User, offer: Offer, status: str) -> Offer:
    """Publish an offer, or withdraw it (benefits.manage): a withdrawn offer takes no more
    claims and its claims can no longer be redeemed."""
    require(actor, "benefits.manage", offer.service.org.path)
    _change_status(
        Offer.objects.filter(pk=offer.pk),
        status,
        unchanged=_("The offer is already in that state."),
    )
    offer.refresh_from_db()
    published = status == Publishable.Status.PUBLISHED
    action = "benefits.offer.published" if published else "benefits.offer.withdrawn"
    audit.record(actor=actor, action=action, org=offer.service.org, target=offer)
    return offer


# --- claiming --------------------------------------------------------------------------------


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
            "not_open", _("Claiming opens at %(time)s.") % {"time": _fmt(offer.claims_open_at)}
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
    shares = list(OfferQuota.objects.filter(offer=offer).values_list("pk", "org__path", "quota",
                                                                       "claimed"))  # fmt: skip
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
            offer=offer, member=member, seq=held + 1, org_id=member.org_id, share_id=share_id,
            claimed_at=now,
        )  # fmt: skip
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


# --- redemption at the provider (核销) ---------------------------------------------------------


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
        "offer", "offer__service", "offer__service__provider", "offer__service__audience_org",
        "member", "member__org",
    ).only(
        "pk", "status", "claimed_at", "redeemed_at", "org_id", "offer_id", "member_id",
        "offer__title", "offer__status", "offer__redeem_until", "offer__code_secret",
        "offer__service__title", "offer__service__status", "offer__service__valid_from",
        "offer__service__valid_until", "offer__service__audience",
        "offer__service__audience_org__path", "offer__service__audience_org__name",
        "offer__service__provider_id", "offer__service__provider__is_active",
        "offer__service__org_id",
        *(f"member__{name}" for name in MEMBER_COLUMNS if name != "pk"),
        "member__org__path",
    )  # fmt: skip


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
            "time": _fmt(claim.redeemed_at)
        }
    service = claim.offer.service
    if claim.offer.status != Offer.Status.PUBLISHED:
        return "offer_withdrawn", _("This offer has been withdrawn.")
    if service.status != Service.Status.PUBLISHED or not service.provider.is_active:
        return "service_withdrawn", _("This service is no longer offered.")
    until = usable_until(claim)
    if until is not None and at > until:
        return "expired", _("This offer expired at %(time)s.") % {"time": _fmt(until)}
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
        ok=False, code=code, message=message, member_name=mask_name(claim.member.name),
        offer_title=claim.offer.title, claim_id=claim.pk,
        usable_until=_iso(usable_until(claim)), redeemed_at=_iso(claim.redeemed_at),
    )  # fmt: skip


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
            ok=True, code="claim", message=state.message, kind="claim",
            member_name=mask_name(claim.member.name), claims=[state],
        )  # fmt: skip
    found = _member_by_card(code)
    if isinstance(found, Redemption):
        return Inspection(ok=False, code=found.code, message=found.message)
    claims = _claims_at(provider, found)
    if not claims:
        return Inspection(
            ok=False, code="no_claim", member_name=mask_name(found.name),
            message=_("This member has claimed no offer of yours."),
        )  # fmt: skip
    return Inspection(
        ok=True, code="card", message=_("Choose the offer to redeem."), kind="card",
        member_name=mask_name(found.name), claims=[_state(c, at) for c in claims],
    )  # fmt: skip


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
            ok=False, code="already_redeemed",
            message=_("Already used at %(time)s.") % {"time": _fmt(first)},
            member_name=mask_name(claim.member.name), offer_title=claim.offer.title,
            claim_id=claim.pk, usable_until=_iso(usable_until(claim)), redeemed_at=_iso(first),
        )  # fmt: skip
    Offer.objects.filter(pk=claim.offer_id).update(redeemed=F("redeemed") + 1)
    tallies.count(claim.org_id, metrics.REDEMPTIONS, on=at)
    return Redemption(
        ok=True, code="redeemed", message=_("Redeemed."), member_name=mask_name(claim.member.name),
        offer_title=claim.offer.title, claim_id=claim.pk,
        usable_until=_iso(usable_until(claim)), redeemed_at=_iso(at),
    )  # fmt: skip


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
