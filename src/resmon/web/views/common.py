"""What every page view shares: sign-in required, a hidden object is a 404, pagination."""

from __future__ import annotations

from django.core.paginator import Paginator

PER_PAGE = 25


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
