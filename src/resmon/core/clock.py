"""The one clock. Everything that asks "what day is it" asks here, in the deployment's time zone."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def now() -> dt.datetime:
    """Aware datetime in the deployment time zone (Asia/Ho_Chi_Minh)."""
    return timezone.now().astimezone(tz())


def today() -> dt.date:
    return now().date()
