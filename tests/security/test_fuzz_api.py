"""Fuzzing the whole API (schemathesis), authenticated as a national user (the system
administrator at the root, who may call every operation): no server error, every status code and
body as the schema says. FUZZ_EXAMPLES sets the budget per operation (half positive, half negative;
CI: the default; the full run with 200 is bench/fuzz_api.py). FUZZ_ONLY limits the run to
operations whose label contains it; FUZZ_USER names another user of the world; FUZZ_REPORT names a
JSON file for the figures."""

import json
import os

import pytest
import time_machine
from django.test import Client

from tests.reporting.helpers import TODAY, make_periods
from tests.security.fuzzing import fuzz_api
from tests.signin import confirm_api

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))


def populate(world) -> None:
    """Rows of every kind the operations take by id, in and out of scope (the matrix's objects)."""
    from tests.monitoring.alerts import matrix_helpers as alerts
    from tests.monitoring.directives import matrix_helpers as directives
    from tests.monitoring.evaluation import matrix_helpers as evaluation
    from tests.notifications.helpers import matrix_notifications
    from tests.planning.kpi_helpers import matrix_objects as planning_objects
    from tests.reporting import matrix_helpers as reporting
    from tests.test_permission_matrix import matrix_indicator

    make_periods()
    matrix_indicator(world)
    for kind in ("kpi", "extension"):
        planning_objects(world, kind)
    for helpers in (reporting, directives, alerts, evaluation):
        for kind in helpers.KINDS:
            helpers.matrix_objects(world, kind)
    matrix_notifications(world)


def test_fuzz_every_operation(world, settings, tmp_path):
    from resmon.accounts.tokens import create_token
    from resmon.wsgi import application

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.RATELIMIT_ENABLE = False  # the limits have their own tests; here every request reaches its view
    with time_machine.travel(TODAY, tick=False):
        populate(world)
        user = world.users[os.environ.get("FUZZ_USER", "sysadmin")]
        _token, raw = create_token(user, "fuzz")
        # confirmed (time stands still), so the sensitive operations are fuzzed past "confirm it is you"
        confirmed = confirm_api(Client(headers={"Authorization": f"Bearer {raw}"}), user)
        assert confirmed.status_code == 200, confirmed.content
        summary = fuzz_api(application, raw, EXAMPLES, only=os.environ.get("FUZZ_ONLY", ""))
    print("\n" + summary.table())
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "w") as f:
            rows = [[o.label, o.examples, len(o.failures), o.statuses, o.seconds] for o in summary.operations]
            json.dump(
                {
                    "examples_per_operation": EXAMPLES,
                    "operations": len(summary.operations),
                    "examples": summary.examples,
                    "failures": summary.failures,
                    "rows": rows,
                },
                f,
                indent=1,
            )
    assert summary.operations
    assert not summary.failures, "\n".join(summary.failures[:40])
