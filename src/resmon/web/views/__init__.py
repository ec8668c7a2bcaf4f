"""The server-rendered pages. Every read goes through the domain selectors, scoped to the user."""

from .agencies import agency_children, agency_detail, agency_picker, agency_tree
from .home import home
from .resolutions import program_detail, resolution_detail, resolution_list
from .tasks import task_children, task_detail, task_list

__all__ = [
    "agency_children",
    "agency_detail",
    "agency_picker",
    "agency_tree",
    "home",
    "program_detail",
    "resolution_detail",
    "resolution_list",
    "task_children",
    "task_detail",
    "task_list",
]
