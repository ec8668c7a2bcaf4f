"""Helpers for the reporting page tests: a signed-in client, the report form as a browser posts it."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse


def client_for(world, name: str) -> Client:
    c = Client()
    c.force_login(world.users[name])
    return c


def report_url(report, name: str = "reporting:detail") -> str:
    return reverse(name, args=[report.pk])


def form_data(response) -> dict[str, Any]:
    """What the browser would post back untouched: every field of the report form as rendered."""
    form = response.context["form"]
    assert form is not None, "the page shows no report form"
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif hasattr(value, "strftime"):
            data[name] = value.strftime("%d/%m/%Y")
        else:
            data[name] = str(value)
    return data


def open_form(world, user: str, report) -> tuple[Client, dict[str, Any]]:
    c = client_for(world, user)
    response = c.get(report_url(report))
    assert response.status_code == 200
    return c, form_data(response)
