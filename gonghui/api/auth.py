"""API authentication: bearer tokens for integrations and staff scripts; the browser session
(with its CSRF check) for pages that call the API."""

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from gonghui.accounts.models import User
from gonghui.accounts.tokens import authenticate_token


def api_user(request: HttpRequest) -> User:
    """The caller of an operation behind AUTH, typed as our User (AUTH let no one else in)."""
    assert isinstance(request.user, User)
    return request.user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


AUTH = [TokenAuth(), ActiveSessionAuth()]


def optional_user(request: HttpRequest) -> Any:
    """The caller of an operation open to everyone (auth=None): the token's user when a valid
    bearer token is sent, else the session's user (anonymous when signed out), so that a
    member's app sees what is open to the member, and a stranger what is public."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        user = authenticate_token(header.removeprefix("Bearer ").strip())
        if user is not None:
            return user
    return request.user
