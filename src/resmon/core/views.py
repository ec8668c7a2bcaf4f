"""What every page shares: sign-in required, and "not found" for what is missing or out of scope."""

from __future__ import annotations

import functools
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404

from .errors import DomainError, NotFound


def parse_id(text: Any) -> int | None:
    """An id typed in a URL or a form: a whole number that fits the database, else None."""
    text = str(text or "").strip()
    return int(text) if text.isdigit() and len(text) < 19 else None


def page(view):
    """A signed-in page; NotFound (missing, or outside the user's scope) becomes the 404 page."""

    @login_required
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc)) from None

    return wrapper


def show_error(form: forms.Form, exc: DomainError) -> None:
    """Put a domain error next to its field (or at the top of the form)."""
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))
