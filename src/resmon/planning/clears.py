"""The six clears (sáu rõ) as validation rules over a task's plain data.

The rules are pure functions of :class:`TaskFacts`; :func:`load_facts` builds the facts of many
tasks at once with a fixed number of queries. Each rule answers a :class:`Flag` with a reason a
person can act on.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models.tasks import DeliverableType, ReviewPeriod

PERSON = "ro_nguoi"
ACTION = "ro_viec"
TIME = "ro_thoi_gian"
RESPONSIBILITY = "ro_trach_nhiem"
DELIVERABLE = "ro_san_pham"
AUTHORITY = "ro_tham_quyen"

RULES = (PERSON, ACTION, TIME, RESPONSIBILITY, DELIVERABLE, AUTHORITY)

RULE_LABELS = {
    PERSON: gettext_lazy("Clear who (rõ người)"),
    ACTION: gettext_lazy("Clear what (rõ việc)"),
    TIME: gettext_lazy("Clear when (rõ thời gian)"),
    RESPONSIBILITY: gettext_lazy("Clear responsibility (rõ trách nhiệm)"),
    DELIVERABLE: gettext_lazy("Clear deliverable (rõ sản phẩm)"),
    AUTHORITY: gettext_lazy("Clear authority (rõ thẩm quyền)"),
}

# Verbs (and verb phrases) that open the title of an administrative task.
ACTION_VERBS = (
    "xây dựng",
    "ban hành",
    "triển khai",
    "hoàn thiện",
    "tổ chức",
    "rà soát",
    "sửa đổi",
    "bổ sung",
    "đầu tư",
    "số hóa",
    "số hoá",
    "nâng cao",
    "nâng cấp",
    "đào tạo",
    "bồi dưỡng",
    "phát triển",
    "thực hiện",
    "kiểm tra",
    "giám sát",
    "đánh giá",
    "tổng kết",
    "sơ kết",
    "thành lập",
    "kiện toàn",
    "sắp xếp",
    "chuyển đổi",
    "ứng dụng",
    "hỗ trợ",
    "thúc đẩy",
    "tăng cường",
    "đẩy mạnh",
    "tuyên truyền",
    "phổ biến",
    "quán triệt",
    "nghiên cứu",
    "đề xuất",
    "trình",
    "hướng dẫn",
    "cung cấp",
    "kết nối",
    "tích hợp",
    "vận hành",
    "cải cách",
    "đơn giản hóa",
    "cắt giảm",
    "huy động",
    "phân bổ",
    "bố trí",
    "mở rộng",
    "thu hút",
    "khảo sát",
    "lập",
    "xây mới",
    "cải tạo",
    "chuẩn hóa",
    "đổi mới",
    "thí điểm",
    "ký kết",
    "phối hợp",
    "theo dõi",
    "báo cáo",
    "hoàn thành",
    "tập huấn",
    "phê duyệt",
    "cập nhật",
)
MIN_TITLE_WORDS = 5


@dataclass(frozen=True)
class Flag:
    rule: str
    passed: bool
    message: Any  # translated when shown (a lazy string), so that judging many tasks stays cheap

    @property
    def reason(self) -> str:
        return str(self.message)

    @property
    def label(self) -> str:
        return str(RULE_LABELS[self.rule])


@dataclass(frozen=True)
class TaskFacts:
    """What the six clears look at, for one task."""

    id: int | None = None
    title: str = ""
    lead_agency_ids: tuple[int, ...] = ()
    responsible_officer: str = ""
    due_date: dt.date | None = None
    ongoing: bool = False
    review_period: str = ""
    deliverable_type: str = ""
    deliverable: str = ""
    authority: str = ""
    # (agency name, its part of the deliverable) for every coordinating agency
    coordinations: tuple[tuple[str, str], ...] = ()
    clause_texts: tuple[str, ...] = field(default_factory=tuple)


def _words(text: str) -> str:
    """Lower case, one space between words, numbering and punctuation dropped (NFC)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    text = re.sub(r"^\s*(?:[ivxlc]+|\d+(?:\.\d+)*|[a-zđ])[.)]\s+", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


_VERB_PATTERN = re.compile(
    "(?:^| )(?:"
    + "|".join(re.escape(_words(v)) for v in sorted(ACTION_VERBS, key=len, reverse=True))
    + ")(?: |$)"
)


def _has_action_verb(normalised_title: str) -> bool:
    return _VERB_PATTERN.search(normalised_title) is not None


def check_person(f: TaskFacts) -> Flag:
    if not f.lead_agency_ids:
        return Flag(PERSON, False, gettext_lazy("No lead agency is named."))
    if not f.responsible_officer.strip():
        return Flag(PERSON, False, gettext_lazy("Name the officer responsible in the lead agency."))
    return Flag(PERSON, True, gettext_lazy("Lead agency and responsible officer are named."))


def check_action(f: TaskFacts) -> Flag:
    title = _words(f.title)
    if not title:
        return Flag(ACTION, False, gettext_lazy("The task has no title."))
    if not _has_action_verb(title):
        return Flag(
            ACTION,
            False,
            gettext_lazy(
                "The title does not state an action: begin it with a verb such as "
                "“Xây dựng”, “Ban hành”, “Triển khai”."
            ),
        )
    if len(title.split()) < MIN_TITLE_WORDS:
        return Flag(
            ACTION,
            False,
            _("The title is too short to state the scope of the work (at least %(n)s words).")
            % {"n": MIN_TITLE_WORDS},
        )
    if any(title == _words(c) for c in f.clause_texts if c):
        return Flag(
            ACTION,
            False,
            gettext_lazy(
                "The title only copies the resolution's clause; say what this agency will do, and how far."
            ),
        )
    return Flag(ACTION, True, gettext_lazy("The title states the action and its scope."))


def check_time(f: TaskFacts) -> Flag:
    if f.ongoing:
        if f.review_period not in ReviewPeriod.values:
            return Flag(TIME, False, gettext_lazy("An ongoing task needs a review period."))
        period = str(ReviewPeriod(f.review_period).label).lower()
        return Flag(TIME, True, _("Ongoing, reviewed %(period)s.") % {"period": period})
    if f.due_date is None:
        return Flag(TIME, False, gettext_lazy("No due date, and the task is not marked as ongoing."))
    return Flag(TIME, True, gettext_lazy("A due date is set."))


def check_responsibility(f: TaskFacts) -> Flag:
    if len(f.lead_agency_ids) != 1:
        return Flag(RESPONSIBILITY, False, gettext_lazy("A task must have exactly one lead agency."))
    missing = [name for name, part in f.coordinations if not (part or "").strip()]
    if missing:
        return Flag(
            RESPONSIBILITY,
            False,
            _("Give each coordinating agency its own part of the deliverable; missing for: %(agencies)s.")
            % {"agencies": ", ".join(missing)},
        )
    return Flag(
        RESPONSIBILITY, True, gettext_lazy("One lead agency; every coordinating agency has its own part.")
    )


def check_deliverable(f: TaskFacts) -> Flag:
    if f.deliverable_type not in DeliverableType.values:
        return Flag(DELIVERABLE, False, gettext_lazy("Choose the type of deliverable."))
    if not f.deliverable.strip():
        return Flag(
            DELIVERABLE, False, gettext_lazy("Describe the deliverable, e.g. “Đề án trình Ban Thường vụ”.")
        )
    return Flag(DELIVERABLE, True, gettext_lazy("The deliverable has a type and a description."))


def check_authority(f: TaskFacts) -> Flag:
    if not f.authority.strip():
        return Flag(
            AUTHORITY, False, gettext_lazy("Name the authority that issues or accepts the deliverable.")
        )
    return Flag(AUTHORITY, True, gettext_lazy("The competent authority is named."))


CHECKS: dict[str, Callable[[TaskFacts], Flag]] = {
    PERSON: check_person,
    ACTION: check_action,
    TIME: check_time,
    RESPONSIBILITY: check_responsibility,
    DELIVERABLE: check_deliverable,
    AUTHORITY: check_authority,
}


def evaluate(facts: TaskFacts) -> list[Flag]:
    """All six flags of one task, in the order of :data:`RULES`."""
    return [CHECKS[rule](facts) for rule in RULES]


def open_flags(facts: TaskFacts) -> list[Flag]:
    return [f for f in evaluate(facts) if not f.passed]


def load_facts(tasks: Iterable[int] | QuerySet) -> dict[int, TaskFacts]:
    """The facts of many tasks (ids, or a task queryset used as a subquery) with three queries:
    tasks, coordinations, linked clauses."""
    from .models import Task, TaskCoordination

    if isinstance(tasks, QuerySet):
        ids: Any = tasks.order_by().values("pk")
    else:
        ids = list(tasks)
        if not ids:
            return {}
    coords: dict[int, list[tuple[str, str]]] = {}
    for row in (
        TaskCoordination.objects.filter(task_id__in=ids)
        .order_by("agency__path")
        .values("task_id", "agency__name", "sub_deliverable")
    ):
        coords.setdefault(row["task_id"], []).append((row["agency__name"], row["sub_deliverable"]))
    clauses: dict[int, list[str]] = {}
    through = Task.clauses.through
    for row in through.objects.filter(task_id__in=ids).values("task_id", "clause__text"):
        clauses.setdefault(row["task_id"], []).append(row["clause__text"])
    out: dict[int, TaskFacts] = {}
    fields = (
        "id",
        "title",
        "lead_agency_id",
        "responsible_officer",
        "due_date",
        "ongoing",
        "review_period",
        "deliverable_type",
        "deliverable",
        "authority",
    )
    for row in Task.objects.filter(pk__in=ids).values(*fields):
        out[row["id"]] = TaskFacts(
            id=row["id"],
            title=row["title"],
            lead_agency_ids=(row["lead_agency_id"],) if row["lead_agency_id"] else (),
            responsible_officer=row["responsible_officer"],
            due_date=row["due_date"],
            ongoing=row["ongoing"],
            review_period=row["review_period"],
            deliverable_type=row["deliverable_type"],
            deliverable=row["deliverable"],
            authority=row["authority"],
            coordinations=tuple(coords.get(row["id"], ())),
            clause_texts=tuple(clauses.get(row["id"], ())),
        )
    return out
