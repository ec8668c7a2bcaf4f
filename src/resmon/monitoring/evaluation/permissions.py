"""Who takes which step of an evaluation (Quy định 124-QĐ/TW: the system proposes, people decide).

* **compute** – a leader of a level above the agencies evaluated (or a system administrator), for
  agencies inside their own subtree, never their own agency;
* **self-assess** – a leader of the evaluated agency itself;
* **appraise and propose** – the **supervising agency**: the agency's parent in the agency tree (the
  level that leads and checks it: the national level for a province, the province for a commune,
  the People's Committee for a department), or a level above it acting for it; its leaders and
  focal officers. The evaluated agency never appraises itself;
* **decide** – the **competent body**: a leader of the supervising agency or of a level above it.

A system administrator runs the computation but takes none of the people's steps: they are the
IT unit, not a body that evaluates. Inspectors read (their grant), they do not act.
"""

from __future__ import annotations

from typing import Any

from resmon.core.access import Role

from .models import RECOMPUTABLE, Evaluation, State

COMPUTE_ROLES = frozenset({Role.LEADER})
SELF_ROLES = frozenset({Role.LEADER})
APPRAISE_ROLES = frozenset({Role.LEADER, Role.FOCAL_OFFICER})
DECIDE_ROLES = frozenset({Role.LEADER})


def signed_in(user: Any) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", True)


def is_sysadmin(user: Any) -> bool:
    return signed_in(user) and user.role == Role.SYSTEM_ADMIN


def strictly_above(user: Any, path: str) -> bool:
    """The user's agency is an ancestor of the agency at ``path`` (not the agency itself)."""
    agency = getattr(user, "agency", None) if signed_in(user) else None
    return agency is not None and path.startswith(agency.path) and path != agency.path


def may_compute_under(user: Any, agency: Any) -> bool:
    """May ``user`` compute evaluations of agencies under ``agency`` (inside their scope)?"""
    if not signed_in(user) or agency is None:
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    own = getattr(user, "agency", None)
    return user.role in COMPUTE_ROLES and own is not None and agency.path.startswith(own.path)


def may_compute_for(user: Any, agency: Any) -> bool:
    """May ``user`` compute (or recompute) the evaluation of ``agency`` itself?"""
    if not signed_in(user) or agency is None:
        return False
    if user.role == Role.SYSTEM_ADMIN:
        return True
    return user.role in COMPUTE_ROLES and strictly_above(user, agency.path)


def is_self(user: Any, ev: Evaluation) -> bool:
    return signed_in(user) and user.role in SELF_ROLES and user.agency_id == ev.agency_id


def is_appraiser(user: Any, ev: Evaluation) -> bool:
    return signed_in(user) and user.role in APPRAISE_ROLES and strictly_above(user, ev.agency.path)


def is_decider(user: Any, ev: Evaluation) -> bool:
    return signed_in(user) and user.role in DECIDE_ROLES and strictly_above(user, ev.agency.path)


def may_self_assess(user: Any, ev: Evaluation) -> bool:
    return is_self(user, ev) and ev.state in RECOMPUTABLE


def may_appraise(user: Any, ev: Evaluation) -> bool:
    return is_appraiser(user, ev) and ev.state in (State.SELF_ASSESSED, State.APPRAISED)


def may_decide(user: Any, ev: Evaluation) -> bool:
    return is_decider(user, ev) and ev.state == State.APPRAISED


def may_recompute(user: Any, ev: Evaluation) -> bool:
    return may_compute_for(user, ev.agency) and ev.state in RECOMPUTABLE


def awaits(user: Any, ev: Evaluation) -> bool:
    """Does the evaluation wait for a step ``user`` may take?"""
    return may_self_assess(user, ev) or may_appraise(user, ev) or may_decide(user, ev)
