"""Fuzzing the API with schemathesis, in process (Django's WSGI handler, no server).

Every operation of /api/v1/openapi.json gets ``examples`` generated requests, half that fit the
schema (positive) and half that do not (negative), sent with a real personal token. Path parameters
are the generated ones half of the time and the ids of existing rows the other half, so the
operations reach past "not found". Each response is checked: no 5xx, the status code is one the
schema declares, the body matches the schema of that status, the content type is the declared one.
Hypothesis is derandomized (the same cases on every run) and does not shrink: every failure is
counted, not just the first.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import signals
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

PARAM_MODELS = {
    "user_id": "accounts.User",
    "agency_id": "agencies.Agency",
    "resolution_id": "planning.Resolution",
    "program_id": "planning.ActionProgram",
    "task_id": "planning.Task",
    "depends_on_id": "planning.Task",
    "kpi_id": "planning.TaskIndicator",
    "extension_id": "planning.DeadlineExtension",
    "milestone_id": "planning.Milestone",
    "indicator_id": "catalogue.Indicator",
    "period_id": "catalogue.ReportingPeriod",
    "notification_id": "notifications.Notification",
    "report_id": "reporting.PeriodReport",
    "evidence_id": "reporting.Evidence",
    "proposal_id": "reporting.Proposal",
    "explanation_id": "reporting.ExplanationRequest",
    "document_id": "exports.StoredDocument",
    "evaluation_id": "evaluation.Evaluation",
    "directive_id": "directives.Directive",
    "recipient_id": "directives.DirectiveRecipient",
    "alert_id": "alerts.Alert",
}
# at most this many existing ids per parameter are offered to the generator
IDS_PER_PARAM = 12


@dataclass
class OperationResult:
    label: str
    examples: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class Summary:
    operations: list[OperationResult] = field(default_factory=list)

    @property
    def examples(self) -> int:
        return sum(o.examples for o in self.operations)

    @property
    def failures(self) -> list[str]:
        return [f for o in self.operations for f in o.failures]

    def server_errors(self) -> int:
        return sum(n for o in self.operations for status, n in o.statuses.items() if status >= 500)

    def table(self) -> str:
        lines = [f"{'operation':<62} {'examples':>8} {'failures':>8}  statuses"]
        for o in self.operations:
            statuses = " ".join(f"{s}:{n}" for s, n in sorted(o.statuses.items()))
            lines.append(f"{o.label:<62} {o.examples:>8} {len(o.failures):>8}  {statuses}")
        lines.append(
            f"{len(self.operations)} operations x {self.examples} examples: "
            f"{len(self.failures)} failures, {self.server_errors()} server errors"
        )
        return "\n".join(lines)


def load_schema(app: Any) -> Any:
    import schemathesis

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _existing_ids(names: Iterable[str]) -> dict[str, list[int]]:
    out = {}
    for name in names:
        label = PARAM_MODELS.get(name)
        if label:
            model = apps.get_model(label)
            out[name] = list(
                model._default_manager.order_by("-pk").values_list("pk", flat=True)[:IDS_PER_PARAM]
            )
    return out


def _strategy(operation: Any, mode: Any) -> Any:
    """The operation's cases; with path ids, existing rows half of the time."""
    names = [p.name for p in operation.path_parameters]
    known = _existing_ids(names)
    generated = operation.as_strategy(generation_mode=mode)
    if not names or not all(known.get(n) for n in names):
        return generated
    existing = st.fixed_dictionaries({n: st.sampled_from(known[n]) for n in names}).flatmap(
        lambda ids: operation.as_strategy(generation_mode=mode, path_parameters=ids)
    )
    return st.one_of(generated, existing)


def _checks() -> list[Any]:
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    return [
        not_a_server_error,
        status_code_conformance,
        response_schema_conformance,
        content_type_conformance,
    ]


class _LastError(logging.Handler):
    """Keeps the traceback the API logged for its last 500 (resmon.api.errors logs each one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.text = ""

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.text = "".join(traceback.format_exception(*record.exc_info))[-1500:]


_last_error = _LastError()


def _describe(case: Any, response: Any, exc: BaseException) -> str:
    failures = getattr(exc, "exceptions", None) or [exc]
    titles = "; ".join(
        f"{getattr(f, 'title', '')}: {str(getattr(f, 'message', '') or f)[:400]}" for f in failures
    )
    body = response.content[:300].decode("utf-8", "replace") if response is not None else ""
    return (
        f"{case.operation.label} -> {getattr(response, 'status_code', '?')}: {titles}\n"
        f"    request: path={case.path_parameters} query={case.query} body={str(case.body)[:300]}\n"
        f"    response: {body}"
        + (f"\n    server: {_last_error.text}" if getattr(response, "status_code", 0) >= 500 else "")
    )


def fuzz_operation(operation: Any, headers: dict[str, str], examples: int) -> OperationResult:
    from schemathesis import GenerationMode

    result = OperationResult(operation.label)
    checks = _checks()
    start = time.perf_counter()
    for mode, budget in (
        (GenerationMode.POSITIVE, (examples + 1) // 2),
        (GenerationMode.NEGATIVE, examples // 2),
    ):
        if budget <= 0:
            continue

        @settings(
            max_examples=budget,
            derandomize=True,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=_strategy(operation, mode))
        def run(case: Any) -> None:
            response = None
            try:
                # each request in its own savepoint, as each runs in its own transaction in production
                with transaction.atomic():
                    response = case.call(headers=headers)
                result.examples += 1
                result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
                case.validate_response(response, checks=checks)
            except (AssertionError, BaseExceptionGroup) as exc:
                result.failures.append(_describe(case, response, exc))

        try:
            run()
        except Exception as exc:  # no case could be made, or a request could not be sent
            result.failures.append(f"{operation.label}: the {mode} run stopped: {exc!r}\n{_last_error.text}")
    result.seconds = time.perf_counter() - start
    return result


@contextmanager
def _keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request when it is inside a
    transaction (as the test's is); Django's test client switches that off, and so does this."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def documented_failures(method: str, path: str, response: Any) -> list[str]:
    """How a Django test client's ``response`` to ``method path`` (a path of the schema, e.g.
    ``/api/v1/reports/{report_id}``) breaks the OpenAPI schema, by the fuzzer's checks: its status
    is not declared, or its content type or body is not the declared one. A 5xx the schema declares
    (507, a full disk) is no failure here. Empty when it conforms."""
    import requests
    from django.core.handlers.wsgi import WSGIHandler
    from schemathesis import Response
    from schemathesis.checks import not_a_server_error

    with _keep_the_test_connection():
        operation = load_schema(WSGIHandler())[path][method]
    sent = response.request["PATH_INFO"]
    pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(path))
    matched = re.fullmatch(pattern, sent)
    assert matched, f"{sent} is not a path of {path}"
    request = requests.Request(method=method.upper(), url=f"http://testserver{sent}").prepare()
    answer = Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=False,
    )
    checks = [check for check in _checks() if check is not not_a_server_error]
    try:
        operation.Case(path_parameters=matched.groupdict()).validate_response(answer, checks=checks)
    except (AssertionError, BaseExceptionGroup) as exc:
        failures = getattr(exc, "exceptions", None) or [exc]
        return [f"{getattr(f, 'title', '')}: {getattr(f, 'message', '') or f}" for f in failures]
    return []


def fuzz_api(app: Any, token: str, examples: int, only: str = "") -> Summary:
    """Every operation (or those whose label contains ``only``), ``examples`` requests each."""
    logger = logging.getLogger("resmon.api.errors")
    if _last_error not in logger.handlers:
        logger.addHandler(_last_error)
    summary = Summary()
    with _keep_the_test_connection():
        schema = load_schema(app)
        headers = {"Authorization": f"Bearer {token}"}
        for op in schema.get_all_operations():
            operation = op.ok()
            if only and only not in operation.label:
                continue
            summary.operations.append(fuzz_operation(operation, headers, examples))
    return summary
