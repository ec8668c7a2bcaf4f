"""What every page view shares: sign-in required, a hidden object is a 404, pagination."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404

from resmon.core.errors import NotFound

PER_PAGE = 25


def page(view):
    """A signed-in page; NotFound (missing or outside the user's scope) becomes the 404 page."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from None

    return wrapper


def paginate(request, qs, per_page: int = PER_PAGE):
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def with_tree_info(user, rows):
    """Attach ``n_children`` (visible sub-tasks) and ``progress`` (rolled up) to task rows."""
    from resmon.planning import selectors as planning

    rows = list(rows)
    counts = planning.visible_child_counts(user, [t.pk for t in rows])
    progress = planning.task_progress(rows)
    for t in rows:
        t.n_children = counts.get(t.pk, 0)
        t.progress = progress.get(t.pk)
    return rows
