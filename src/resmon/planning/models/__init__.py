from .kpis import TargetPoint, TaskIndicator
from .programs import ActionProgram, Clause, ProgramAmendment, Resolution, SteeringCommittee, SteeringMember
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
    "Milestone",
    "ProgramAmendment",
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
