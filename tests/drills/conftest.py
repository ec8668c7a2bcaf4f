"""The crash and concurrency drills (bench/drill_*.py) in a small version for CI: the site's real
processes (Procfile: gunicorn, the worker, the sealer) on the test database, PostgreSQL only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import drill_world  # noqa: E402

SEED = 20261203


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def drill_world_env(transactional_db, tmp_path):
    """(world, the site's environment): the drill world (4 communes writing, one more for the
    conflict and disk drills, ``world["spare"]``) committed in the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("the drills run the real server processes on PostgreSQL")
    world = drill_world.build(5, precreated=3)
    world["spare"] = world["subjects"].pop(0)
    return world, drill_world.site_env({"DATABASE_URL": database_url()}, tmp_path)


@pytest.fixture
def drill(drill_world_env, tmp_path):
    """(site, world, data dir): the world and the site serving it."""
    world, env = drill_world_env
    # the site's own cache tables (rate limits): the tests' settings keep their caches in memory,
    # so the test database has none
    subprocess.run(
        [str(drill_world.ROOT / ".venv" / "bin" / "python"), "manage.py", "createcachetable"],
        cwd=drill_world.ROOT,
        env=env,
        check=True,
    )
    with drill_world.Site(env, tmp_path / "site.log") as site:
        yield site, world, tmp_path
