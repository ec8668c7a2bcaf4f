"""Demo accounts (password "demo"): the documented ones, plus one focal officer per province."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password

from resmon.accounts.models import Grant, User
from resmon.core.access import Role
from resmon.planning.models import Resolution, SteeringMember

from .names import person_name
from .tree import AgencyTree

DEMO_PASSWORD = "demo"
DOCUMENTED_USERNAMES = (
    "admin", "lanhdao.tw", "bcd.nq57", "kiemtra.tw", "quantri.vptw", "lanhdao.bkhcn", "daumoi.bkhcn",
    "quantri.bkhcn", "lanhdao.hni", "daumoi.hni", "quantri.hni", "daumoi.hni.skhcn", "daumoi.hcm",
    "lanhdao.xa.hni", "daumoi.xa.hni",
)  # fmt: skip


@dataclass(frozen=True)
class Account:
    username: str
    agency_code: str
    role: str
    full_name: str
    position: str


def documented_accounts(tree: AgencyTree) -> list[Account]:
    """The accounts the README lists; the commune ones sit at Hà Nội's first commune."""
    hni = next(p for p in tree.provinces if p.code == "HNI")
    first = hni.communes[0]
    return [
        Account("admin", "TW", Role.SYSTEM_ADMIN, "Nguyễn Quốc Hưng", "Quản trị viên hệ thống"),
        Account("lanhdao.tw", "TW", Role.LEADER, "Trần Minh Đức", "Lãnh đạo theo dõi thực hiện Nghị quyết"),
        Account(
            "bcd.nq57",
            "BCSCLTW",
            Role.LEADER,
            "Lê Thanh Sơn",
            "Phó Trưởng Ban Chính sách, chiến lược Trung ương; Ủy viên Ban Chỉ đạo",
        ),
        Account(
            "kiemtra.tw",
            "UBKTTW",
            Role.INSPECTOR,
            "Phạm Thị Hồng Vân",
            "Vụ trưởng, Ủy ban Kiểm tra Trung ương",
        ),
        Account(
            "quantri.vptw",
            "VPTW",
            Role.AGENCY_ADMIN,
            "Hoàng Văn Tuấn",
            "Quản trị hệ thống, Văn phòng Trung ương Đảng",
        ),
        Account("lanhdao.bkhcn", "BKHCN", Role.LEADER, "Vũ Đức Long", "Thứ trưởng Bộ Khoa học và Công nghệ"),
        Account(
            "daumoi.bkhcn", "BKHCN", Role.FOCAL_OFFICER, "Đặng Thị Thu Hà", "Chuyên viên chính, Văn phòng Bộ"
        ),
        Account(
            "quantri.bkhcn",
            "BKHCN",
            Role.AGENCY_ADMIN,
            "Bùi Quang Huy",
            "Quản trị hệ thống, Cục Chuyển đổi số",
        ),
        Account("lanhdao.hni", "HNI", Role.LEADER, "Nguyễn Văn Thắng", "Phó Bí thư Thành ủy Hà Nội"),
        Account(
            "daumoi.hni", "HNI", Role.FOCAL_OFFICER, "Đỗ Thị Lan", "Chuyên viên, Văn phòng Thành ủy Hà Nội"
        ),
        Account(
            "quantri.hni",
            "HNI",
            Role.AGENCY_ADMIN,
            "Ngô Minh Khánh",
            "Quản trị hệ thống, Văn phòng Thành ủy Hà Nội",
        ),
        Account(
            "daumoi.hni.skhcn",
            "HNI-SKHCN",
            Role.FOCAL_OFFICER,
            "Dương Ngọc Mai",
            "Chuyên viên, Sở Khoa học và Công nghệ thành phố Hà Nội",
        ),
        Account(
            "daumoi.hcm",
            "HCM",
            Role.FOCAL_OFFICER,
            "Huỳnh Thanh Phong",
            "Chuyên viên, Văn phòng Thành ủy Thành phố Hồ Chí Minh",
        ),
        Account(
            "lanhdao.xa.hni", first.party.code, Role.LEADER, "Trịnh Văn Bình", f"Bí thư Đảng ủy {first.label}"
        ),
        Account(
            "daumoi.xa.hni",
            first.ubnd.code,
            Role.FOCAL_OFFICER,
            "Lương Thị Hạnh",
            f"Công chức Văn phòng - Thống kê, UBND {first.label}",
        ),
    ]


def province_officers(tree: AgencyTree, rng: random.Random, taken: set[str]) -> list[Account]:
    out = []
    for prov in tree.provinces:
        username = f"daumoi.{prov.code.lower()}"
        if username in taken:
            continue
        office = "Văn phòng Thành ủy" if prov.is_city else "Văn phòng Tỉnh ủy"
        out.append(
            Account(
                username,
                prov.code,
                Role.FOCAL_OFFICER,
                person_name(rng),
                f"Chuyên viên, {office} {prov.place}",
            )
        )
    return out


def create_accounts(tree: AgencyTree, resolutions: dict[str, Resolution], seed: int = 2025) -> list[User]:
    """All demo accounts share one password hash ("demo"), computed once; nobody must change it."""
    documented = documented_accounts(tree)
    accounts = documented + province_officers(
        tree, random.Random(f"{seed}:people"), {a.username for a in documented}
    )
    by_code = {a.code: a for a in tree.nodes}
    password = make_password(DEMO_PASSWORD)
    users = User.objects.bulk_create(
        [
            User(
                username=a.username,
                password=password,
                full_name=a.full_name,
                position=a.position,
                agency=by_code[a.agency_code],
                role=a.role,
                is_staff=a.role == Role.SYSTEM_ADMIN,
                must_change_password=False,
            )
            for a in accounts
        ]
    )
    by_name = {u.username: u for u in users}
    Grant.objects.create(
        user=by_name["kiemtra.tw"],
        kind=Grant.Kind.INSPECTION,
        agency=tree.root,
        note="Kiểm tra, giám sát việc thực hiện Nghị quyết trong toàn hệ thống",
    )
    SteeringMember.objects.create(
        committee=resolutions["57-NQ/TW"].steering_committee, user=by_name["bcd.nq57"], position="Ủy viên"
    )
    return users
