"""Gatekeeping for the staff back office: signed-in union staff only."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from gonghui.accounts.models import User

ViewFunc = Callable[..., HttpResponseBase]


def staff_user(request: HttpRequest) -> User:
    """The signed-in account of a view behind staff_required, typed as our User."""
    assert isinstance(request.user, User)  # staff_required let only signed-in users through
    return request.user


def staff_required(view: ViewFunc) -> ViewFunc:
    """Signed-in union staff only; object-level checks stay in each view's query."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "accounts:staff_login")
        if not getattr(user, "is_union_staff", False):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
