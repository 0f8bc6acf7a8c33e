"""Running the service directory: staff edit categories, providers and their accounts,
services (each view counted) and the offers members claim. Claiming is `claiming`,
redemption at the provider (核销) `redeeming`."""

import secrets
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gonghui.accounts.models import User
from gonghui.benefits import metrics
from gonghui.benefits.models import (
    BUILT_IN_CATEGORIES,
    Audience,
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
from gonghui.core import audit
from gonghui.core.errors import ConflictError, DomainError
from gonghui.core.images import prepare_photo
from gonghui.core.scoping import require
from gonghui.core.text import check_fields
from gonghui.orgs import tallies
from gonghui.orgs.models import Org

MAX_SHARES = 50
PROVIDER_FIELDS = (
    "name",
    "kind",
    "description",
    "contact_name",
    "contact_phone",
    "address",
    "website",
)
SERVICE_FIELDS = (
    "category",
    "title",
    "summary",
    "description",
    "address",
    "district",
    "street",
    "opening_hours",
    "link",
    "phone",
    "on_site",
    "audience",
    "valid_from",
    "valid_until",
)
OFFER_FIELDS = (
    "title",
    "kind",
    "terms",
    "quota",
    "per_member_limit",
    "claims_open_at",
    "claims_close_at",
    "redeem_until",
)


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
        actor=actor,
        action="benefits.category.created",
        org=org,
        target=category,
        changes={"name": category.name},
    )
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
        actor=actor,
        action="benefits.provider.created",
        org=org,
        target=provider,
        changes={"name": provider.name},
    )
    return provider


@transaction.atomic
def update_provider(
    *,
    actor: User,
    provider: Provider,
    expected_version: int,
    org: Org,
    is_active: bool = True,
    **values: Any,
) -> Provider:
    """Edit a provider (benefits.manage at its org, and at the new one if it moves); a stale
    form is refused. An inactive provider's services leave the directory and its accounts
    cannot redeem."""
    require(actor, "benefits.manage", provider.org.path)
    require(actor, "benefits.manage", org.path)
    cleaned = _clean_provider(values)
    before = {
        "org": provider.org_id,
        "is_active": provider.is_active,
        **{name: getattr(provider, name) for name in cleaned},
    }
    updated = Provider.objects.filter(pk=provider.pk, version=expected_version).update(
        org=org, is_active=is_active, version=F("version") + 1, **cleaned
    )
    if not updated:
        raise ConflictError(
            "stale", _("Someone else changed this provider meanwhile; reload it and try again.")
        )
    provider.refresh_from_db()
    audit.record(
        actor=actor,
        action="benefits.provider.updated",
        org=provider.org,
        target=provider,
        changes=audit.diff(before, {"org": org.pk, "is_active": is_active, **cleaned}),
    )
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
        actor=actor,
        action="benefits.provider_account.created",
        org=provider.org,
        target=account,
        changes={"username": username, "provider": provider.pk},
    )
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
    *,
    actor: User,
    provider: Provider,
    org: Org,
    audience_org: Org | None = None,
    publish: bool = False,
    **values: Any,
) -> Service:
    """Add a service of `provider`, managed by `org` (benefits.manage at both the provider's
    org and `org`), as a draft or published."""
    require(actor, "benefits.manage", provider.org.path)
    require(actor, "benefits.manage", org.path)
    cleaned, audience_org = _clean_service(actor, org, values, audience_org)
    service = Service.objects.create(
        provider=provider,
        org=org,
        audience_org=audience_org,
        created_by=actor,
        status=Service.Status.PUBLISHED if publish else Service.Status.DRAFT,
        published_at=timezone.now() if publish else None,
        **cleaned,
    )
    audit.record(
        actor=actor,
        action="benefits.service.created",
        org=org,
        target=service,
        changes={"title": service.title, "published": publish},
    )
    return service


@transaction.atomic
def update_service(
    *,
    actor: User,
    service: Service,
    expected_version: int,
    provider: Provider,
    org: Org,
    audience_org: Org | None = None,
    **values: Any,
) -> Service:
    """Edit a service (benefits.manage at its org and at the new org and provider); a stale
    form is refused."""
    require(actor, "benefits.manage", service.org.path)
    require(actor, "benefits.manage", org.path)
    require(actor, "benefits.manage", provider.org.path)
    cleaned, audience_org = _clean_service(actor, org, values, audience_org)
    before = {
        "provider": service.provider_id,
        "org": service.org_id,
        "audience_org": service.audience_org_id,
        **{name: getattr(service, name) for name in cleaned},
    }
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
    after = {
        "provider": provider.pk,
        "org": org.pk,
        "audience_org": audience_org.pk if audience_org else None,
        **cleaned,
    }
    audit.record(
        actor=actor,
        action="benefits.service.updated",
        org=service.org,
        target=service,
        changes=audit.diff(before, after),
    )
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
        service=service,
        caption=caption.strip()[:200],
        width=photo.width,
        height=photo.height,
        uploaded_by=actor,
    )
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
    *,
    actor: User,
    service: Service,
    shares: list[tuple[Org, int]] | None = None,
    publish: bool = False,
    **values: Any,
) -> Offer:
    """Add an offer to a service (benefits.manage at the service's org), optionally split
    into shares for the members of some orgs' subtrees."""
    require(actor, "benefits.manage", service.org.path)
    cleaned = _clean_offer(values)
    shares = shares or []
    _check_shares(actor, service, cleaned.get("quota"), shares)
    offer = Offer.objects.create(
        service=service,
        created_by=actor,
        status=Offer.Status.PUBLISHED if publish else Offer.Status.DRAFT,
        published_at=timezone.now() if publish else None,
        **cleaned,
    )
    OfferQuota.objects.bulk_create([OfferQuota(offer=offer, org=org, quota=n) for org, n in shares])
    audit.record(
        actor=actor,
        action="benefits.offer.created",
        org=service.org,
        target=offer,
        changes={
            "title": offer.title,
            "quota": offer.quota,
            "published": publish,
            "shares": {org.pk: n for org, n in shares},
        },
    )
    return offer


@transaction.atomic
def update_offer(
    *,
    actor: User,
    offer: Offer,
    expected_version: int,
    shares: list[tuple[Org, int]] | None = None,
    **values: Any,
) -> Offer:
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
            "shares",
            "shares_fixed",
            _("Members have claimed already: the shares keep their organisations."),
        )
    for org_id, share in existing.items():
        if org_id in wanted and wanted[org_id] < share.claimed:
            raise _field_error(
                "shares",
                "quota_below_claimed",
                _("A share cannot be lower than what its members claimed (%(n)d).")
                % {"n": share.claimed},
            )
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
        changes["shares"] = [
            {str(k): q.quota for k, q in existing.items()},
            {str(k): n for k, n in wanted.items()},
        ]
    audit.record(
        actor=actor,
        action="benefits.offer.updated",
        org=service.org,
        target=current,
        changes=changes,
    )
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
