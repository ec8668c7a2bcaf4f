"""The list of mergers and splits an agency in the user's scope took part in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors

PER_PAGE = 25


@login_required
def event_list(request):
    events = Paginator(selectors.events_visible(request.user), PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request, "restructuring/event_list.html", {"events": events, "reads": request.user.scope.reads}
    )
