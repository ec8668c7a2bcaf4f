"""A small, complete world for tests: a national root, central bodies, two provinces with their
people's committees, departments and communes, and users of every role at several levels."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from resmon.accounts.models import Grant, User
from resmon.agencies.models import Agency, AgencyKind, Level
from resmon.core.access import Role
from resmon.planning.models import ActionProgram, Resolution, SteeringCommittee, SteeringMember, Task

_seq = itertools.count(1)


def agency(parent: Agency | None, name: str, kind: str, level: str = Level.CENTRAL, **kw: Any) -> Agency:
    code = kw.pop("code", f"A{next(_seq)}")
    if parent is None:
        return Agency.objects.add_root(dict(code=code, name=name, kind=kind, level=level, **kw))
    return Agency.objects.add_child(parent, dict(code=code, name=name, kind=kind, level=level, **kw))


def user(
    username: str,
    agency: Agency | None,
    role: str = Role.FOCAL_OFFICER,
    password: str = "s3cret-pass!",
    **kw: Any,
) -> User:
    u = User(
        username=username, agency=agency, role=role, full_name=kw.pop("full_name", username.title()), **kw
    )
    u.set_password(password)
    u.save()
    return u


def resolution(
    number: str = "57-NQ/TW",
    title: str = "Đột phá phát triển khoa học, công nghệ",
    issued_on: dt.date = dt.date(2024, 12, 22),
) -> Resolution:
    res, _ = Resolution.objects.get_or_create(
        number=number, defaults={"title": title, "issued_on": issued_on}
    )
    return res


def program(res: Resolution, ag: Agency, **kw: Any) -> ActionProgram:
    return ActionProgram.objects.create(
        resolution=res, agency=ag, title=kw.pop("title", f"CTHĐ {ag.name}"), **kw
    )


def task(
    prog: ActionProgram,
    lead: Agency,
    *,
    assigned_by: Agency | None = None,
    parent: Task | None = None,
    coordinating: list[Agency] | tuple[Agency, ...] = (),
    **kw: Any,
) -> Task:
    t = Task.objects.create(
        program=prog,
        resolution=prog.resolution,
        parent=parent,
        lead_agency=lead,
        assigned_by=assigned_by or prog.agency,
        title=kw.pop("title", f"Nhiệm vụ của {lead.name}"),
        weight=kw.pop("weight", Decimal(1)),
        **kw,
    )
    for ag in coordinating:
        t.coordinations.create(agency=ag)
    return t


@dataclass
class World:
    root: Agency
    vptw: Agency
    ubkt: Agency
    dang_uy_cp: Agency
    bo_khcn: Agency
    hni: Agency  # Thành ủy Hà Nội
    hni_ubnd: Agency
    hni_so: Agency  # a department of Hà Nội
    hni_xa: Agency  # Đảng ủy xã (Hà Nội)
    hni_xa_ubnd: Agency
    hni_xa2: Agency  # a sibling commune
    hcm: Agency  # another province
    hcm_xa: Agency
    res: Resolution
    res2: Resolution
    users: dict[str, User] = field(default_factory=dict)
    tasks: dict[str, Task] = field(default_factory=dict)


def build_world() -> World:
    root = agency(None, "Ban Chấp hành Trung ương", AgencyKind.CENTRAL_COMMITTEE, code="TW")
    vptw = agency(root, "Văn phòng Trung ương Đảng", AgencyKind.PARTY_CENTRAL, code="VPTW")
    ubkt = agency(root, "Ủy ban Kiểm tra Trung ương", AgencyKind.PARTY_CENTRAL, code="UBKTTW")
    dang_uy_cp = agency(root, "Đảng ủy Chính phủ", AgencyKind.PARTY_COMMITTEE, code="DUCP")
    bo_khcn = agency(dang_uy_cp, "Bộ Khoa học và Công nghệ", AgencyKind.MINISTRY, code="BKHCN")
    hni = agency(root, "Thành ủy Hà Nội", AgencyKind.PROVINCIAL_PARTY, Level.PROVINCE, code="HNI")
    hni_ubnd = agency(
        hni, "UBND Thành phố Hà Nội", AgencyKind.PROVINCIAL_PEOPLES_COMMITTEE, Level.PROVINCE, code="HNI-UBND"
    )
    hni_so = agency(
        hni_ubnd,
        "Sở Khoa học và Công nghệ Hà Nội",
        AgencyKind.PROVINCIAL_DEPARTMENT,
        Level.PROVINCE,
        code="HNI-SKHCN",
    )
    hni_xa = agency(hni, "Đảng ủy xã Tân An", AgencyKind.COMMUNE_PARTY, Level.COMMUNE, code="HNI-X1")
    hni_xa_ubnd = agency(
        hni_xa, "UBND xã Tân An", AgencyKind.COMMUNE_PEOPLES_COMMITTEE, Level.COMMUNE, code="HNI-X1-UBND"
    )
    hni_xa2 = agency(hni, "Đảng ủy xã Phú Mỹ", AgencyKind.COMMUNE_PARTY, Level.COMMUNE, code="HNI-X2")
    hcm = agency(
        root, "Thành ủy Thành phố Hồ Chí Minh", AgencyKind.PROVINCIAL_PARTY, Level.PROVINCE, code="HCM"
    )
    hcm_xa = agency(hcm, "Đảng ủy phường Bến Thành", AgencyKind.COMMUNE_PARTY, Level.COMMUNE, code="HCM-X1")
    for a in (
        root,
        vptw,
        ubkt,
        dang_uy_cp,
        bo_khcn,
        hni,
        hni_ubnd,
        hni_so,
        hni_xa,
        hni_xa_ubnd,
        hni_xa2,
        hcm,
        hcm_xa,
    ):
        a.refresh_from_db()
    res = resolution()
    res2 = resolution("71-NQ/TW", "Đột phá phát triển giáo dục và đào tạo", dt.date(2025, 8, 22))
    w = World(
        root,
        vptw,
        ubkt,
        dang_uy_cp,
        bo_khcn,
        hni,
        hni_ubnd,
        hni_so,
        hni_xa,
        hni_xa_ubnd,
        hni_xa2,
        hcm,
        hcm_xa,
        res,
        res2,
    )
    w.users = {
        "sysadmin": user("sysadmin", root, Role.SYSTEM_ADMIN),
        "national_leader": user("national_leader", root, Role.LEADER),
        "vptw_officer": user("vptw_officer", vptw, Role.FOCAL_OFFICER),
        "ministry_officer": user("ministry_officer", bo_khcn, Role.FOCAL_OFFICER),
        "hni_admin": user("hni_admin", hni, Role.AGENCY_ADMIN),
        "hni_leader": user("hni_leader", hni, Role.LEADER),
        "hni_officer": user("hni_officer", hni, Role.FOCAL_OFFICER),
        "hni_so_officer": user("hni_so_officer", hni_so, Role.FOCAL_OFFICER),
        "xa_officer": user("xa_officer", hni_xa, Role.FOCAL_OFFICER),
        "xa2_officer": user("xa2_officer", hni_xa2, Role.FOCAL_OFFICER),
        "hcm_admin": user("hcm_admin", hcm, Role.AGENCY_ADMIN),
        "hcm_officer": user("hcm_officer", hcm, Role.FOCAL_OFFICER),
        "inspector": user("inspector", ubkt, Role.INSPECTOR),
        "steering": user("steering", vptw, Role.LEADER),
    }
    Grant.objects.create(
        user=w.users["inspector"], kind=Grant.Kind.INSPECTION, agency=hni, note="Kiểm tra Hà Nội"
    )
    committee = SteeringCommittee.objects.create(resolution=res, name="Ban Chỉ đạo Nghị quyết 57")
    SteeringMember.objects.create(committee=committee, user=w.users["steering"])

    p_cp = program(res, dang_uy_cp)
    p_hni = program(res, hni)
    p_hcm = program(res, hcm)
    w.tasks = {
        "ministry": task(p_cp, bo_khcn, assigned_by=dang_uy_cp, code="1", due_date=dt.date(2026, 12, 31)),
        "hni": task(p_hni, hni_ubnd, code="1", due_date=dt.date(2026, 6, 30)),
        "hni_so": task(p_hni, hni_so, code="1.1", due_date=dt.date(2026, 3, 31)),
        "hni_xa": task(p_hni, hni_xa_ubnd, code="1.2", due_date=dt.date(2026, 9, 30)),
        "hcm": task(p_hcm, hcm, code="1", due_date=dt.date(2026, 12, 31)),
        "hcm_xa": task(p_hcm, hcm_xa, code="1.1", due_date=dt.date(2026, 12, 31)),
        # led by a ministry, Hà Nội's department coordinates: visible to Hà Nội
        "ministry_coord": task(p_cp, bo_khcn, assigned_by=dang_uy_cp, code="2", coordinating=[hni_so]),
    }
    w.tasks["hni_so"].parent = w.tasks["hni"]
    w.tasks["hni_so"].save()
    w.tasks["hni_xa"].parent = w.tasks["hni"]
    w.tasks["hni_xa"].save()
    return w
