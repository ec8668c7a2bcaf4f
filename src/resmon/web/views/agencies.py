from django.shortcuts import render

from resmon.agencies import selectors as agencies
from resmon.core.views import page
from resmon.planning import selectors as planning
from resmon.restructuring import selectors as restructuring

from ..filters import parse_id
from .common import paginate


def _children(user, parent):
    return agencies.with_child_counts(agencies.children_visible(user, parent))


@page
def agency_tree(request):
    """Browse the tree one level at a time (deeper levels load on demand), or search it."""
    user = request.user
    text = request.GET.get("q", "").strip()[:200]
    parent = None
    raw_parent = request.GET.get("parent", "").strip()
    if raw_parent:
        parent = agencies.get_agency(user, parse_id(raw_parent))
    context = {"q": text, "parent": parent}
    if text:
        found = agencies.with_child_counts(agencies.search_visible(user, text))
        context["results"] = paginate(request, found)
    else:
        context["children"] = _children(user, parent)
        context["crumbs"] = agencies.breadcrumb(user, parent) if parent else []
    return render(request, "web/agency_tree.html", context)


@page
def agency_children(request, pk):
    """The htmx partial: one more level under an agency."""
    parent = agencies.get_agency(request.user, pk)
    return render(request, "web/partials/agency_children.html", {"children": _children(request.user, parent)})


@page
def agency_picker(request):
    """The htmx partial behind the agency picker of the filter bar."""
    text = request.GET.get("agency_q", "").strip()[:200]
    matches = agencies.search_visible(request.user, text)[:15] if len(text) >= 2 else []
    return render(request, "web/partials/agency_picker.html", {"matches": matches, "text": text})


@page
def agency_detail(request, pk):
    user = request.user
    agency = agencies.get_agency(user, pk)
    led = planning.filter_tasks(planning.tasks_visible(user), agency_path=agency.path)
    return render(
        request,
        "web/agency_detail.html",
        {
            "agency": agency,
            "crumbs": agencies.breadcrumb(user, agency),
            "children": _children(user, agency),
            "history": agencies.history(user, agency),
            "events": list(restructuring.events_of(user, agency)[:20]),
            "task_count": led.count(),
            "status_counts": planning.status_counts(led),
            "progress": planning.subtree_progress_by_resolution(user, agency.path),
        },
    )
