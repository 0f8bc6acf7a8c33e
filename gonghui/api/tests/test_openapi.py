"""The published OpenAPI document is valid and names each schema once."""

import enum
import typing
from collections import defaultdict
from typing import Any

from django.test import Client
from openapi_spec_validator import validate
from pydantic import BaseModel

from gonghui.api.api import api
from gonghui.api.benefits import OfferKind, ProviderKind, ServiceAudience
from gonghui.benefits.models import Audience, Offer, Provider


def _models_in(annotation: Any, found: set[type]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
        if annotation in found:
            return
        found.add(annotation)
        if issubclass(annotation, BaseModel):
            for field in annotation.model_fields.values():
                _models_in(field.annotation, found)
        return
    for argument in typing.get_args(annotation):
        _models_in(argument, found)


def _every_model() -> set[type]:
    found: set[type] = set()
    for router in api._get_bound_routers():  # the routers as mounted; no public accessor
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _models_in(model, found)
                for model in operation.response_models.values():
                    _models_in(model, found)
    return found


def test_the_published_document_is_valid_openapi(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    validate(response.json())


def test_every_schema_name_belongs_to_one_class():
    # ninja files every schema under its class name, so two classes of one name would merge
    # silently and one of them would be described wrongly in the published document.
    by_name: dict[str, set[str]] = defaultdict(set)
    for model in _every_model():
        if model.__module__.startswith("gonghui."):
            by_name[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    duplicated = {name: sorted(where) for name, where in by_name.items() if len(where) > 1}
    assert duplicated == {}
    # …and the walk did find our schemas, each of them a component of the document.
    components = set(api.get_openapi_schema()["components"]["schemas"])
    assert {"ActivityOut", "ActivityFiguresOut", "CoverageOut", "CoverageTileOut"} <= components
    assert set(by_name) <= components


def test_the_benefits_choices_are_the_models_own():
    assert sorted(typing.get_args(ServiceAudience)) == sorted(Audience.values)
    assert sorted(typing.get_args(ProviderKind)) == sorted(Provider.Kind.values)
    assert sorted(typing.get_args(OfferKind)) == sorted(Offer.Kind.values)
