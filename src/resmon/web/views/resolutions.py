from django.shortcuts import render

from resmon.core.views import page
from resmon.planning import selectors as planning

from .common import paginate, with_tree_info


@page
def resolution_list(request):
    return render(
        request,
        "web/resolution_list.html",
        {"resolutions": paginate(request, planning.resolutions_visible(request.user).order_by("issued_on"))},
    )


@page
def resolution_detail(request, pk):
    user = request.user
    resolution = planning.get_resolution(user, pk)
    tasks = planning.filter_tasks(planning.tasks_visible(user), resolution=resolution.pk)
    counts = planning.status_counts(tasks)
    return render(
        request,
        "web/resolution_detail.html",
        {
            "resolution": resolution,
            "committee": planning.steering_committee(resolution),
            "programs": paginate(request, planning.programs_of_resolution(user, resolution)),
            "status_counts": counts,
            "task_total": sum(counts.values()),
        },
    )


@page
def program_detail(request, pk):
    user = request.user
    program = planning.get_program(user, pk)
    top = paginate(request, planning.program_top_tasks(user, program))
    return render(
        request,
        "web/program_detail.html",
        {
            "program": program,
            "tasks": top,
            "rows": with_tree_info(user, top.object_list),
        },
    )
