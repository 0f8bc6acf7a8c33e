"""What the permission matrix (accounts/tests/test_permission_matrix.py) needs for the benefits
endpoints: a provider managed by the target org T with a service (for members), an offer, a
photo, a redemption account and a claim by the matrix's member, made on first use."""

import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gonghui.accounts.models import User
from gonghui.benefits import actions, claiming
from gonghui.benefits.models import (
    Claim,
    Offer,
    Provider,
    ProviderAccount,
    Service,
    ServiceCategory,
    ServicePhoto,
)

PROVIDER = "被测服务商"
SERVICE = "被测服务"


@dataclass
class Objects:
    provider: Provider
    service: Service
    offer: Offer
    photo: ServicePhoto
    account: ProviderAccount
    claim: Claim
    code: str


def objects_of(ctx: Any) -> Objects:
    """The benefits objects of a matrix context, created once per context."""
    found: Objects | None = getattr(ctx, "_benefits", None)
    if found is not None:
        return found
    operator = User.objects.filter(is_superuser=True).earliest("pk")
    provider = actions.create_provider(
        actor=operator, org=ctx.target, name=PROVIDER, kind="enterprise", contact_phone="010-1"
    )
    service = actions.create_service(
        actor=operator,
        provider=provider,
        org=ctx.target,
        category="mental_care",
        title=SERVICE,
        phone="010-2",
        audience="members",
        publish=True,
    )
    now = timezone.now()
    offer = actions.create_offer(
        actor=operator,
        service=service,
        title="被测优惠",
        kind="coupon",
        quota=10,
        claims_open_at=now - timedelta(hours=1),
        claims_close_at=now + timedelta(days=1),
        publish=True,
    )
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, format="JPEG")
    photo = actions.add_service_photo(
        actor=operator,
        service=service,
        upload=SimpleUploadedFile("s.jpg", buffer.getvalue(), content_type="image/jpeg"),
    )
    account = actions.create_provider_account(
        actor=operator,
        provider=provider,
        username="matrix_desk",
        name="被测核销员",
        password="Matrix-Desk-Pass-2026",
    )
    loaded = Offer.objects.select_related(
        "service", "service__provider", "service__audience_org"
    ).get(pk=offer.pk)
    claim = claiming.claim_offer(member=ctx.member, offer=loaded)
    found = Objects(provider, service, offer, photo, account, claim, claiming.code_of(claim))
    ctx._benefits = found
    return found


def after(ctx: Any, path: str) -> str:
    """`path`, once the objects exist (a list must have them to show or hide them)."""
    objects_of(ctx)
    return path


def service_form(ctx: Any, **values: Any) -> dict[str, Any]:
    return {
        "provider": objects_of(ctx).provider.pk,
        "org": ctx.target.pk,
        "category": "leisure",
        "title": "新建服务",
        "on_site": "到店出示会员卡",
        "audience": "members",
        "audience_org": "",
        **values,
    }


def offer_form(ctx: Any, **values: Any) -> dict[str, Any]:
    now = timezone.localtime()
    return {
        "title": "新建优惠",
        "kind": "discount",
        "quota": 20,
        "per_member_limit": 1,
        "claims_open_at": now.strftime("%Y-%m-%dT%H:%M"),
        "claims_close_at": (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        **values,
    }


def offer_json(ctx: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "service_id": objects_of(ctx).service.pk,
        "title": "接口新建优惠",
        "kind": "ticket",
        "claims_open_at": now.isoformat(),
        "claims_close_at": (now + timedelta(days=1)).isoformat(),
    }


def provider_form(ctx: Any, **values: Any) -> dict[str, Any]:
    return {"org": ctx.target.pk, "name": "新建服务商", "kind": "government", **values}


def service_titled(title: str) -> Any:
    return lambda ctx: Service.objects.filter(title=title).exists()


def offer_titled(title: str) -> Any:
    return lambda ctx: Offer.objects.filter(title=title).exists()


def provider_named(name: str) -> Any:
    return lambda ctx: Provider.objects.filter(name=name).exists()


def service_withdrawn(ctx: Any) -> bool:
    return Service.objects.get(pk=objects_of(ctx).service.pk).status == "withdrawn"


def offer_withdrawn(ctx: Any) -> bool:
    return Offer.objects.get(pk=objects_of(ctx).offer.pk).status == "withdrawn"


def account_created(ctx: Any) -> bool:
    return ProviderAccount.objects.filter(user__username="new_desk").exists()


def account_locked(ctx: Any) -> bool:
    return not User.objects.get(pk=objects_of(ctx).account.user_id).is_active


def category_added(ctx: Any) -> bool:
    return ServiceCategory.objects.filter(name="被测类别").exists()
