"""Downloading the evaluation list as Excel (page and API): the list's filters and scope, and an
audit row for every download (a whole country's evaluations is a sensitive document)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from resmon.agencies.models import Agency
from resmon.audit.services import record

from .. import selectors
from ..workbook import evaluation_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExcelFile:
    content: bytes
    filename: str
    content_type: str = XLSX_TYPE


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    text = text.encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")


def filename(target: selectors.Target, root: Agency) -> str:
    """``danh-gia-HNI-2026-Q3.xlsx``: ASCII only."""
    when = target.period.code if target.period is not None else str(target.year)
    return f"danh-gia-{_ascii(root.code) or root.pk}-{_ascii(when)}.xlsx"


def download(
    user: Any,
    target: selectors.Target,
    root: Agency,
    *,
    state: str | None = None,
    level: str | None = None,
    q: str = "",
    todo: bool = False,
) -> ExcelFile:
    """The evaluations the list shows for these filters (every page), as an Excel file; records
    "evaluation.exported" (object: the agency of the subtree; after: the filters and the row count)."""
    qs = selectors.evaluations_for(user, target, root, state=state, level=level, q=q, todo=todo)
    rule = selectors.current_rule()
    cap = selectors.cap_for(selectors.base(user, target, root), rule.cap_percent)
    rows = list(qs)
    content = evaluation_workbook(rows, rule=rule, cap=cap, label=target.label, root_name=root.name)
    with transaction.atomic():
        record(
            user,
            "evaluation.exported",
            root,
            after={
                "format": "xlsx",
                **target.query(),
                "state": state or None,
                "level": level or None,
                "q": q or None,
                "todo": todo,
                "rows": len(rows),
            },
            agency_path=root.path,
        )
    return ExcelFile(content, filename(target, root))
