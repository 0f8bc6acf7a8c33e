"""Covering indexes that degrade gracefully where the database has none.

PostgreSQL can store extra, non-key columns in an index (`INCLUDE (...)`), so a query that
reads only those columns is answered from the index alone (an index-only scan). Django's own
`include=` does that, but on SQLite it drops a unique constraint altogether and warns about an
index (models.W039/W040, which `check --fail-level` turns into failures). These variants take
the extra columns as `covering=` instead: on PostgreSQL they are included, elsewhere the
constraint or index is created with its key columns only, same name, same uniqueness.
"""

from collections.abc import Sequence
from typing import Any

from django.db import models


def _covers(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.features.supports_covering_indexes)


class CoveringUniqueConstraint(models.UniqueConstraint):
    """A unique constraint whose index also carries `covering` columns where it can."""

    def __init__(self, *args: Any, covering: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.covering = tuple(covering)

    def _as_built(self, schema_editor: Any) -> models.UniqueConstraint:
        include = self.covering if _covers(schema_editor) else ()
        return models.UniqueConstraint(fields=self.fields, name=self.name, include=include)

    def constraint_sql(self, model: Any, schema_editor: Any) -> Any:
        return self._as_built(schema_editor).constraint_sql(model, schema_editor)

    def create_sql(self, model: Any, schema_editor: Any) -> Any:
        return self._as_built(schema_editor).create_sql(model, schema_editor)

    def remove_sql(self, model: Any, schema_editor: Any) -> Any:
        return self._as_built(schema_editor).remove_sql(model, schema_editor)

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        kwargs["covering"] = self.covering
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CoveringUniqueConstraint)
            and super().__eq__(other)
            and self.covering == other.covering
        )


class CoveringIndex(models.Index):
    """An index that also carries `covering` columns where it can."""

    def __init__(self, *args: Any, covering: Sequence[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.covering = tuple(covering)

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        if _covers(schema_editor):
            built = models.Index(fields=self.fields, name=self.name, include=self.covering)
            return built.create_sql(model, schema_editor, using=using, **kwargs)
        return super().create_sql(model, schema_editor, using=using, **kwargs)

    def deconstruct(self) -> Any:
        path, args, kwargs = super().deconstruct()
        kwargs["covering"] = self.covering
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, CoveringIndex)
            and super().__eq__(other)
            and self.covering == other.covering
        )
