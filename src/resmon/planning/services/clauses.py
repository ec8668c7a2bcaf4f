"""A resolution's text split into numbered clauses (parts, sections, points, bullet paragraphs),
corrected by hand, and the links from tasks to the clauses they implement."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from resmon.audit.services import record, snapshot
from resmon.core import classified
from resmon.core.access import Role, can
from resmon.core.errors import PermissionRefused, ValidationFailed

from ..models import Clause, Resolution, Task
from .tree import ensure_editable

MAX_DOCX_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 2_000_000

ORDINALS = {
    "nhất": "I",
    "một": "I",
    "hai": "II",
    "ba": "III",
    "tư": "IV",
    "bốn": "IV",
    "năm": "V",
    "sáu": "VI",
    "bảy": "VII",
    "tám": "VIII",
    "chín": "IX",
    "mười": "X",
}
PART_ROMAN = re.compile(r"^([IVXL]{1,6})\s*[.\-–:]\s*(.*)$")
PART_WORDS = re.compile(r"^phần\s+thứ\s+(\w+)\s*[.:\-–]?\s*(.*)$", re.IGNORECASE)
SECTION = re.compile(r"^(\d{1,3})\s*[.)]\s+(.*)$|^(\d{1,3})\.$")
POINT = re.compile(r"^([a-zđ])\s*\)\s*(.*)$")
BULLET = re.compile(r"^[-–—•+]\s+(.*)$")
LEVEL = {Clause.Kind.PART: 0, Clause.Kind.SECTION: 1, Clause.Kind.POINT: 2, Clause.Kind.PARAGRAPH: 3}


@dataclass
class ParsedClause:
    kind: str
    label: str
    reference: str
    text: str
    parent: int | None  # index into the parsed list
    line: int


def _classify(line: str) -> tuple[str, str, str] | None:
    """(kind, label, text) when a line opens a numbered clause."""
    m = PART_WORDS.match(line)
    if m and m.group(1).lower() in ORDINALS:
        return Clause.Kind.PART, ORDINALS[m.group(1).lower()], line
    m = PART_ROMAN.match(line)
    if m:
        return Clause.Kind.PART, m.group(1), m.group(2) or line
    m = SECTION.match(line)
    if m:
        return Clause.Kind.SECTION, m.group(1) or m.group(3), (m.group(2) or "").strip() or line
    m = POINT.match(line)
    if m:
        return Clause.Kind.POINT, m.group(1), m.group(2) or line
    m = BULLET.match(line)
    if m:
        return Clause.Kind.PARAGRAPH, "", m.group(1)
    return None


def split_clauses(text: str) -> list[ParsedClause]:
    """Split a resolution's text into clauses. Lines that open no clause continue the current one;
    text before the first numbered line (the preamble) is left out."""
    out: list[ParsedClause] = []
    # the open clause at each level: part, section, point, paragraph
    stack: list[int | None] = [None, None, None, None]
    bullets: dict[int | None, int] = {}
    used: set[str] = set()
    for n, raw in enumerate(unicodedata.normalize("NFC", text or "").splitlines(), 1):
        line = " ".join(raw.replace("\x00", "").split())
        if not line:
            continue
        found = _classify(line)
        if found is None:
            if out:
                out[-1].text = f"{out[-1].text}\n{line}"
            continue
        kind, label, body = found
        level = LEVEL[kind]
        parent = next((stack[i] for i in range(level - 1, -1, -1) if stack[i] is not None), None)
        if kind == Clause.Kind.PARAGRAPH:
            if parent is None:
                if out:
                    out[-1].text = f"{out[-1].text}\n{line}"
                continue
            bullets[parent] = bullets.get(parent, 0) + 1
            label = str(bullets[parent])
        prefix = out[parent].reference + "." if parent is not None else ""
        reference = prefix + (f"p{label}" if kind == Clause.Kind.PARAGRAPH else label)
        if reference in used:
            k = 2
            while f"{reference}-{k}" in used:
                k += 1
            reference = f"{reference}-{k}"
        used.add(reference)
        out.append(ParsedClause(kind, label, reference, body, parent, n))
        stack[level] = len(out) - 1
        for i in range(level + 1, len(stack)):
            stack[i] = None
    return out


def docx_text(upload: Any) -> str:
    """The paragraphs of a .docx file, one a line; a clear message for anything that is not one."""
    import docx

    name = getattr(upload, "name", "") or "file"
    size = getattr(upload, "size", None)
    data = upload.read() if hasattr(upload, "read") else bytes(upload)
    if size is None:
        size = len(data)
    if size > MAX_DOCX_BYTES or len(data) > MAX_DOCX_BYTES:
        raise ValidationFailed(
            _("“%(name)s” is larger than 5 MB; split it or paste the text instead.") % {"name": name},
            field="docx_file",
        )
    buffer = io.BytesIO(data)
    try:
        with zipfile.ZipFile(buffer) as z:
            if "word/document.xml" not in z.namelist():
                raise zipfile.BadZipFile
    except (zipfile.BadZipFile, OSError, ValueError):
        raise ValidationFailed(
            _("“%(name)s” is not a Word document (.docx); save it as .docx and try again.") % {"name": name},
            field="docx_file",
        ) from None
    try:
        document = docx.Document(io.BytesIO(data))
        lines = [p.text for p in document.paragraphs]
    except Exception:  # python-docx raises many kinds of errors on damaged files
        raise ValidationFailed(
            _("“%(name)s” is damaged and cannot be read as a Word document.") % {"name": name},
            field="docx_file",
        ) from None
    return "\n".join(lines)


def _require_system_admin(actor: Any) -> None:
    if not (getattr(actor, "is_authenticated", False) and actor.scope.role == Role.SYSTEM_ADMIN):
        raise PermissionRefused(_("Only a system administrator may import or correct a resolution's text."))


@transaction.atomic
def import_resolution_text(
    actor: Any, resolution: Resolution, *, text: str | None = None, docx_file: Any = None
) -> list[Clause]:
    """Replace a resolution's clauses with those split from pasted text or a .docx file.
    Refused while any task implements one of the current clauses."""
    _require_system_admin(actor)
    if (text is None or not text.strip()) == (docx_file is None):
        raise ValidationFailed(
            _("Paste the resolution's text or choose a .docx file (one of the two)."), field="text"
        )
    if docx_file is not None:
        text = docx_text(docx_file)
    assert text is not None
    if classified.mark_in_text(text):  # a resolution classified Mật or above: never stored
        if docx_file is not None:
            raise classified.refusal(["docx_file"], classified.FILE_MESSAGE)
        raise classified.refusal(["text"])
    if len(text) > MAX_TEXT_CHARS:
        raise ValidationFailed(_("The text is too long."), field="text")
    parsed = split_clauses(text)
    if not parsed:
        raise ValidationFailed(
            _(
                "No numbered clause was found. Number parts “I.”, “II.”, sections “1.”, “2.” and points "
                "“a)”, “b)” at the start of a line."
            ),
            field="docx_file" if docx_file is not None else "text",
        )
    for p in parsed:
        if len(p.label) > 20 or len(p.reference) > 60:
            raise ValidationFailed(
                _("Line %(line)s: the numbering “%(ref)s” is too deep or too long.")
                % {"line": p.line, "ref": p.reference[:60]},
                field="text",
            )
    old = Clause.objects.filter(resolution=resolution)
    linked = (
        Task.clauses.through.objects.filter(clause__resolution=resolution)
        .values("task_id")
        .distinct()
        .count()
    )
    if linked:
        raise ValidationFailed(
            _(
                "%(n)s tasks are linked to the current clauses of %(resolution)s; the text cannot be "
                "replaced. Correct single clauses instead."
            )
            % {"n": linked, "resolution": resolution.number},
            code="clauses_in_use",
        )
    before = {"clauses": old.count()}
    old.delete()
    created: list[Clause] = []
    for order, p in enumerate(parsed, 1):
        created.append(
            Clause.objects.create(
                resolution=resolution,
                parent=created[p.parent] if p.parent is not None else None,
                kind=p.kind,
                label=p.label,
                reference=p.reference,
                text=p.text,
                order=order,
            )
        )
    counts = {k: sum(1 for p in parsed if p.kind == k) for k in Clause.Kind.values}
    record(
        actor,
        "planning.clauses_imported",
        resolution,
        before=before,
        after={
            "clauses": len(created),
            "kinds": counts,
            "source": "docx" if docx_file is not None else "text",
        },
    )
    return created


def _rereference(clause: Clause) -> None:
    """Recompute the references of a clause and everything inside it after a label change."""
    prefix = clause.parent.reference + "." if clause.parent_id else ""
    label = f"p{clause.label}" if clause.kind == Clause.Kind.PARAGRAPH else clause.label
    clause.reference = prefix + label
    for child in clause.children.all():
        child.parent = clause
        _rereference(child)
        child.save(update_fields=["reference"])


@transaction.atomic
def edit_clause(actor: Any, clause: Clause, *, text: str, label: str | None = None) -> Clause:
    """Correct a clause's text or number by hand."""
    _require_system_admin(actor)
    clause = Clause.objects.select_for_update(of=("self",)).select_related("parent").get(pk=clause.pk)
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationFailed(_("A clause needs its text."), field="text")
    classified.refuse_marked(text=text)
    before = snapshot(clause)
    if label is not None:
        label = (label or "").strip()
        if not label or len(label) > 20 or not re.fullmatch(r"[\wĐđ]+", label):
            raise ValidationFailed(_("Give the clause's number, e.g. II, 3 or a."), field="label")
        if label != clause.label:
            prefix = clause.parent.reference + "." if clause.parent_id else ""
            reference = prefix + (f"p{label}" if clause.kind == Clause.Kind.PARAGRAPH else label)
            taken = Clause.objects.filter(resolution_id=clause.resolution_id, reference=reference)
            if taken.exclude(pk=clause.pk).exists():
                raise ValidationFailed(
                    _("Another clause already has the reference %(ref)s.") % {"ref": reference},
                    field="label",
                )
            clause.label = label
            _rereference(clause)
    clause.text = text
    clause.save()
    record(actor, "planning.clause_edited", clause, before=before, after=snapshot(clause))
    return clause


@transaction.atomic
def set_task_clauses(actor: Any, task: Task, clauses: list[Clause]) -> Task:
    """Say which clauses of its resolution a task implements."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("lead_agency", "assigned_by", "program")
        .get(pk=task.pk)
    )
    if not can(actor, "change", task):
        raise PermissionRefused(_("You may not change this task."))
    ensure_editable(task.program)
    wrong = [c for c in clauses if c.resolution_id != task.resolution_id]
    if wrong:
        raise ValidationFailed(
            _("Clause %(ref)s belongs to another resolution.") % {"ref": wrong[0].reference}, field="clauses"
        )
    before = sorted(task.clauses.values_list("pk", flat=True))
    task.clauses.set(clauses)
    after = sorted(c.pk for c in clauses)
    record(
        actor,
        "planning.task_clauses_set",
        task,
        before={"clauses": before},
        after={"clauses": after, "references": sorted(c.reference for c in clauses)},
        agency_path=task.lead_agency.path,
    )
    return task
