"""The one error type business operations raise."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A refused operation, with a machine-readable code and a message for the user.

    `fields` maps a form field name to its messages when the refusal is about one input.
    """

    status = 400

    def __init__(
        self,
        code: str,
        message: str | Promise,
        *,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.fields = fields or {}


class NotFoundError(DomainError):
    """Missing and forbidden look the same from outside."""

    status = 404


class PermissionDeniedError(DomainError):
    """The actor may see the object but not do this to it."""

    status = 403


class ConflictError(DomainError):
    """The object changed since the actor read it (a stale form), or a unique thing exists."""

    status = 409
