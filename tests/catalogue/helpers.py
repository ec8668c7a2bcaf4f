from __future__ import annotations

from typing import Any

from resmon.catalogue import services
from resmon.catalogue.models import Aggregation, Direction, Frequency, Indicator


def definition(world, **overrides: Any) -> dict[str, Any]:
    data = {
        "code": "NQ57-DVC-01",
        "name": "Tỷ lệ dịch vụ công trực tuyến toàn trình",
        "definition": "Số thủ tục trực tuyến toàn trình chia cho tổng số thủ tục, nhân 100.",
        "unit": "%",
        "direction": Direction.HIGHER,
        "aggregation": Aggregation.AVERAGE,
        "frequency": Frequency.QUARTER,
        "owner_agency": world.bo_khcn,
        "resolution_hint": "57-NQ/TW",
    }
    data.update(overrides)
    return data


def make_indicator(world, **overrides: Any) -> Indicator:
    return services.create_indicator(world.users["sysadmin"], **definition(world, **overrides))
