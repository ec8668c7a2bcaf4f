"""The worlds of the export tests: the reporting world (agencies, people, the period calendar,
clock at 17/03/2026) as in tests/reporting, and the dashboards' world with its caches rebuilt."""

from tests.dashboards.conftest import dworld  # noqa: F401
from tests.reporting.conftest import rworld  # noqa: F401
