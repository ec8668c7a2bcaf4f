"""Content classified Mật or above is never stored (PRODUCT.md §11: record its number and date only).

What counts as marked:

* a text with a line that is a classification mark — "MẬT", "TỐI MẬT" or "TUYỆT MẬT" alone on its
  line, in any case, with decorations such as brackets, stars or dashes — or a line "Độ mật: Mật"
  (the way a stamped document begins, pasted into a field or typed);
* a file name with such a mark as one of its parts ("MẬT_bao-cao.pdf", "[TỐI MẬT] Báo cáo.docx") or
  ending with the mark in capitals ("Báo cáo MẬT.pdf");
* a file whose first lines carry the stamp (reporting.services.filetypes reads them).

Words such as "mật độ" (density) or "bí mật" inside a sentence are not marks, nor is a mention of
a classified document by its number (which is exactly what may be recorded).

Services call :func:`refuse_marked` on the free text they accept, and ``audit.record`` calls
:func:`marked_fields` on what every write records, so a path that forgot the check is refused too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy

from .errors import ValidationFailed

STAMPS = frozenset({"MẬT", "TỐI MẬT", "TUYỆT MẬT"})
CODE = "classified"

# The refusal of a file or link (evidence), and of typed or imported text.
FILE_MESSAGE = gettext_lazy(
    "Documents classified Mật (Confidential) or above must not be uploaded or linked here. Record "
    "only the document's number and date (choose “Document number and date only”) and keep the "
    "document under the rules for state secrets."
)
TEXT_MESSAGE = gettext_lazy(
    "Content classified Mật (Confidential) or above must not be entered here. Record only the "
    "classified document's number and date (as evidence: “Document number and date only”) and keep "
    "the document under the rules for state secrets."
)

_DECORATION = " \t\r\n.:;,-–—_*()[]{}<>\"'“”‘’«»|/\\#=~"
_LABEL = re.compile(r"^ĐỘ MẬT\s*[:：\-–]\s*(.+)$")
_NAME_PARTS = re.compile(r"[_\-–—.()\[\]{},;+|]+")
_CAPITAL_MARK_AT_END = re.compile(r"(?:^|\s)(TUYỆT MẬT|TỐI MẬT|MẬT)$")


def _normalise(line: str) -> str:
    line = unicodedata.normalize("NFC", line)
    return re.sub(r"\s+", " ", line).strip(_DECORATION).upper()


def _line_mark(line: str) -> str | None:
    text = _normalise(line)
    if text in STAMPS:
        return text
    label = _LABEL.match(text)
    if label:
        value = label.group(1).strip(_DECORATION)
        return value if value in STAMPS else None
    return None


def stamp_in(lines: Iterable[str], limit: int | None = None) -> str | None:
    """The mark among the first ``limit`` non-empty lines (all of them if None), or None."""
    seen = 0
    for line in lines:
        if not _normalise(line):
            continue
        found = _line_mark(line)
        if found:
            return found
        seen += 1
        if limit is not None and seen >= limit:
            return None
    return None


def _may_be_marked(text: str) -> bool:
    return "mật" in unicodedata.normalize("NFC", text).casefold()


def mark_in_text(text: Any) -> str | None:
    """The classification mark a text carries (see the module's docstring), or None."""
    if not isinstance(text, str) or not text or not _may_be_marked(text):
        return None
    return stamp_in(text.splitlines())


def mark_in_name(name: Any) -> str | None:
    """The classification mark in a file's name, or None."""
    if not isinstance(name, str) or not name or not _may_be_marked(name):
        return None
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base.strip(".") else base
    for part in _NAME_PARTS.split(stem):
        found = _line_mark(part)
        if found:
            return found
        capital = _CAPITAL_MARK_AT_END.search(re.sub(r"\s+", " ", part).strip())
        if capital:
            return capital.group(1)
    return None


def marked_fields(values: Mapping[str, Any]) -> list[str]:
    """The names of the ``values`` (texts, or lists and mappings of them) that carry a mark."""
    return [name for name, value in values.items() if _carries_mark(value)]


def _carries_mark(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return mark_in_text(value) is not None
    if depth > 4:
        return False
    if isinstance(value, Mapping):
        return any(_carries_mark(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_carries_mark(v, depth + 1) for v in value)
    return False


def refusal(fields: Iterable[str], message: Any = TEXT_MESSAGE) -> ValidationFailed:
    names = list(fields)
    return ValidationFailed(
        message,
        code=CODE,
        field=names[0] if names else None,
        errors={name: [str(message)] for name in names},
    )


def code_of(errors: Mapping[str, Iterable[Any]]) -> str | None:
    """CODE when every error a form or service collected is this refusal (the client can tell it
    from a mistake to correct), else None: the caller keeps its own code."""
    messages = {str(message) for listed in errors.values() for message in listed}
    return CODE if messages and messages <= {str(TEXT_MESSAGE), str(FILE_MESSAGE)} else None


def refuse_marked(**values: Any) -> None:
    """Raise the refusal (code "classified", the message on each field) if any value is marked."""
    names = marked_fields(values)
    if names:
        raise refusal(names)
