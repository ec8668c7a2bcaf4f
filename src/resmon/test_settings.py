"""Settings for the test suite: the normal settings in the "test" profile."""

import os

os.environ["RESMON_ENV"] = "test"

from .settings import *  # noqa: E402,F403
