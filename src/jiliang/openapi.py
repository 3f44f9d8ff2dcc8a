"""What every API operation shares in the OpenAPI document: who may call it and how it fails.

Why one place: the API's authentication (accounts.api_auth.SessionOrToken) and its error
handlers (jiliang.api) are global, so any operation can answer 401 for a bad token, 422 for a
parameter outside its schema, 400/403/404/409 from a service's refusal. Declaring them here,
after ninja has built the document, keeps the contract true for endpoints that other modules
add without each decorator repeating the same six codes.
"""

from __future__ import annotations

import re
from typing import Any

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": (
            "An API token from /account/tokens/ or `jiliang token USER` (jl_…). It expires "
            "(90 days unless chosen at issue) and can be revoked; an unknown, expired or "
            "revoked token gives 401 on every operation."
        ),
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "sessionid",
        "description": (
            "The web login's session. POST/PUT/PATCH/DELETE also need the csrftoken cookie's "
            "value in the X-CSRFToken header (403 without it)."
        ),
    },
}

# Anonymous calls are allowed everywhere ({}): they see the public registers only, and an
# operation that needs a user answers 401 itself.
SECURITY: list[dict[str, list[str]]] = [{}, {"bearerToken": []}, {"sessionCookie": []}]
# Private operations (accounts.api_auth.api_user without anonymous=True) answer an anonymous
# call 401 instead of an empty 200 (issue 13 §6): they offer no anonymous alternative.
SIGNED_IN: list[dict[str, list[str]]] = [{"bearerToken": []}, {"sessionCookie": []}]

# (methods or "*", path pattern) of the operations that need a user. Kept beside the runtime
# rule (api_user) rather than derived from it: ninja has built the document before any call.
PRIVATE_OPERATIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (methods, re.compile(pattern))
    for methods, pattern in (
        ("*", r"^/api/(instruments|certificates|people|customers|imports)(/|$)"),
        ("*", r"^/api/(due|changes/.*)$"),
        ("*", r"^/api/standards/\{pk\}/(trace-up|trace-down|impact)$"),
        ("*", r"^/api/calibration/(jobs|recalls|dcc|numbering|certificates)(/|$)"),
        ("post", r"^/api/calibration/procedures$"),
        ("*", r"^/api/taximeters/(meters|alerts|campaigns)(/|$)"),
        ("post", r"^/api/taximeters/packages$"),
        ("*", r"^/api/(lots/lots|lots/groups|intervals|comparisons|notices)(/|$)"),
        ("post", r"^/api/ledger/witness$"),
    )
)


def is_private(method: str, path: str) -> bool:
    """Whether the operation needs a signed-in user (see PRIVATE_OPERATIONS)."""
    return any(
        (methods == "*" or method in methods.split(",")) and pattern.search(path)
        for methods, pattern in PRIVATE_OPERATIONS
    )


ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "properties": {
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "errors": {
            "type": "array",
            "items": {"type": "object", "additionalProperties": True},
            "description": "one entry per problem: field (or file/row) and reason",
        },
    },
    "required": ["detail"],
}

ERRORS: dict[str, str] = {
    "400": "Refused by a rule of the platform, or a number/date out of range; nothing changed",
    "401": "A bearer token that is unknown, expired or revoked, or a login is needed",
    "403": "The user's role or institution may not do this (or the CSRF header is missing)",
    "404": "No such object, or not visible to this user",
    "409": "The state or the rules in force do not allow it (e.g. no rule on that date)",
    "422": "A parameter or body field does not match its schema (errors name each field)",
}

# Answered by the server before the application sees the request (gunicorn's
# limit_request_line, jiliang.serving): a query string past it is refused as a whole.
URI_TOO_LONG = {
    "description": "The request line is longer than the server accepts (4,094 bytes)",
    "content": {"text/html": {"schema": {"type": "string"}}},
}


def file_response(*media_types: str, code: int = 200) -> dict[str, Any]:
    """`openapi_extra` of an operation that answers a file (PDF, XML, PEM, text) with `code`.

    ninja declares every success as JSON; a download or a signed note declares its own media
    types instead, so a client (and schemathesis' content-type check) knows what comes back.
    """
    body = {"schema": {"type": "string"}}
    return {
        "responses": {
            code: {"description": "the file", "content": dict.fromkeys(media_types, body)}
        }
    }


def declare(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the security schemes and the shared error responses to every operation."""
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
    components.setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch", "head", "options"}:
                continue
            operation.setdefault("security", SIGNED_IN if is_private(method, path) else SECURITY)
            _form_fields_are_never_null(operation)
            takes_input = bool(operation.get("parameters") or operation.get("requestBody"))
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                if code == "422" and not takes_input:
                    continue
                if code in responses or int(code) in responses:
                    continue
                responses[code] = {"description": description, "content": error}
            if operation.get("parameters"):
                responses.setdefault("414", URI_TOO_LONG)
    return schema


def _form_fields_are_never_null(operation: dict[str, Any]) -> None:
    """A multipart or urlencoded field is absent or a string: it cannot carry JSON's null.

    ninja writes an optional form field (`instrument_id: int | None = None`) as
    anyOf [integer, null]; a client that believes the null sends the text "null", which the
    field then refuses (422). Absent is how a form says None, so the null goes.
    """
    content = operation.get("requestBody", {}).get("content", {})
    for media, body in content.items():
        if media not in {"multipart/form-data", "application/x-www-form-urlencoded"}:
            continue
        for prop in body.get("schema", {}).get("properties", {}).values():
            choices = prop.get("anyOf")
            if isinstance(choices, list) and {"type": "null"} in choices:
                rest = [c for c in choices if c != {"type": "null"}]
                del prop["anyOf"]
                if len(rest) == 1:
                    prop.update(rest[0])
                else:
                    prop["anyOf"] = rest
