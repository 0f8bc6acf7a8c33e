"""Staff sign in with a username or their mobile number, and a password."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gonghui.accounts.models import User
from gonghui.core.errors import DomainError
from gonghui.core.fields import lookup_value
from gonghui.core.personal import normalize_mobile


class StaffPasswordBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = User.objects.filter(username__iexact=username.strip()).first()
        if user is None:
            try:
                mobile_hash = lookup_value("mobile", normalize_mobile(username))
            except DomainError:
                mobile_hash = None
            if mobile_hash:
                user = User.objects.filter(mobile_hash=mobile_hash).first()
        if user is None:
            # Spend the same time as a real check so timing does not reveal accounts.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
