"""The security tests use the reporting world and the permission matrix's world."""

from tests.reporting.conftest import rworld  # noqa: F401
from tests.test_permission_matrix import matrix_world  # noqa: F401
