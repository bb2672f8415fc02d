"""The OpenAPI 3 description of the partner API (served at /api/v1/openapi.json; tests validate requests
and answers against its schemas)."""

from __future__ import annotations

from index.casework.tips import CATEGORIES, MAX_DESCRIPTION, MAX_URLS

ERROR = {"type": "object", "required": ["error"], "additionalProperties": False,
         "properties": {"error": {"type": "string"}}}
TIP_REQUEST = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "urls": {"type": "array", "maxItems": MAX_URLS,
                 "items": {"type": "string", "pattern": "^https?://", "maxLength": 2048}},
        "description": {"type": "string", "maxLength": MAX_DESCRIPTION},
        "category": {"type": "string", "enum": list(CATEGORIES)},
        "disclosure": {"type": "boolean", "description": "It tells of abuse of a specific child."},
        "contact": {"type": "string", "maxLength": 300},
    },
    "anyOf": [{"required": ["urls"]}, {"required": ["description"]}],
}
TIP_CREATED = {"type": "object", "required": ["reference", "status"], "additionalProperties": False,
               "properties": {"reference": {"type": "string", "pattern": "^TB-[0-9]{4}-[0-9]{5}$"},
                              "status": {"type": "string", "enum": ["received"]}}}


def _error(description: str) -> dict:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def document(server_url: str = "/") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {"title": "SafeWatch partner API", "version": "1.0.0",
                 "description": "Partner units and platforms report content harmful to children. Each partner "
                                "holds an API key (`safewatch partners add NAME`) sent as a Bearer token."},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"partnerKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"TipRequest": TIP_REQUEST, "TipCreated": TIP_CREATED, "Error": ERROR},
        },
        "security": [{"partnerKey": []}],
        "paths": {
            "/api/v1/tips": {"post": {
                "operationId": "createTip", "summary": "Report content (a tip)",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/TipRequest"},
                    "example": {"urls": ["https://example.com/post/1"], "description": "An adult asks a "
                                "13-year-old for photos.", "category": "grooming"}}}},
                "responses": {
                    "201": {"description": "Recorded", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/TipCreated"}}}},
                    "400": _error("The request is not a valid tip; `error` says why."),
                    "401": _error("No API key, or an unknown or revoked one."),
                    "415": _error("The body is not JSON."),
                },
            }},
        },
    }
