"""The agency tree, built in memory with its materialised paths and written with bulk_create.

Paths follow django-treebeard's MP_Node layout (4 base-36 characters per level, children
numbered from 1 in insertion order), and ``depth``/``numchild`` are kept as the nodes are
added, so the written tree passes ``Agency.objects.find_problems()`` without add_child's
per-node queries.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass, field
from pathlib import Path

from resmon.agencies.models import Agency, AgencyKind, Level

from .names import (
    ADMIN_WORD,
    COMMUNE,
    SPECIAL_ZONE,
    WARD,
    ProvinceShape,
    ascii_fold,
    commune_split,
    place_names,
)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

MERGER_DAY = dt.date(2025, 6, 12)  # the 34 provincial units are in force from this day
FORMER_UNTIL = MERGER_DAY - dt.timedelta(days=1)
COMMUNES_FROM = dt.date(2025, 7, 1)  # two-tier local government
BATCH = 500

CENTRAL_CODES = {
    "Văn phòng Trung ương Đảng": "VPTW",
    "Ban Tổ chức Trung ương": "BTCTW",
    "Ban Tuyên giáo và Dân vận Trung ương": "BTGDVTW",
    "Ban Chính sách, chiến lược Trung ương": "BCSCLTW",
    "Ban Nội chính Trung ương": "BNCTW",
    "Ủy ban Kiểm tra Trung ương": "UBKTTW",
    "Đảng ủy các cơ quan Đảng Trung ương": "DUCQDTW",
    "Đảng ủy Chính phủ": "DUCP",
    "Đảng ủy Quốc hội": "DUQH",
    "Đảng ủy Mặt trận Tổ quốc và các đoàn thể Trung ương": "DUMTTQ",
    "Quân ủy Trung ương": "QUTW",
    "Đảng ủy Công an Trung ương": "DUCATW",
    "Bộ Quốc phòng": "BQP",
    "Bộ Công an": "BCA",
    "Bộ Ngoại giao": "BNG",
    "Bộ Nội vụ": "BNV",
    "Bộ Tư pháp": "BTP",
    "Bộ Tài chính": "BTC",
    "Bộ Công Thương": "BCT",
    "Bộ Nông nghiệp và Môi trường": "BNNMT",
    "Bộ Xây dựng": "BXD",
    "Bộ Văn hóa, Thể thao và Du lịch": "BVHTTDL",
    "Bộ Khoa học và Công nghệ": "BKHCN",
    "Bộ Giáo dục và Đào tạo": "BGDDT",
    "Bộ Y tế": "BYT",
    "Bộ Dân tộc và Tôn giáo": "BDTTG",
    "Ngân hàng Nhà nước Việt Nam": "NHNN",
    "Thanh tra Chính phủ": "TTCP",
    "Văn phòng Chính phủ": "VPCP",
}
GOVERNMENT_PARTY_COMMITTEE = "DUCP"

MINISTRY_UNITS = (("VP", "Văn phòng Bộ"), ("KHTC", "Vụ Kế hoạch - Tài chính"), ("CDS", "Cục Chuyển đổi số"))
AGENCY_UNITS = (("VP", "Văn phòng"), ("KHTC", "Vụ Kế hoạch - Tài chính"), ("CNTT", "Cục Công nghệ thông tin"))

DEPARTMENTS = (
    ("SNV", "Sở Nội vụ"),
    ("STC", "Sở Tài chính"),
    ("SKHCN", "Sở Khoa học và Công nghệ"),
    ("SGDDT", "Sở Giáo dục và Đào tạo"),
    ("SYT", "Sở Y tế"),
    ("SCT", "Sở Công Thương"),
    ("STP", "Sở Tư pháp"),
    ("SNNMT", "Sở Nông nghiệp và Môi trường"),
)
FORMER_DEPARTMENTS = ("SNV", "STC", "SKHCN")  # the departments the demo gives a former province
FORMER_CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Thành phố Hồ Chí Minh", "Cần Thơ"}


@dataclass
class Commune:
    party: Agency
    ubnd: Agency
    admin_type: str
    label: str  # "xã Tân An"


@dataclass
class FormerProvince:
    """One of the 63 provinces before the merger: its party committee, People's Committee and a
    few departments, active until the merger replays them into the new province."""

    name: str  # "Hà Giang"
    is_city: bool
    party: Agency
    ubnd: Agency
    departments: dict[str, Agency] = field(default_factory=dict)

    @property
    def full_place(self) -> str:
        return (
            self.name
            if self.name.startswith("Thành phố")
            else f"{'thành phố' if self.is_city else 'tỉnh'} {self.name}"
        )


@dataclass
class Province:
    code: str
    name: str  # "Thành phố Hà Nội", "Lai Châu"
    is_city: bool
    formed_from: list[str]
    party: Agency | None = None
    ubnd: Agency | None = None
    departments: dict[str, Agency] = field(default_factory=dict)
    communes: list[Commune] = field(default_factory=list)
    former: list[FormerProvince] = field(default_factory=list)

    @property
    def place(self) -> str:
        """The name used after "tỉnh"/"thành phố": "Hà Nội", "Lai Châu"; HCM keeps its full name."""
        if self.code != "HCM" and self.name.startswith("Thành phố "):
            return self.name.removeprefix("Thành phố ")
        return self.name

    @property
    def unit_word(self) -> str:
        return "thành phố" if self.is_city else "tỉnh"

    @property
    def full_place(self) -> str:
        """ "thành phố Hà Nội", "tỉnh Lai Châu", "Thành phố Hồ Chí Minh"."""
        return self.name if self.code == "HCM" else f"{self.unit_word} {self.place}"

    @property
    def party_name(self) -> str:
        return f"{'Thành ủy' if self.is_city else 'Tỉnh ủy'} {self.place}"


@dataclass
class AgencyTree:
    root: Agency
    central: dict[str, Agency]  # code -> party body, party committee, ministry or agency
    ministries: list[Agency]
    ministry_units: dict[str, list[Agency]]
    provinces: list[Province]
    nodes: list[Agency]

    def by_code(self, code: str) -> Agency:
        return self.central[code]


class _PathAllocator:
    """Hands out treebeard paths in insertion order and keeps depth and numchild right."""

    def __init__(self) -> None:
        self.nodes: list[Agency] = []
        self._roots = 0

    def add(self, parent: Agency | None, **fields) -> Agency:
        if parent is None:
            self._roots += 1
            depth, step, base = 1, self._roots, ""
        else:
            parent.numchild += 1
            depth, step, base = parent.depth + 1, parent.numchild, parent.path
        node = Agency(path=Agency._get_path(base, depth, step), depth=depth, numchild=0, **fields)
        self.nodes.append(node)
        return node


def read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _former_code(name: str) -> str:
    return "CU-" + "".join(ch for ch in ascii_fold(name).upper() if ch.isalnum())


def build_tree(seed: int = 2025) -> AgencyTree:
    alloc = _PathAllocator()
    root = alloc.add(
        None,
        code="TW",
        name="Ban Chấp hành Trung ương",
        short_name="BCH TW",
        kind=AgencyKind.CENTRAL_COMMITTEE,
        level=Level.CENTRAL,
    )
    central: dict[str, Agency] = {}
    ministries: list[Agency] = []
    units: dict[str, list[Agency]] = {}
    rows = read_csv("central-agencies.csv")
    for row in rows:  # party bodies and party committees directly under the Central Committee
        if row["group"] in (AgencyKind.PARTY_CENTRAL, AgencyKind.PARTY_COMMITTEE):
            code = CENTRAL_CODES[row["name"]]
            central[code] = alloc.add(
                root, code=code, name=row["name"], kind=row["group"], level=Level.CENTRAL
            )
    government = central[GOVERNMENT_PARTY_COMMITTEE]
    for row in rows:  # state bodies sit under the Government's party committee
        if row["group"] in (AgencyKind.MINISTRY, AgencyKind.MINISTERIAL_AGENCY):
            code = CENTRAL_CODES[row["name"]]
            ministry = alloc.add(
                government, code=code, name=row["name"], kind=row["group"], level=Level.CENTRAL
            )
            central[code] = ministry
            ministries.append(ministry)
            unit_names = MINISTRY_UNITS if row["group"] == AgencyKind.MINISTRY else AGENCY_UNITS
            units[code] = [
                alloc.add(
                    ministry,
                    code=f"{code}-{suffix}",
                    name=unit_name,
                    short_name=f"{unit_name} ({code})",
                    kind=AgencyKind.MINISTRY_UNIT,
                    level=Level.CENTRAL,
                )
                for suffix, unit_name in unit_names
            ]

    provinces = [
        Province(
            code=row["code"],
            name=row["name"],
            is_city=row["kind"] == "city",
            formed_from=[p.strip() for p in row["formed_from"].split(";")],
        )
        for row in read_csv("provinces-2025.csv")
    ]
    for prov in provinces:  # the 63 former provinces, active until the merger is replayed
        for former in prov.formed_from:
            prov.former.append(_build_former(alloc, root, former))
    return AgencyTree(root, central, ministries, units, provinces, alloc.nodes)


def _build_former(alloc: _PathAllocator, root: Agency, name: str) -> FormerProvince:
    is_city = name in FORMER_CITIES
    code = _former_code(name)
    party = alloc.add(
        root,
        code=code,
        name=f"{'Thành ủy' if is_city else 'Tỉnh ủy'} {name}",
        kind=AgencyKind.PROVINCIAL_PARTY,
        level=Level.PROVINCE,
        admin_type="city" if is_city else "province",
    )
    former = FormerProvince(name, is_city, party, party)
    former.ubnd = alloc.add(
        party,
        code=f"{code}-UBND",
        name=f"UBND {former.full_place}",
        kind=AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE,
        level=Level.PROVINCE,
    )
    for suffix, dept_name in DEPARTMENTS:
        if suffix in FORMER_DEPARTMENTS:
            former.departments[suffix] = alloc.add(
                former.ubnd,
                code=f"{code}-{suffix}",
                name=f"{dept_name} {former.full_place}",
                short_name=dept_name,
                kind=AgencyKind.PROVINCIAL_DEPARTMENT,
                level=Level.PROVINCE,
            )
    return former


def attach_provinces(tree: AgencyTree, seed: int = 2025) -> None:
    """After the merger replay: load the 34 new provinces, give each the departments the merger
    did not create, and build their communes (two-tier local government from 1 July 2025)."""
    made = {a.code: a for a in Agency.objects.filter(valid_to__isnull=True, level=Level.PROVINCE)}
    alloc = _PathAllocator()
    for prov in tree.provinces:
        prov.party, prov.ubnd = made[prov.code], made[f"{prov.code}-UBND"]
        for suffix, dept_name in DEPARTMENTS:
            dept = made.get(f"{prov.code}-{suffix}")
            if dept is None:
                dept = alloc.add(
                    prov.ubnd,
                    code=f"{prov.code}-{suffix}",
                    name=f"{dept_name} {prov.full_place}",
                    short_name=dept_name,
                    kind=AgencyKind.PROVINCIAL_DEPARTMENT,
                    level=Level.PROVINCE,
                    valid_from=MERGER_DAY,
                )
            prov.departments[suffix] = dept
    split = commune_split([ProvinceShape(p.code, p.is_city, len(p.formed_from)) for p in tree.provinces])
    for prov in tree.provinces:
        _build_communes(alloc, prov, split[prov.code], random.Random(f"{seed}:communes:{prov.code}"))
    Agency.objects.bulk_create(alloc.nodes, batch_size=BATCH)
    parents = [p.party for p in tree.provinces] + [p.ubnd for p in tree.provinces]
    Agency.objects.bulk_update(parents, ["numchild"], batch_size=BATCH)
    tree.nodes.extend(list(made.values()) + alloc.nodes)


def _build_communes(alloc: _PathAllocator, prov: Province, split: dict[str, int], rng) -> None:
    kinds = [COMMUNE] * split[COMMUNE] + [WARD] * split[WARD] + [SPECIAL_ZONE] * split[SPECIAL_ZONE]
    for number, (admin_type, name) in enumerate(zip(kinds, place_names(rng, len(kinds)), strict=True), 1):
        label = f"{ADMIN_WORD[admin_type]} {name}"
        code = f"{prov.code}-X{number:03d}"
        party = alloc.add(
            prov.party,
            code=code,
            name=f"Đảng ủy {label}",
            kind=AgencyKind.COMMUNE_PARTY,
            level=Level.COMMUNE,
            admin_type=admin_type,
            valid_from=COMMUNES_FROM,
            is_synthetic=True,
        )
        ubnd = alloc.add(
            party,
            code=f"{code}-UBND",
            name=f"UBND {label}",
            kind=AgencyKind.COMMUNE_PEOPLES_COMMITTEE,
            level=Level.COMMUNE,
            admin_type=admin_type,
            valid_from=COMMUNES_FROM,
            is_synthetic=True,
        )
        prov.communes.append(Commune(party, ubnd, admin_type, label))


def save_tree(tree: AgencyTree) -> None:
    """Write every node (ids come back from the database)."""
    Agency.objects.bulk_create(tree.nodes, batch_size=BATCH)
