"""PostgreSQL: ``pg_dump`` (custom format) and ``pg_restore``, run with the connection's settings
in libpq environment variables; the password goes through a temporary password file (mode
0600), never on a command line.

The dump and the manifest read the same data: a REPEATABLE READ transaction exports its snapshot,
the row counts are read in it and ``pg_dump --snapshot`` dumps exactly it, whatever is written
meanwhile."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from .manifest import OpsError, database_facts

# libpq connection options that DATABASES[...]["OPTIONS"] may carry, and their variables
LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
    "gssencmode": "PGGSSENCMODE",
    "service": "PGSERVICE",
}
TABLES_SQL = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"


def connect_params(sd: dict[str, Any]) -> dict[str, Any]:
    """psycopg.connect() keywords for a Django database settings dict."""
    params: dict[str, Any] = {"dbname": sd["NAME"]}
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if sd.get(key):
            params[name] = str(sd[key])
    params.update({k: v for k, v in (sd.get("OPTIONS") or {}).items() if k in LIBPQ_ENV})
    return params


def libpq_env(sd: dict[str, Any], workdir: Path) -> dict[str, str]:
    """The environment of pg_dump/pg_restore: the connection in PG* variables, the password in a
    password file inside ``workdir`` (removed with it)."""
    env = dict(os.environ)
    for key, var in (("USER", "PGUSER"), ("HOST", "PGHOST"), ("PORT", "PGPORT")):
        if sd.get(key):
            env[var] = str(sd[key])
    for key, value in (sd.get("OPTIONS") or {}).items():
        if key in LIBPQ_ENV:
            env[LIBPQ_ENV[key]] = str(value)
    if sd.get("PASSWORD"):
        escaped = str(sd["PASSWORD"]).replace("\\", "\\\\").replace(":", "\\:")
        passfile = workdir / ".pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f"*:*:*:*:{escaped}\n")
        env["PGPASSFILE"] = str(passfile)
        env.pop("PGPASSWORD", None)
    return env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise OpsError(
            f"{command[0]} was not found: install the PostgreSQL client of the server's version "
            "(Debian: apt install postgresql-client)."
        ) from None
    if done.returncode != 0:
        detail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise OpsError(f"{what} failed (exit {done.returncode}):\n{detail}")


def dump(sd: dict[str, Any], target: Path, workdir: Path) -> dict[str, Any]:
    """Dump the database to ``target``; the manifest's facts of the same snapshot."""
    env = libpq_env(sd, workdir)
    try:
        with psycopg.connect(**connect_params(sd)) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert row is not None
            snapshot = str(row[0])
            with conn.cursor() as cursor:
                tables = [name for (name,) in cursor.execute(TABLES_SQL).fetchall()]
                facts = database_facts(cursor, tables)
            facts["server_version"] = conn.info.server_version
            command = ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}"]
            _run([*command, f"--file={target}", str(sd["NAME"])], env, "pg_dump")
    except psycopg.Error as exc:
        raise OpsError(f"the database did not answer: {exc}") from exc
    return facts


def restore(sd: dict[str, Any], source: Path, workdir: Path, *, clean: bool) -> None:
    """Load the dump in one transaction (nothing is left half-restored); owners and grants are
    not restored (the restoring role owns everything: grant the application's role afterwards).
    ``clean`` drops the objects the dump holds first (restoring over a database that has them)."""
    command = ["pg_restore", "--no-password", "--no-owner", "--no-privileges"]
    command += ["--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, f"--dbname={sd['NAME']}", str(source)], libpq_env(sd, workdir), "pg_restore")
