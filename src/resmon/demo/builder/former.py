"""Action programmes of the 63 former provinces for the resolutions issued before the merger.

Resolutions 57 and 59 predate the merger of 2025: each former provincial party committee issued
its programme and assigned a few tasks to its own People's Committee and departments. The merger
replay then carries them into the 34 new provinces.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from . import vocab
from .names import person_name
from .plans import PlanBuilder
from .tree import FORMER_DEPARTMENTS, MERGER_DAY, FormerProvince

FORMER_RESOLUTIONS = ("57-NQ/TW", "59-NQ/TW")


def build_former(builder: PlanBuilder) -> None:
    rng = builder.rng
    for prov in builder.tree.provinces:
        for former in prov.former:
            number = rng.randint(3, 20)
            for res_number in FORMER_RESOLUTIONS:
                number += rng.randint(1, 6)
                _former_program(builder, former, res_number, number)


def _former_program(builder: PlanBuilder, former: FormerProvince, res_number: str, number: int) -> None:
    rng = builder.rng
    res = builder.resolutions[res_number]
    latest = MERGER_DAY - dt.timedelta(days=20)
    issued = min(res.issued_on + dt.timedelta(days=rng.randint(30, 90)), latest)
    secretary = "Bí thư Thành ủy" if former.is_city else "Bí thư Tỉnh ủy"
    prog = builder.program(res, former.party, f"{number}-CTr/TU", f"{person_name(rng)} – {secretary}", issued)
    items = [i for i in vocab.PROVINCE[res_number] if i.lead == "UBND" or i.lead in FORMER_DEPARTMENTS]
    chosen = sorted(rng.sample(range(len(items)), min(len(items), rng.randint(2, 3))))
    for k, index in enumerate(chosen, 1):
        item = items[index]
        lead = former.ubnd if item.lead == "UBND" else former.departments[item.lead]
        due = builder._due(issued, item.review)
        title = item.title.format(place=former.full_place)
        task = builder.task(
            prog, None, str(k), lead, former.party, title, item.dtype, item.deliverable, due, item.review
        )
        task.weight = Decimal(rng.choice((1, 2, 2, 3)))
        task.source_clause = f"Mục III.{index + 1} Nghị quyết số {res_number}"
