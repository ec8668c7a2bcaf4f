"""Settings for the test suite: the normal settings in the "test" profile."""

import os

os.environ["RESMON_ENV"] = "test"

from .settings import *  # noqa: E402,F403

# A read replica that is the test database itself (a test mirror: never created, never flushed).
# Reads go to it only in the tests that turn DATABASE_REPLICA_READS on and ask for both databases
# (tests/ops/test_replica.py); elsewhere everything reads the primary, as without a replica.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
DATABASE_REPLICA_READS = False
