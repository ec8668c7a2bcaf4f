from django.urls import path

from .views import clauses as clause_views
from .views import coordination as coordination_views
from .views import excel as excel_views
from .views import kpis as kpi_views
from .views import programs as program_views
from .views import schedule as schedule_views
from .views import steering as steering_views
from .views import tree as tree_views
from .views import tree_page as tree_page_views

app_name = "planning"
urlpatterns: list = [
    path("resolutions/<int:pk>/steering/", steering_views.steering_committee, name="steering"),
]

# task KPIs and deadline extensions

urlpatterns += [
    path("tasks/<int:pk>/kpis/new/", kpi_views.kpi_new, name="kpi_new"),
    path("kpis/<int:pk>/edit/", kpi_views.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/delete/", kpi_views.kpi_delete, name="kpi_delete"),
    path("tasks/<int:pk>/extensions/new/", kpi_views.extension_request, name="extension_request"),
    path("extensions/", kpi_views.extension_list, name="extension_list"),
    path("extensions/<int:pk>/", kpi_views.extension_detail, name="extension_detail"),
    path("extensions/<int:pk>/withdraw/", kpi_views.extension_withdraw, name="extension_withdraw"),
]

# decomposition editor: the task tree, task forms, move, split, milestones, dependencies

urlpatterns += [
    path("programs/<int:pk>/tree/", tree_page_views.program_tree, name="program_tree"),
    path("tasks/<int:pk>/tree-children/", tree_page_views.tree_children, name="tree_children"),
    path("tasks/<int:pk>/actions/", tree_page_views.task_actions, name="task_actions"),
    path("agency-options/", tree_views.agency_options, name="agency_options"),
    path("programs/<int:pk>/tasks/new/", tree_views.task_new, name="task_new"),
    path("tasks/<int:pk>/subtasks/new/", tree_views.subtask_new, name="subtask_new"),
    path("tasks/<int:pk>/edit/", tree_views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/move/", tree_views.task_move, name="task_move"),
    path("tasks/<int:pk>/reorder/", tree_views.task_reorder, name="task_reorder"),
    path("tasks/<int:pk>/split/", tree_views.task_split, name="task_split"),
    path("tasks/<int:pk>/delete/", tree_views.task_delete, name="task_delete"),
    path("tasks/<int:pk>/milestones/", tree_views.milestone_add, name="milestone_add"),
    path("tasks/<int:pk>/milestones/<int:mid>/done/", tree_views.milestone_done, name="milestone_done"),
    path("tasks/<int:pk>/milestones/<int:mid>/delete/", tree_views.milestone_delete, name="milestone_delete"),
    path("tasks/<int:pk>/dependencies/", tree_views.dependency_add, name="dependency_add"),
    path(
        "tasks/<int:pk>/dependencies/<int:other>/delete/",
        tree_views.dependency_remove,
        name="dependency_remove",
    ),
]

# programmes, the six clears, clauses and coverage

urlpatterns += [
    path("programs/new/", program_views.program_new, name="program_new"),
    path("programs/<int:pk>/edit/", program_views.program_edit, name="program_edit"),
    path("programs/<int:pk>/issue/", program_views.program_issue, name="program_issue"),
    path("programs/<int:pk>/amendments/new/", program_views.amendment_new, name="amendment_new"),
    path("amendments/<int:pk>/close/", program_views.amendment_close, name="amendment_close"),
    path("clears/", program_views.clears_page, name="clears"),
    path("resolutions/<int:pk>/clauses/", clause_views.clause_list, name="clause_list"),
    path("clauses/<int:pk>/edit/", clause_views.clause_edit, name="clause_edit"),
    path("resolutions/<int:pk>/coverage/", clause_views.coverage, name="coverage"),
    path("tasks/<int:pk>/clauses/", clause_views.task_clauses, name="task_clauses"),
]

# the Excel round trip of a programme

urlpatterns += [
    path("programs/<int:pk>/export.xlsx", excel_views.program_export, name="program_export_xlsx"),
    path("programs/<int:pk>/import/", excel_views.program_import, name="program_import_xlsx"),
]

# the reporting schedule of a programme

urlpatterns += [
    path("programs/<int:pk>/schedule/", schedule_views.program_schedule, name="program_schedule"),
]

# a coordinating agency's part of a task: its due date and its delivery

urlpatterns += [
    path(
        "tasks/<int:pk>/coordinations/<int:agency_id>/",
        coordination_views.coordination_part,
        name="coordination_part",
    ),
]
