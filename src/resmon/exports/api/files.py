"""How the OpenAPI schema describes a file download."""

from __future__ import annotations


def file_response(content_type: str) -> dict:
    """``openapi_extra`` for an endpoint whose 200 is a file of ``content_type``, as an attachment."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        "responses": {200: {"description": "The file, as an attachment", "content": {content_type: binary}}}
    }
