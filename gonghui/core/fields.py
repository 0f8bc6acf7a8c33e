"""Model fields for personal data: an encrypted value and its keyed lookup hash."""

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Expression

from gonghui.core import crypto
from gonghui.core.personal import PersonalText


# The model field classes are generic only in django-stubs; subscripting them fails at run time.
class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """Stores AES-GCM ciphertext; reads back a PersonalText whose repr is masked.

    Filtering on this column cannot work (each value has a fresh nonce): filter on the
    LookupHashField beside it instead.
    """

    def __init__(self, *args: Any, kind: str = "text", **kwargs: Any) -> None:
        self.kind = kind
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["kind"] = self.kind
        return name, path, args, kwargs

    def from_db_value(
        self, value: str | None, expression: Expression, connection: BaseDatabaseWrapper
    ) -> str | None:
        if value is None or value == "":
            return value
        return self._wrap(crypto.decrypt(value))

    def _wrap(self, value: str) -> PersonalText:
        text = PersonalText(value)
        text.kind = self.kind
        return text

    def to_python(self, value: Any) -> Any:
        if value is None or isinstance(value, PersonalText):
            return value
        return self._wrap(str(value))

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))


class LookupHashField(models.CharField):  # type: ignore[type-arg]  # see EncryptedTextField
    """HMAC of the value of `source` (an EncryptedTextField on the same model), set on save.

    Equality lookups and unique constraints work on it without decrypting anything. It is
    computed in pre_save, so it stays right for save() and bulk_create(); QuerySet.update() of
    the source must set it too.
    """

    def __init__(self, *args: Any, source: str = "", kind: str = "", **kwargs: Any) -> None:
        self.source = source
        self.kind = kind
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        kwargs["kind"] = self.kind
        kwargs.pop("editable", None)
        if kwargs.get("max_length") == 64:
            kwargs.pop("max_length")
        return name, path, args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        plain = getattr(model_instance, self.source)
        value = crypto.lookup_hash(self.kind, str(plain)) if plain else None
        setattr(model_instance, self.attname, value)
        return value


def lookup_value(kind: str, normalized_value: str) -> str:
    """The hash to filter a LookupHashField by."""
    return crypto.lookup_hash(kind, normalized_value)
