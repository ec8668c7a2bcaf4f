from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from resmon.planning import selectors as planning


@login_required
def home(request):
    tasks = planning.tasks_visible(request.user)
    counts = planning.status_counts(tasks)
    return render(request, "web/home.html", {
        "counts": counts,
        "overdue": planning.overdue(tasks)[:10],
        "due_soon": planning.due_soon(tasks)[:10],
    })
