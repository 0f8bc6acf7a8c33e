from typing import Any, ClassVar

from django.contrib.auth.models import (
    AbstractBaseUser,
    AnonymousUser,
    BaseUserManager,
    PermissionsMixin,
)
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from gonghui.accounts.roles import ROLE_CAPABILITIES, TWO_FACTOR_ROLES, Role, roles_with
from gonghui.core import capabilities
from gonghui.core.capabilities import Capability
from gonghui.core.fields import EncryptedTextField, LookupHashField, lookup_value
from gonghui.core.personal import mask_mobile, normalize_mobile
from gonghui.core.scoping import ScopedQuerySet
from gonghui.core.tree import collapse


class UserManager(BaseUserManager["User"]):
    def create_user(
        self, username: str | None = None, password: str | None = None, **extra: Any
    ) -> "User":
        user = self.model(username=username or None, **extra)
        user.set_password(password)
        user.save()
        return user

    def create_superuser(self, username: str, password: str, **extra: Any) -> "User":
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(username, password, **extra)

    def get_by_mobile(self, mobile: str) -> "User":
        return self.get(mobile_hash=lookup_value("mobile", normalize_mobile(mobile)))


class User(AbstractBaseUser, PermissionsMixin):
    """Anyone who signs in: workers (mobile and a one-time code) and staff (password).

    Staff are users with role grants; `is_staff` only opens the Django admin for operators.
    """

    username = models.CharField(_("username"), max_length=40, unique=True, null=True, blank=True)
    name = models.CharField(_("full name"), max_length=60, blank=True)
    mobile = EncryptedTextField(_("mobile number"), kind="mobile", blank=True, default="")
    mobile_hash = LookupHashField(source="mobile", kind="mobile", unique=True, null=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform operator (Django admin)"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Part of every session's auth hash: raising it ends all the user's sessions at their next
    # request ("sign out everywhere", a reset of two-factor sign-in).
    session_generation = models.PositiveIntegerField(default=0)
    # 适老化: larger type on every page, kept on the account so it follows the member to any
    # phone they sign in on (and in a cookie for the pages before they sign in).
    large_text = models.BooleanField(_("large text"), default=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        if self.name:
            return self.name
        if self.username:
            return self.username
        return mask_mobile(self.mobile) if self.mobile else f"#{self.pk}"

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile) if self.mobile else ""

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash of the password, plus the generation once it was ever raised (so the
        # sessions that existed before the field did stay valid).
        basis = self.password
        if self.session_generation:
            basis = f"{self.password}\x00{self.session_generation}"
        key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
        return salted_hmac(key_salt, basis, secret=secret, algorithm="sha256").hexdigest()

    # The permission funnel asks the user object; answers are cached for the request.
    _grant_cache: list[tuple[str, str]] | None = None

    def _grants(self) -> list[tuple[str, str]]:
        if self._grant_cache is None:
            self._grant_cache = list(
                RoleGrant.objects.filter(user=self, org__is_active=True).values_list(
                    "role", "org__path"
                )
            )
        return self._grant_cache

    def scope_paths(self, capability: Capability) -> list[str] | None:
        """Paths of the subtrees where this user holds `capability`; None means everywhere.
        An unknown capability is an error for everyone, superusers included."""
        capabilities.check(capability)
        if not self.is_active:
            return []
        if self.is_superuser:
            return None
        roles = set(roles_with(capability))
        return collapse(path for role, path in self._grants() if role in roles)

    def capabilities_at(self, path: str) -> frozenset[Capability]:
        if self.is_superuser:
            return frozenset[Capability]().union(*ROLE_CAPABILITIES.values())
        found: set[Capability] = set()
        for role, granted in self._grants():
            if path.startswith(granted):
                found |= ROLE_CAPABILITIES[role]
        return frozenset(found)

    @property
    def is_union_staff(self) -> bool:
        return self.is_superuser or bool(self._grants())

    @property
    def requires_two_factor(self) -> bool:
        """Whoever may read unmasked personal data or run imports signs in with a second
        factor (accounts/roles.py, TWO_FACTOR_CAPABILITIES)."""
        if not self.is_active:
            return False
        return self.is_superuser or any(role in TWO_FACTOR_ROLES for role, _path in self._grants())

    def forget_grants(self) -> None:
        self._grant_cache = None


#: Whoever a query answers: a signed-in User, or Django's AnonymousUser, who sees nothing
#: through the funnel. Actions take a User: their callers have signed someone in.
AnyUser = User | AnonymousUser


class RoleGrantQuerySet(ScopedQuerySet["RoleGrant"]):
    org_path_lookup = "org__path"


class RoleGrant(models.Model):
    """`user` holds `role` on `org` and everything below it."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="grants")
    org = models.ForeignKey("orgs.Org", on_delete=models.CASCADE, related_name="grants")
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleGrantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "org", "role"], name="grant_unique"),
        ]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.org}"


class LoginCode(models.Model):
    """A one-time sign-in code sent by SMS. Only its hash is stored."""

    mobile_hash = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"code {self.pk}"


class TotpDevice(models.Model):
    """A staff member's authenticator app (TOTP, RFC 6238). The secret is personal-data
    encrypted; `pending_secret` holds a new one between showing its QR code and the first
    code that confirms it (enrolment, or moving to a new phone)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = EncryptedTextField(kind="totp_secret", blank=True, default="")
    pending_secret = EncryptedTextField(kind="totp_secret", blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The last time step whose code was accepted: that code, and any older, is refused.
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"authenticator of user {self.user_id}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class RecoveryCode(models.Model):
    """A single-use code that stands in for the authenticator app. Only its keyed hash is
    stored; the codes are shown once, when made."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique"),
        ]
        indexes = [
            models.Index(fields=["user"], condition=Q(used_at=None), name="recovery_code_unused"),
        ]

    def __str__(self) -> str:
        return f"recovery code {self.pk}"


class ApiToken(models.Model):
    """A bearer token for the API. Shown once at creation; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=60)
    prefix = models.CharField(max_length=8)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


__all__ = [
    "AnyUser",
    "ApiToken",
    "LoginCode",
    "RecoveryCode",
    "Role",
    "RoleGrant",
    "TotpDevice",
    "User",
]
