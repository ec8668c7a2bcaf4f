"""The reporting world (agencies, people, the period calendar, clock at 17/03/2026) for the export
tests: the same ``rworld`` fixture as tests/reporting."""

from tests.reporting.conftest import rworld  # noqa: F401
