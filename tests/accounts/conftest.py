"""The worlds of the re-authentication tests (tests/accounts/test_reauth.py): a report to accept,
an overview to export."""

from tests.dashboards.conftest import dworld  # noqa: F401  (the dashboards' world, on 17/03/2026)
from tests.reporting.conftest import rworld  # noqa: F401  (the reporting world, on 17/03/2026)
