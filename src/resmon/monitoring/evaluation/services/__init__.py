"""Every write on evaluations: computing them, the three steps, the rule, the Excel download."""

from .compute import ComputeResult, compute_evaluations
from .rule import may_set_rule, set_rule
from .steps import appraise, decide, self_assess

__all__ = [
    "ComputeResult",
    "appraise",
    "compute_evaluations",
    "decide",
    "may_set_rule",
    "self_assess",
    "set_rule",
]
