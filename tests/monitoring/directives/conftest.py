import pytest
import time_machine

from tests.monitoring.directives.helpers import TODAY, add_people
from tests.reporting.helpers import make_periods


@pytest.fixture
def dirworld(world):
    """The test world with the commune People's Committee's people and an HCM leader, on 17/03/2026
    (10:00 in Hà Nội)."""
    with time_machine.travel(TODAY, tick=False):
        make_periods()
        add_people(world)
        yield world
