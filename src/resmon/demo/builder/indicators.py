"""The demo indicator catalogue for the seven resolutions, and KPIs on some demo tasks.

The definitions are realistic but synthetic (``is_demo=True``); the numbers on the trajectories
are invented. Everything is written with bulk_create: indicators, then their first versions,
then ``current``; then one KPI with a four-point trajectory on the top task of each programme
for the resolutions listed in ``KPI_FOR``.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from resmon.agencies.models import Agency
from resmon.catalogue.models import Aggregation, Direction, Frequency, Indicator, IndicatorVersion
from resmon.planning.models import TargetPoint, Task, TaskIndicator

H, L = Direction.HIGHER, Direction.LOWER
SUM, AVG, LAST, RATIO = Aggregation.SUM, Aggregation.AVERAGE, Aggregation.LAST, Aggregation.RATIO
MONTH, QUARTER, YEAR = Frequency.MONTH, Frequency.QUARTER, Frequency.YEAR


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    unit: str
    direction: str
    aggregation: str
    frequency: str
    owner: str  # agency code
    resolution: str
    definition: str
    ratio: tuple[str, str] | None = None  # (numerator code, denominator code)
    part_of: str | None = None  # the code of the whole this indicator is a part of


# The checks a reported value passes (catalogue: min/max, decimal places): percentages lie in
# 0–100, counts are whole numbers, nothing here can be negative.
COUNT_UNITS = frozenset({"đơn", "văn bản", "doanh nghiệp", "giường"})


def value_checks(spec: Spec) -> dict[str, Any]:
    """min_value, max_value and decimal_places for a demo indicator, from its unit."""
    if spec.unit.startswith("%"):
        return {"min_value": Decimal(0), "max_value": Decimal(100), "decimal_places": 2}
    if spec.unit in COUNT_UNITS:
        return {"min_value": Decimal(0), "max_value": None, "decimal_places": 0}
    return {"min_value": Decimal(0), "max_value": None, "decimal_places": 2}


CATALOGUE: tuple[Spec, ...] = (
    # 57-NQ/TW: science, technology, innovation, digital transformation
    Spec(
        "NQ57-DVC-01",
        "Tỷ lệ dịch vụ công trực tuyến toàn trình",
        "%",
        H,
        AVG,
        QUARTER,
        "VPCP",
        "57-NQ/TW",
        "Số thủ tục hành chính được cung cấp dưới dạng dịch vụ công trực tuyến toàn trình chia cho tổng số "
        "thủ tục hành chính đủ điều kiện, nhân 100. Nguồn: Cổng Dịch vụ công quốc gia.",
    ),
    Spec(
        "NQ57-HS-01",
        "Tỷ lệ hồ sơ thủ tục hành chính được số hóa",
        "%",
        H,
        AVG,
        QUARTER,
        "VPCP",
        "57-NQ/TW",
        "Số hồ sơ thủ tục hành chính được số hóa, lưu trữ và tái sử dụng kết quả chia cho tổng số hồ sơ "
        "tiếp nhận trong kỳ, nhân 100.",
    ),
    Spec(
        "NQ57-RD-01",
        "Chi cho nghiên cứu và phát triển so với GDP",
        "% GDP",
        H,
        LAST,
        YEAR,
        "BKHCN",
        "57-NQ/TW",
        "Tổng chi cho nghiên cứu khoa học và phát triển công nghệ (ngân sách và ngoài ngân "
        "sách) chia cho GDP theo giá hiện hành, nhân 100. Nguồn: điều tra nghiên cứu và phát triển.",
    ),
    Spec(
        "NQ57-KTS-01",
        "Tỷ trọng kinh tế số trong GDP",
        "%",
        H,
        LAST,
        YEAR,
        "BKHCN",
        "57-NQ/TW",
        "Giá trị tăng thêm của kinh tế số chia cho GDP, nhân 100, theo phương pháp của cơ quan thống kê.",
    ),
    Spec(
        "NQ57-NL-01",
        "Số cán bộ nghiên cứu trên 1 vạn dân",
        "người/vạn dân",
        H,
        LAST,
        YEAR,
        "BKHCN",
        "57-NQ/TW",
        "Số cán bộ nghiên cứu quy đổi toàn thời gian chia cho dân số trung bình (vạn người).",
    ),
    Spec(
        "NQ57-SC-01",
        "Số đơn đăng ký sáng chế được nộp",
        "đơn",
        H,
        SUM,
        YEAR,
        "BKHCN",
        "57-NQ/TW",
        "Số đơn đăng ký sáng chế của tổ chức, cá nhân trong nước được nộp trong năm.",
    ),
    # 59-NQ/TW: international integration
    Spec(
        "NQ59-FDI-01",
        "Vốn đầu tư trực tiếp nước ngoài thực hiện",
        "tỷ USD",
        H,
        SUM,
        QUARTER,
        "BTC",
        "59-NQ/TW",
        "Vốn FDI được giải ngân trong kỳ theo báo cáo của nhà đầu tư và cơ quan quản lý.",
    ),
    Spec(
        "NQ59-XK-01",
        "Kim ngạch xuất khẩu hàng hóa",
        "tỷ USD",
        H,
        SUM,
        MONTH,
        "BCT",
        "59-NQ/TW",
        "Tổng trị giá hàng hóa xuất khẩu trong kỳ theo số liệu hải quan.",
    ),
    Spec(
        "NQ59-FTA-01",
        "Tỷ lệ kim ngạch xuất khẩu sử dụng ưu đãi FTA",
        "%",
        H,
        AVG,
        YEAR,
        "BCT",
        "59-NQ/TW",
        "Trị giá xuất khẩu có chứng nhận xuất xứ ưu đãi theo các hiệp định thương mại tự do chia cho "
        "kim ngạch xuất khẩu sang các thị trường có FTA, nhân 100.",
    ),
    # 66-NQ/TW: law making and enforcement
    Spec(
        "NQ66-RS-01",
        "Số văn bản quy phạm pháp luật được rà soát",
        "văn bản",
        H,
        SUM,
        QUARTER,
        "BTP",
        "66-NQ/TW",
        "Số văn bản quy phạm pháp luật hoàn thành rà soát, có kết luận xử lý trong kỳ.",
    ),
    Spec(
        "NQ66-SD-01",
        "Số văn bản được sửa đổi, bổ sung, thay thế hoặc bãi bỏ",
        "văn bản",
        H,
        SUM,
        QUARTER,
        "BTP",
        "66-NQ/TW",
        "Số văn bản quy phạm pháp luật có vướng mắc sau rà soát (trong số văn bản của chỉ tiêu "
        "NQ66-RS-01) được sửa đổi, bổ sung, thay thế hoặc bãi bỏ trong kỳ.",
        part_of="NQ66-RS-01",
    ),
    Spec(
        "NQ66-TG-01",
        "Thời gian trung bình xây dựng một luật",
        "tháng",
        L,
        AVG,
        YEAR,
        "BTP",
        "66-NQ/TW",
        "Số tháng bình quân từ khi được đưa vào chương trình xây dựng luật đến khi được thông qua.",
    ),
    # 68-NQ/TW: private economic development
    Spec(
        "NQ68-DN-01",
        "Số doanh nghiệp tư nhân đang hoạt động",
        "doanh nghiệp",
        H,
        SUM,
        YEAR,
        "BTC",
        "68-NQ/TW",
        "Số doanh nghiệp khu vực tư nhân đang hoạt động tại thời điểm cuối kỳ.",
    ),
    Spec(
        "NQ68-DN-02",
        "Số doanh nghiệp thành lập mới",
        "doanh nghiệp",
        H,
        SUM,
        QUARTER,
        "BTC",
        "68-NQ/TW",
        "Số doanh nghiệp đăng ký thành lập mới trong kỳ theo Hệ thống thông tin quốc gia về đăng ký "
        "doanh nghiệp.",
    ),
    Spec(
        "NQ68-GDP-01",
        "Tỷ trọng kinh tế tư nhân trong GDP",
        "%",
        H,
        LAST,
        YEAR,
        "BTC",
        "68-NQ/TW",
        "Giá trị tăng thêm của khu vực kinh tế tư nhân chia cho GDP, nhân 100.",
    ),
    # 70-NQ/TW: energy security
    Spec(
        "NQ70-NLTT-01",
        "Tỷ trọng năng lượng tái tạo trong tổng cung năng lượng sơ cấp",
        "%",
        H,
        LAST,
        YEAR,
        "BCT",
        "70-NQ/TW",
        "Năng lượng sơ cấp từ nguồn tái tạo chia cho tổng cung năng lượng sơ cấp, nhân 100.",
    ),
    Spec(
        "NQ70-CDNL-01",
        "Cường độ năng lượng sơ cấp",
        "kgOE/1.000 USD GDP",
        L,
        LAST,
        YEAR,
        "BCT",
        "70-NQ/TW",
        "Tổng cung năng lượng sơ cấp (kg dầu quy đổi) trên 1.000 USD GDP; thấp hơn là tốt hơn.",
    ),
    Spec(
        "NQ70-DIEN-01",
        "Tỷ lệ hộ gia đình được sử dụng điện",
        "%",
        H,
        AVG,
        YEAR,
        "BCT",
        "70-NQ/TW",
        "Số hộ gia đình được sử dụng điện chia cho tổng số hộ gia đình, nhân 100.",
    ),
    # 71-NQ/TW: education and training
    Spec(
        "NQ71-TH-01",
        "Tỷ lệ nhập học đúng độ tuổi cấp tiểu học",
        "%",
        H,
        AVG,
        YEAR,
        "BGDDT",
        "71-NQ/TW",
        "Số học sinh tiểu học trong độ tuổi 6-10 chia cho dân số độ tuổi 6-10, nhân 100.",
    ),
    Spec(
        "NQ71-THCS-01",
        "Tỷ lệ nhập học đúng độ tuổi cấp trung học cơ sở",
        "%",
        H,
        AVG,
        YEAR,
        "BGDDT",
        "71-NQ/TW",
        "Số học sinh trung học cơ sở trong độ tuổi 11-14 chia cho dân số độ tuổi 11-14, nhân 100.",
    ),
    Spec(
        "NQ71-CQ-01",
        "Tỷ lệ trường phổ thông đạt chuẩn quốc gia",
        "%",
        H,
        AVG,
        YEAR,
        "BGDDT",
        "71-NQ/TW",
        "Số trường phổ thông được công nhận đạt chuẩn quốc gia chia cho tổng số trường phổ thông, nhân 100.",
    ),
    Spec(
        "NQ71-SV-01",
        "Số sinh viên đại học trên 1 vạn dân",
        "sinh viên/vạn dân",
        H,
        LAST,
        YEAR,
        "BGDDT",
        "71-NQ/TW",
        "Số sinh viên đại học hệ chính quy chia cho dân số trung bình (vạn người).",
    ),
    # 72-NQ/TW: people's health
    Spec(
        "NQ72-GB-01",
        "Số giường bệnh",
        "giường",
        H,
        SUM,
        YEAR,
        "BYT",
        "72-NQ/TW",
        "Số giường bệnh kế hoạch của các cơ sở khám bệnh, chữa bệnh công lập và tư nhân tại thời điểm "
        "cuối năm.",
    ),
    Spec(
        "NQ72-DS-01",
        "Dân số trung bình",
        "vạn người",
        H,
        SUM,
        YEAR,
        "BTC",
        "72-NQ/TW",
        "Dân số trung bình trong năm theo số liệu của cơ quan thống kê, tính bằng vạn người.",
    ),
    Spec(
        "NQ72-GB-02",
        "Số giường bệnh trên 1 vạn dân",
        "giường/vạn dân",
        H,
        RATIO,
        YEAR,
        "BYT",
        "72-NQ/TW",
        "Số giường bệnh (NQ72-GB-01) chia cho dân số trung bình tính bằng vạn người (NQ72-DS-01); "
        "cộng dồn tử số và mẫu số trước khi chia.",
        ratio=("NQ72-GB-01", "NQ72-DS-01"),
    ),
    Spec(
        "NQ72-BHYT-01",
        "Tỷ lệ bao phủ bảo hiểm y tế",
        "% dân số",
        H,
        AVG,
        YEAR,
        "BYT",
        "72-NQ/TW",
        "Số người tham gia bảo hiểm y tế chia cho dân số trung bình, nhân 100.",
    ),
    Spec(
        "NQ72-CTT-01",
        "Tỷ lệ chi tiêu trực tiếp từ tiền túi của người dân trong tổng chi y tế",
        "%",
        L,
        AVG,
        YEAR,
        "BYT",
        "72-NQ/TW",
        "Chi trả trực tiếp của hộ gia đình cho dịch vụ y tế chia cho tổng chi y tế, nhân 100; "
        "thấp hơn là tốt hơn.",
    ),
    Spec(
        "NQ72-HSSK-01",
        "Tỷ lệ người dân có hồ sơ sức khỏe điện tử",
        "%",
        H,
        AVG,
        QUARTER,
        "BYT",
        "72-NQ/TW",
        "Số người dân có hồ sơ sức khỏe điện tử được cập nhật chia cho dân số, nhân 100.",
    ),
)
OWNER_CODES = tuple(sorted({s.owner for s in CATALOGUE}))


@dataclass(frozen=True)
class Trajectory:
    baseline: tuple[float, float]  # the range a programme's baseline is drawn from
    target: float  # the value planned for the last date
    criterion: str


BASELINE_DATE = dt.date(2024, 12, 31)
TARGET_DATES = (dt.date(2025, 12, 31), dt.date(2026, 12, 31), dt.date(2027, 12, 31), dt.date(2030, 12, 31))
KPI_FOR: dict[str, tuple[str, Trajectory]] = {
    "57-NQ/TW": (
        "NQ57-DVC-01",
        Trajectory(
            (35, 65),
            100,
            "Đạt khi đến 31/12/2030 toàn bộ thủ tục đủ điều kiện được cung cấp trực "
            "tuyến toàn trình (100%) và các mốc hằng năm đạt kế hoạch.",
        ),
    ),
    "71-NQ/TW": (
        "NQ71-CQ-01",
        Trajectory(
            (55, 75), 90, "Đạt khi tỷ lệ trường đạt chuẩn quốc gia tại 31/12/2030 không thấp hơn 90%."
        ),
    ),
    "72-NQ/TW": (
        "NQ72-BHYT-01",
        Trajectory((88, 94), 100, "Đạt khi bảo hiểm y tế bao phủ toàn dân (100%) vào 31/12/2030."),
    ),
}


def create_catalogue() -> dict[str, Indicator]:
    """The demo catalogue, written in three bulk statements; returns it by code."""
    owners = {a.code: a for a in Agency.objects.filter(code__in=OWNER_CODES)}
    missing = sorted(set(OWNER_CODES) - set(owners))
    if missing:
        raise ValueError(f"owner agencies missing from the tree: {', '.join(missing)}")
    indicators = Indicator.objects.bulk_create([Indicator(code=s.code, is_demo=True) for s in CATALOGUE])
    by_code = {i.code: i for i in indicators}  # SQLite and PostgreSQL return the new ids
    versions = IndicatorVersion.objects.bulk_create(
        [
            IndicatorVersion(
                indicator=by_code[s.code],
                version=1,
                name=s.name,
                definition=s.definition,
                unit=s.unit,
                direction=s.direction,
                aggregation=s.aggregation,
                numerator=by_code[s.ratio[0]] if s.ratio else None,
                denominator=by_code[s.ratio[1]] if s.ratio else None,
                frequency=s.frequency,
                owner_agency=owners[s.owner],
                resolution_hint=s.resolution,
                part_of=by_code[s.part_of] if s.part_of else None,
                **value_checks(s),
            )
            for s in CATALOGUE
        ]
    )
    for v in versions:
        by_code[v.indicator.code].current = v
    Indicator.objects.bulk_update(list(by_code.values()), ["current"])
    return by_code


def _top_tasks(resolution_number: str) -> list[Task]:
    """The first top-level task of each programme for the resolution."""
    seen: set[int] = set()
    out = []
    rows = (
        Task.objects.filter(resolution__number=resolution_number, parent__isnull=True)
        .order_by("program_id", "position", "code", "id")
        .only("id", "program_id")
    )
    for task in rows.iterator(chunk_size=2000):
        if task.program_id not in seen:
            seen.add(task.program_id)
            out.append(task)
    return out


def _step(value: float) -> Decimal:
    return Decimal(str(round(value, 1)))


def attach_kpis(catalogue: dict[str, Indicator], seed: int) -> int:
    """One KPI with a baseline and four target points on each programme's first task."""
    rng = random.Random(seed + 57)
    kpis: list[TaskIndicator] = []
    plans: list[list[Decimal]] = []
    for number, (code, traj) in KPI_FOR.items():
        indicator = catalogue.get(code)
        if indicator is None:
            continue
        for task in _top_tasks(number):
            baseline = rng.uniform(*traj.baseline)
            span = traj.target - baseline
            # an S-ish path: faster at the start, then levelling off at the target
            shares = (0.35, 0.6, 0.75, 1.0)
            kpis.append(
                TaskIndicator(
                    task_id=task.pk,
                    indicator=indicator,
                    indicator_version_id=indicator.current_id,
                    baseline_value=_step(baseline),
                    baseline_date=BASELINE_DATE,
                    criterion=traj.criterion,
                )
            )
            plans.append([_step(baseline + span * s) for s in shares])
    created = TaskIndicator.objects.bulk_create(kpis, batch_size=1000)
    points = [
        TargetPoint(kpi=kpi, on=on, value=value)
        for kpi, values in zip(created, plans, strict=True)
        for on, value in zip(TARGET_DATES, values, strict=True)
    ]
    TargetPoint.objects.bulk_create(points, batch_size=2000)
    return len(created)


def seed_indicators(seed: int) -> dict[str, int]:
    """The demo catalogue and the KPIs on demo tasks (call after the tasks are saved)."""
    catalogue = create_catalogue()
    return {"indicators": len(catalogue), "task_kpis": attach_kpis(catalogue, seed)}
