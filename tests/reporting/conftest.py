import pytest
import time_machine

from tests.reporting.helpers import TODAY, add_reporting_people, make_periods


@pytest.fixture
def rworld(world):
    """The test world with the commune's people and the period calendar, on 17/03/2026."""
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_reporting_people(world)
        yield world
