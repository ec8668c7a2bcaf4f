"""The OpenAPI schema the fuzzer (and every client) trusts: each operation declares its
problem+json errors, and no two different schemas share a name (the generator keys components by
class name, so a second "RuleOut" silently replaced the first one in the documentation)."""

from __future__ import annotations

import ast
import json
from collections import defaultdict
from pathlib import Path

from ninja import Schema
from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema

import resmon
from resmon.api.api import api
from resmon.api.errors import ERROR_STATUSES

PROBLEM = {"$ref": "#/components/schemas/Problem"}
WRITES = {"post", "put", "patch", "delete"}
# Every module that stores files through resmon.core.storage.save_file, with the API operations
# that reach it: there a full disk is a 507 (StorageFull). A new caller belongs here.
FILE_WRITERS: dict[str, list[tuple[str, str]]] = {
    "resmon.reporting.services.evidence": [("post", "/api/v1/reports/{report_id}/lines/{task_id}/evidence")],
    # the stored documents are written by the worker, after the request was answered 202: a full
    # disk fails the document with the message (tests/exports/stored/test_recovery.py), never the request
    "resmon.exports.stored.building": [],
}


def _declares_problem(operation, status: int) -> bool:
    response = operation["responses"].get(str(status), {})
    return response.get("content", {}).get("application/problem+json", {}).get("schema") == PROBLEM


def test_every_operation_declares_its_errors_as_problems():
    schema = api.get_openapi_schema()
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status in ERROR_STATUSES:
                if not _declares_problem(operation, status):
                    missing.append(f"{method.upper()} {path} {status}")
    assert not missing, missing
    assert schema["components"]["schemas"]["Problem"]["required"] == ["title", "status", "code"]


def _modules_calling_save_file() -> set[str]:
    root = Path(resmon.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        module = ".".join(("resmon", *path.relative_to(root).with_suffix("").parts))
        if module == "resmon.core.storage":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = (
                (isinstance(node, ast.Name) and node.id == "save_file")
                or (isinstance(node, ast.Attribute) and node.attr == "save_file")
                or (isinstance(node, ast.alias) and node.name == "save_file")
            )
            if named:
                found.add(module)
                break
    return found


def test_every_module_that_stores_files_is_listed():
    assert _modules_calling_save_file() == set(FILE_WRITERS), (
        "list each caller of core.storage.save_file in FILE_WRITERS with the API operations reaching it"
    )


def test_the_operations_that_store_files_declare_507_as_a_problem():
    paths = api.get_openapi_schema()["paths"]
    operations = [op for ops in FILE_WRITERS.values() for op in ops]
    assert operations
    for method, path in operations:
        assert method in paths.get(path, {}), f"{method.upper()} {path} is not in the schema"
        assert _declares_problem(paths[path][method], 507), f"{method.upper()} {path}"


def test_every_write_declares_507_a_full_database_disk():
    """A write the database's full disk refused is answered 507 too (api.errors), whatever it writes;
    a read is not."""
    schema = api.get_openapi_schema()
    stores_files = {op for ops in FILE_WRITERS.values() for op in ops}
    missing, reads = [], []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in WRITES and not _declares_problem(operation, 507):
                missing.append(f"{method.upper()} {path}")
            declared = "507" in operation["responses"]
            if declared and method not in WRITES and (method, path) not in stores_files:
                reads.append(f"{method.upper()} {path}")
    assert not missing, missing
    assert not reads, reads


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
