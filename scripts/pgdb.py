"""PostgreSQL helpers for the scripts: `check URL` (is the server reachable?) and `ensure URL`
(create the database if it does not exist). Exit status 0 on success, 1 with a message otherwise."""

import sys
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql


def server_params(url: str) -> tuple[dict, str]:
    parts = urlsplit(url)
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    if parts.password:
        params["password"] = unquote(parts.password)
    return params, parts.path.lstrip("/")


def main() -> int:
    if len(sys.argv) != 3 or sys.argv[1] not in {"check", "ensure"}:
        print("usage: pgdb.py check|ensure DATABASE_URL", file=sys.stderr)
        return 2
    action, url = sys.argv[1:]
    params, name = server_params(url)
    where = f"{params['host']}:{params['port']} as {params['user']}"
    try:
        with psycopg.connect(**params, autocommit=True) as conn:
            if action == "ensure" and name:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
                if not exists:
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                    print(f"created database {name}")
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"PostgreSQL is not reachable at {where}: {first}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
