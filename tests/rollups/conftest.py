from tests.reporting.conftest import rworld  # noqa: F401  (the reporting world, on 17/03/2026)
