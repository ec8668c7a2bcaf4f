import pytest
import time_machine

from tests.monitoring.alerts.helpers import issue_programs
from tests.reporting.helpers import TODAY, add_reporting_people, make_periods


@pytest.fixture
def aworld(world):
    """The reporting world (today 17/03/2026 in Hà Nội, the calendar, the commune's people: see
    tests/reporting/helpers.py) with every programme issued on 01/02/2025 (the day its tasks'
    straight-line plans start)."""
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        issue_programs()
        yield world
