from .band_rule import KpiBandRule
from .kpis import TargetPoint, TaskIndicator
from .programs import (
    ActionProgram,
    Clause,
    ProgramAmendment,
    ProgramSchedule,
    Resolution,
    SteeringCommittee,
    SteeringMember,
)
from .tasks import (
    DeadlineExtension,
    DeliverableType,
    Milestone,
    ReviewPeriod,
    Task,
    TaskCoordination,
    TaskDependency,
)

__all__ = [
    "ActionProgram",
    "Clause",
    "DeadlineExtension",
    "DeliverableType",
    "KpiBandRule",
    "Milestone",
    "ProgramAmendment",
    "ProgramSchedule",
    "Resolution",
    "ReviewPeriod",
    "SteeringCommittee",
    "SteeringMember",
    "TargetPoint",
    "Task",
    "TaskCoordination",
    "TaskDependency",
    "TaskIndicator",
]
