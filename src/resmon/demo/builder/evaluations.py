"""Demo evaluations: the third quarter of 2026 for the 34 provincial party committees, computed by
the national office (``lanhdao.tw``) through the evaluation service, then walked through the
steps of Quy định 124-QĐ/TW for a few of them: Hà Nội self-assessed, appraised and decided; Hồ Chí
Minh City and Đà Nẵng self-assessed and appraised; Hải Phòng self-assessed. The leaders of those
three provinces get demo accounts (``lanhdao.hcm``, ``lanhdao.dng``, ``lanhdao.hpg``, password
"demo"), so every step is taken by the person entitled to it and audited as such."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from resmon.accounts.models import User
from resmon.agencies.models import Agency, AgencyKind
from resmon.catalogue.models import PeriodKind, ReportingPeriod
from resmon.catalogue.services_periods import configured_cutoff
from resmon.core import clock
from resmon.core.access import Role
from resmon.monitoring.evaluation import services
from resmon.monitoring.evaluation.models import Evaluation, Level

from .people import DEMO_PASSWORD

QUARTER = "2026-Q3"
ROOT_CODE = "TW"
NATIONAL_LEADER = "lanhdao.tw"
# province code -> (leader's name, position, self-assessed level, appraised level or None)
PROVINCES = {
    "HNI": ("", "", Level.GOOD, Level.GOOD),
    "HCM": ("Lê Quang Vinh", "Phó Bí thư Thành ủy Thành phố Hồ Chí Minh", Level.EXCELLENT, Level.GOOD),
    "DNG": ("Phan Thị Thu Trang", "Phó Bí thư Thành ủy Đà Nẵng", Level.GOOD, Level.DONE),
    "HPG": ("Đoàn Văn Khải", "Phó Bí thư Thành ủy Hải Phòng", Level.GOOD, None),
}
SELF_COMMENT = (
    "Tập thể Ban Thường vụ đã kiểm điểm: hoàn thành phần lớn nhiệm vụ trong quý; còn một số nhiệm vụ "
    "chậm tiến độ do vướng thủ tục đầu tư, đã có giải pháp khắc phục trong quý IV."
)
APPRAISAL_COMMENT = (
    "Văn phòng Trung ương thẩm định: số liệu tiến độ và báo cáo khớp với hệ thống; tỷ lệ hoàn thành "
    "đúng hạn và chỉ tiêu như điểm hệ thống tính."
)


def _leaders(agencies: dict[str, Agency]) -> dict[str, User]:
    """The provinces' leaders: Hà Nội's documented account, and one new account for the others."""
    found = {"HNI": User.objects.get(username="lanhdao.hni")}
    password = make_password(DEMO_PASSWORD)
    for code, (name, position, _self, _appraised) in PROVINCES.items():
        if code in found or code not in agencies:
            continue
        found[code] = User.objects.create(
            username=f"lanhdao.{code.lower()}",
            password=password,
            full_name=name,
            position=position,
            agency=agencies[code],
            role=Role.LEADER,
            must_change_password=False,
        )
    return found


def build_evaluations() -> dict[str, Any]:
    """Compute and walk the demo evaluations (judged on the real today, like the evaluation service);
    nothing when the quarter has not begun yet."""
    period = ReportingPeriod.objects.filter(
        kind=PeriodKind.QUARTER, cutoff=configured_cutoff(), code=QUARTER
    ).first()
    if period is None or period.start > clock.today():
        return {"evaluations": 0}
    national = User.objects.get(username=NATIONAL_LEADER)
    root = Agency.objects.get(code=ROOT_CODE)
    result = services.compute_evaluations(
        national, period=period, agency=root, agency_kind=AgencyKind.PROVINCIAL_PARTY
    )
    agencies = {ev.agency.code: ev.agency for ev in result.created}
    leaders = _leaders(agencies)
    for code, (_name, _position, self_level, appraised) in PROVINCES.items():
        if code not in leaders:
            continue
        ev = Evaluation.objects.get(agency=agencies[code], period=period)
        services.self_assess(leaders[code], ev, level=self_level, comment=SELF_COMMENT)
        if appraised is not None:
            services.appraise(
                national,
                ev,
                level=appraised,
                comment=APPRAISAL_COMMENT,
                proposal="Đề nghị Thường trực Ban Bí thư xem xét, quyết định.",
            )
    if "HNI" not in agencies:
        return {"evaluations": len(result.created)}
    hanoi = Evaluation.objects.get(agency=agencies["HNI"], period=period)
    services.decide(
        national,
        hanoi,
        level=Level.GOOD,
        number="215-QĐ/VPTW",
        decided_on=clock.today(),
        note="Quyết định xếp loại theo đề xuất thẩm định (dữ liệu minh họa).",
    )
    return {"evaluations": len(result.created)}
