"""Staff sign in with a username or their mobile number, and a password."""

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from gonghui.accounts import lockout
from gonghui.accounts.models import User


class StaffPasswordBackend(ModelBackend):
    """Checks a password only. Pages sign staff in through `accounts.actions.sign_in_with_password`,
    which adds the lockout and the second factor; this backend is what `login()` records."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = lockout.find_account(username)
        if lockout.password_matches(user, password) and self.user_can_authenticate(user):
            return user
        return None
