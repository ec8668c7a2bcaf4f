"""The dashboards' world (see tests.dashboards.helpers.populate) on 17/03/2026, the roll-up
caches rebuilt."""

from __future__ import annotations

import pytest
import time_machine

from resmon.rollups import services as rollups
from tests.dashboards.helpers import populate
from tests.reporting.helpers import TODAY, add_reporting_people, make_periods


@pytest.fixture
def dworld(world):
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        populate(world, TODAY.date())
        rollups.rebuild()
        yield world
