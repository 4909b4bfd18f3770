"""OpenAPI naming: a partial (PATCH) schema gets its own component name instead of a clash."""

from __future__ import annotations

from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls


def schema_name(schema: object) -> str:
    cls = resolve_schema_cls(schema)
    name = cls.__name__.removesuffix("Schema")  # type: ignore[union-attr]
    return f"{name}Patch" if getattr(schema, "partial", False) else name


def marshmallow_plugin() -> MarshmallowPlugin:
    return MarshmallowPlugin(schema_name_resolver=schema_name)
