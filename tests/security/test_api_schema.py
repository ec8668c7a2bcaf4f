"""The OpenAPI schema the fuzzer (and every client) trusts: each operation declares its
problem+json errors, and no two different schemas share a name (the generator keys components by
class name, so a second "RuleOut" silently replaced the first one in the documentation)."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema
from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema

from resmon.api.api import api
from resmon.api.errors import ERROR_STATUSES

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def test_every_operation_declares_its_errors_as_problems():
    schema = api.get_openapi_schema()
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status in ERROR_STATUSES:
                response = operation["responses"].get(str(status), {})
                if response.get("content", {}).get("application/problem+json", {}).get("schema") != PROBLEM:
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing
    assert schema["components"]["schemas"]["Problem"]["required"] == ["title", "status", "code"]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_no_two_different_schemas_share_a_name():
    by_name = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("resmon."):
            by_name[cls.__name__].append(cls)
    clashes = []
    for name, classes in sorted(by_name.items()):
        for mode in ("validation", "serialization"):
            shapes = {
                json.dumps(
                    c.model_json_schema(
                        ref_template=REF_TEMPLATE, schema_generator=NinjaGenerateJsonSchema, mode=mode
                    ),
                    sort_keys=True,
                )
                for c in classes
            }
            if len(shapes) > 1:
                clashes.append(f"{name}: {sorted(c.__module__ for c in classes)}")
                break
    assert not clashes, "rename one of each: " + "; ".join(clashes)
