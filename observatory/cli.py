"""The `observatory` console script."""
from __future__ import annotations

import argparse
import sys

from geodata import cluster, db, migrate


def _db(args: argparse.Namespace) -> int:
    if args.action == "up":
        url = cluster.up()
        migrate.upgrade(url)
        print(url)
    elif args.action == "down":
        cluster.down()
    elif args.action == "status":
        print(cluster.status().describe())
    elif args.action == "url":
        print(db.resolve_url())
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    migrate.upgrade(db.resolve_url())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    database = commands.add_parser("db", help="the project's private PostGIS cluster")
    database.add_argument("action", choices=["up", "down", "status", "url"])
    database.set_defaults(handler=_db)

    migration = commands.add_parser("migrate", help="apply the schema migrations to DATABASE_URL")
    migration.set_defaults(handler=_migrate)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (cluster.ClusterError, RuntimeError) as error:
        print(f"observatory: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
