"""Demo directives (ý kiến chỉ đạo) and reminders (đôn đốc), through the services so the audit rows,
checks and notifications are the real ones; dates are then moved back to give them a history.

* lanhdao.hni (Thành ủy Hà Nội) directs the demo commune's People's Committee (one directive
  reported and closed, one acknowledged and awaiting its report), five communes (answered by the
  demo commune only: overdue for the others, escalated back to the city), another commune
  (overdue, reminded by hand), the city's Department of Science and Technology (reported), and
  one withdrawn; lanhdao.xa.hni (the demo commune's party committee) directs its People's Committee;
* lanhdao.tw (the national level) asks six provinces for their six-month review of Resolution 57
  (Hà Nội reported, Hồ Chí Minh City acknowledged), the Ministry of Science and Technology about
  one of its tasks (reported) and a Hồ Chí Minh City department about one of its tasks;
* bcd.nq57 (steering committee of Resolution 57) directs the lead agency of a task in Hồ Chí Minh City;
* lanhdao.bkhcn directs one of the ministry's departments.

The daily reminder job then runs once for today. Runs only when ``today`` is the clock's today
(the services read the real clock).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.core import clock
from resmon.core.errors import DomainError
from resmon.monitoring.alerts.models import Alert
from resmon.monitoring.directives import services
from resmon.monitoring.directives.models import Directive, DirectiveRecipient, Reminder
from resmon.planning.models import Task
from resmon.planning.status import TaskState

DEMO_COMMUNE_PARTY = "HNI-X001"
DEMO_COMMUNE = "HNI-X001-UBND"


def _moment(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=clock.tz())


def _open_tasks(**filters: Any) -> QuerySet[Task]:
    return Task.objects.filter(
        state=TaskState.ACTIVE, completed_on__isnull=True, ongoing=False, **filters
    ).order_by("due_date", "id")


class _Demo:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        names = (
            "lanhdao.hni", "daumoi.hni", "daumoi.hni.skhcn", "lanhdao.xa.hni", "daumoi.xa.hni",
            "lanhdao.tw", "bcd.nq57", "lanhdao.bkhcn", "daumoi.bkhcn", "daumoi.hcm",
        )  # fmt: skip
        self.users = {u.username: u for u in User.objects.filter(username__in=names).select_related("agency")}
        self.count = 0
        self.skipped: list[str] = []

    def agency(self, code: str) -> Agency | None:
        return Agency.objects.filter(code=code).first()

    def issue(
        self,
        issuer: str,
        *,
        recipients: list[Agency],
        text: str,
        due_in: int,
        task: Task | None = None,
        about: Agency | None = None,
        days_ago: int = 0,
        alert: Alert | None = None,
    ) -> Directive | None:
        user = self.users.get(issuer)
        if user is None or not recipients or (task is None and about is None):
            return None
        try:
            d = services.issue_directive(
                user,
                task=task,
                agency=about if task is None else None,
                recipients=[a.pk for a in recipients],
                text=text,
                due_date=self.today + dt.timedelta(days=max(due_in, 0)),
                alert=alert,
            )
        except DomainError as exc:  # the data set lacks what this directive needs: leave it out
            self.skipped.append(f"{issuer}: {exc}")
            return None
        created = _moment(self.today - dt.timedelta(days=days_ago), 8)
        Directive.objects.filter(pk=d.pk).update(
            created_at=created, updated_at=created, due_date=self.today + dt.timedelta(days=due_in)
        )
        self.count += 1
        return Directive.objects.get(pk=d.pk)

    def answer(
        self,
        directive: Directive | None,
        agency: Agency,
        who: str,
        *,
        ack_ago: int,
        report: str = "",
        report_ago: int = 0,
    ) -> None:
        user = self.users.get(who)
        if directive is None or user is None:
            return
        rec = directive.recipients.filter(agency=agency).first()
        if rec is None:
            return
        services.acknowledge(user, rec.pk)
        if report:
            services.report_back(user, rec.pk, report)
        DirectiveRecipient.objects.filter(pk=rec.pk).update(
            acknowledged_at=_moment(self.today - dt.timedelta(days=ack_ago), 10),
            reported_at=_moment(self.today - dt.timedelta(days=report_ago), 15) if report else None,
        )

    def remind(self, who: str, *, days_ago: int, message: str, **subject: Any) -> None:
        user = self.users.get(who)
        if user is None or any(v is None for v in subject.values()):
            return
        try:
            sent = services.send_reminder(user, message=message, **subject)
        except DomainError as exc:
            self.skipped.append(f"{who}: {exc}")
            return
        for r in sent:
            Reminder.objects.filter(pk=r.pk).update(
                created_at=_moment(self.today - dt.timedelta(days=days_ago), 14)
            )


def build_directives(today: dt.date | None = None) -> dict[str, int]:
    """Write the demo directives and reminders; call at the end of the loader's transaction."""
    today = today or clock.today()
    if today != clock.today():
        return {}
    demo = _Demo(today)
    hni, tw = demo.agency("HNI"), demo.agency("TW")
    commune, commune_party = demo.agency(DEMO_COMMUNE), demo.agency(DEMO_COMMUNE_PARTY)
    if hni is None or tw is None or commune is None or commune_party is None:
        return {}
    # --- Thành ủy Hà Nội and the demo commune
    own = list(_open_tasks(lead_agency=commune)[:2])
    if own:
        d = demo.issue(
            "lanhdao.hni",
            task=own[0],
            recipients=[commune],
            text=(
                "Đề nghị UBND xã khẩn trương rà soát tiến độ, bố trí nhân lực và kinh phí để hoàn thành "
                "nhiệm vụ đúng thời hạn; báo cáo kết quả về Văn phòng Thành ủy."
            ),
            due_in=-10,
            days_ago=30,
        )
        demo.answer(
            d,
            commune,
            "daumoi.xa.hni",
            ack_ago=28,
            report=(
                "UBND xã đã ban hành kế hoạch thực hiện, phân công Văn phòng - Thống kê làm đầu mối; "
                "đã hoàn thành khảo sát hiện trạng, đang triển khai các bước tiếp theo."
            ),
            report_ago=15,
        )
        if d is not None:
            services.close(
                demo.users["lanhdao.hni"], d, "Đã nắm tình hình; tiếp tục theo dõi qua báo cáo định kỳ."
            )
    d = demo.issue(
        "lanhdao.hni",
        task=own[1] if len(own) > 1 else None,
        about=commune,
        recipients=[commune],
        text="Đề nghị UBND xã báo cáo rõ nguyên nhân chậm tiến độ và đề xuất giải pháp tháo gỡ.",
        due_in=10,
        days_ago=4,
    )
    demo.answer(d, commune, "daumoi.xa.hni", ack_ago=3)
    d = demo.issue(
        "lanhdao.xa.hni",
        task=own[0] if own else None,
        about=commune,
        recipients=[commune],
        text=(
            "Đảng ủy xã đề nghị UBND xã chỉ đạo số hóa hồ sơ thủ tục hành chính, hoàn thành trước "
            "kỳ báo cáo quý; báo cáo Thường trực Đảng ủy."
        ),
        due_in=7,
        days_ago=1,
    )
    communes = [commune_party] + list(
        Agency.objects.filter(kind=AgencyKind.COMMUNE_PARTY, path__startswith=hni.path, valid_to__isnull=True)
        .exclude(pk=commune_party.pk)
        .order_by("path")[:4]
    )
    if communes:
        d = demo.issue(
            "lanhdao.hni",
            about=hni,
            recipients=communes,
            text=(
                "Đề nghị các đảng ủy xã, phường quán triệt Nghị quyết 57-NQ/TW, "
                "xây dựng kế hoạch chuyển đổi số "
                "của địa phương và báo cáo Thành ủy kết quả triển khai."
            ),
            due_in=-16,
            days_ago=45,
        )
        demo.answer(
            d,
            commune_party,
            "lanhdao.xa.hni",
            ack_ago=44,
            report="Đảng ủy xã đã ban hành kế hoạch chuyển đổi số giai đoạn 2025–2030 và tổ chức quán triệt.",
            report_ago=20,
        )
    other = _open_tasks(
        lead_agency__kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE, lead_agency__path__startswith=hni.path
    ).exclude(lead_agency=commune)
    # a task the daily check warned about, when there is one: the directive answers the warning
    late_task = (
        other.filter(alerts__cleared_on__isnull=True).order_by("due_date", "id").first() or other.first()
    )
    if late_task is not None:
        d = demo.issue(
            "lanhdao.hni",
            alert=Alert.objects.filter(task=late_task, cleared_on__isnull=True).order_by("id").first(),
            task=late_task,
            recipients=[late_task.lead_agency],
            text="Đề nghị UBND xã báo cáo tiến độ thực hiện nhiệm vụ, nêu rõ khó khăn, vướng mắc.",
            due_in=-3,
            days_ago=12,
        )
        demo.remind(
            "lanhdao.hni",
            directive=d,
            days_ago=1,
            message="Đã quá hạn báo cáo theo ý kiến chỉ đạo; đề nghị UBND xã báo cáo ngay trong tuần.",
        )
    withdrawn_task = other.exclude(pk=late_task.pk).first() if late_task is not None else None
    if withdrawn_task is not None:
        d = demo.issue(
            "lanhdao.hni",
            task=withdrawn_task,
            recipients=[withdrawn_task.lead_agency],
            text="Đề nghị tạm dừng triển khai hạng mục đầu tư hạ tầng để rà soát lại phương án.",
            due_in=20,
            days_ago=9,
        )
        if d is not None:
            services.withdraw(
                demo.users["lanhdao.hni"],
                d,
                "Phương án đã được Thành phố điều chỉnh; ý kiến chỉ đạo không còn cần thiết.",
            )
    department = demo.agency("HNI-SKHCN")
    dept_task = _open_tasks(lead_agency=department).first() if department is not None else None
    if dept_task is not None and department is not None:
        d = demo.issue(
            "lanhdao.hni",
            task=dept_task,
            recipients=[department],
            text=(
                "Giao Sở Khoa học và Công nghệ chủ trì tổng hợp, đánh giá kết quả thực hiện, "
                "báo cáo Thành ủy."
            ),
            due_in=5,
            days_ago=14,
        )
        demo.answer(
            d,
            department,
            "daumoi.hni.skhcn",
            ack_ago=13,
            report=(
                "Sở đã tổng hợp kết quả từ các xã, phường; dự thảo báo cáo trình Ban Thường vụ trong tháng."
            ),
            report_ago=2,
        )
    # --- the national level, the steering committee, a ministry
    provinces = list(
        Agency.objects.filter(kind=AgencyKind.PROVINCIAL_PARTY, valid_to__isnull=True).order_by("path")
    )
    chosen = [p for p in provinces if p.code in ("HNI", "HCM")] + [
        p for p in provinces if p.code not in ("HNI", "HCM")
    ][:4]
    d = demo.issue(
        "lanhdao.tw",
        about=tw,
        recipients=chosen,
        text=(
            "Đề nghị các tỉnh ủy, thành ủy tổ chức sơ kết 6 tháng thực hiện Nghị quyết 57-NQ/TW, "
            "đánh giá kết quả, "
            "chỉ rõ hạn chế, nguyên nhân và gửi báo cáo về Văn phòng Trung ương Đảng."
        ),
        due_in=12,
        days_ago=18,
    )
    demo.answer(
        d,
        hni,
        "daumoi.hni",
        ack_ago=17,
        report="Thành ủy Hà Nội đã tổ chức sơ kết; báo cáo số 125-BC/TU đã gửi Văn phòng Trung ương Đảng.",
        report_ago=3,
    )
    hcm = demo.agency("HCM")
    if hcm is not None:
        demo.answer(d, hcm, "daumoi.hcm", ack_ago=16)
    ministry = demo.agency("BKHCN")
    ministry_task = (
        _open_tasks(lead_agency=ministry, resolution__number="57-NQ/TW").first() if ministry else None
    )
    if ministry_task is not None and ministry is not None:
        d = demo.issue(
            "lanhdao.tw",
            task=ministry_task,
            recipients=[ministry],
            text=(
                "Đề nghị Bộ Khoa học và Công nghệ báo cáo tiến độ xây dựng đề án, "
                "những vướng mắc cần tháo gỡ."
            ),
            due_in=-2,
            days_ago=20,
        )
        demo.answer(
            d,
            ministry,
            "daumoi.bkhcn",
            ack_ago=19,
            report=(
                "Bộ đã hoàn thành dự thảo đề án, đang lấy ý kiến các bộ, ngành; dự kiến trình trong quý tới."
            ),
            report_ago=4,
        )
        units = list(
            Agency.objects.filter(path__startswith=ministry.path, kind=AgencyKind.MINISTRY_UNIT).order_by(
                "path"
            )
        )
        if units:
            demo.issue(
                "lanhdao.bkhcn",
                about=ministry,
                recipients=units[-1:],
                text=(
                    "Giao Cục Chuyển đổi số chủ trì xây dựng nền tảng dữ liệu dùng chung, "
                    "báo cáo Lãnh đạo Bộ."
                ),
                due_in=15,
                days_ago=2,
            )
    hcm_task = (
        _open_tasks(
            lead_agency__path__startswith=hcm.path, lead_agency__kind=AgencyKind.PROVINCIAL_DEPARTMENT
        )
        .exclude(resolution__number="57-NQ/TW")
        .first()
        if hcm is not None
        else None
    )
    if hcm_task is not None:
        demo.issue(
            "lanhdao.tw",
            task=hcm_task,
            recipients=[hcm_task.lead_agency],
            text=(
                "Đề nghị đơn vị báo cáo tiến độ, kết quả thực hiện nhiệm vụ được giao; "
                "nêu rõ các vướng mắc cần Trung ương tháo gỡ."
            ),
            due_in=6,
            days_ago=3,
        )
    steered = (
        _open_tasks(resolution__number="57-NQ/TW", lead_agency__code__startswith="HCM").first()
        if hcm is not None
        else None
    )
    if steered is not None:
        demo.issue(
            "bcd.nq57",
            task=steered,
            recipients=[steered.lead_agency],
            text=(
                "Ban Chỉ đạo đề nghị đơn vị tập trung hoàn thành nhiệm vụ, "
                "bảo đảm chất lượng sản phẩm đầu ra."
            ),
            due_in=25,
            days_ago=1,
        )
    if own:
        demo.remind(
            "lanhdao.hni",
            task=own[-1],
            days_ago=2,
            message="Đề nghị UBND xã cập nhật tiến độ nhiệm vụ trong báo cáo kỳ này.",
        )
    sent = services.send_due_reminders(today)
    return {
        "directives": demo.count,
        "directives_skipped": len(demo.skipped),
        "reminders": Reminder.objects.count(),
        "reminders_sent_today": sum(sent[k] for k in ("before_due", "overdue", "escalation")),
    }
