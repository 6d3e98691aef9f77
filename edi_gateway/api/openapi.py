"""The OpenAPI document: FastAPI's, completed with what the routes do not say themselves.
Every error is an RFC 9457 problem (``#/components/schemas/Problem``), and every operation
declares the errors it can give whatever its code: 400 (a NUL character in the path or the
query), 401 and 429 where a key is needed, 404 where the path names a resource, 422 where
there are parameters or a body to validate."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from .problems import PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "422: each invalid parameter",
            "items": {
                "type": "object",
                "properties": {"location": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "limit": {"type": "integer", "description": "413: the configured limit in bytes"},
    },
}

REF = {"$ref": "#/components/schemas/Problem"}
ANY_ROUTE = {"400": "A NUL character in the path or the query string"}
KEYED = {
    "401": "Missing or invalid API key",
    "429": "Too many failed API-key attempts from this address; retry after Retry-After seconds",
}
NAMED = {"404": "No such resource, or not one this key can see"}
VALIDATED = {"422": "Invalid parameters"}
HEADERS = {
    "401": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}},
    "429": {
        "Retry-After": {
            "schema": {"type": "integer", "minimum": 1},
            "description": "Seconds until this address may try a key again",
        }
    },
}


def complete(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the problem schema and the common error responses to a FastAPI document."""
    schemas = schema.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            extra = dict(ANY_ROUTE)
            if operation.get("security"):
                extra |= KEYED
            if "{" in path:
                extra |= NAMED
            if operation.get("parameters") or operation.get("requestBody"):
                extra |= VALIDATED
            for code, description in extra.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code[0] in "45":
                    response["content"] = {PROBLEM: {"schema": REF}}
                    if code in HEADERS:
                        response["headers"] = HEADERS[code]
    # FastAPI's own 422 schemas are replaced by the problem above
    if "#/components/schemas/HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    summary=app.summary,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
