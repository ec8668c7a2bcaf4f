"""The evaluation world (tests.monitoring.evaluation.helpers) on 20/10/2026."""

from __future__ import annotations

import pytest
import time_machine

from tests.monitoring.evaluation.helpers import TODAY, populate


@pytest.fixture
def eworld(world):
    populate(world)
    with time_machine.travel(TODAY, tick=False):
        yield world
