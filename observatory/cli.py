"""The `observatory` console script."""
from __future__ import annotations

import argparse
import signal
import sys
import time

from geodata import cluster, db, migrate
from observatory import attribute_cli, groups_cli, services


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


def _prepare_database() -> str:
    url = db.resolve_url() if db.database_url_override() else cluster.up()
    migrate.upgrade(url)
    return url


def _pipelines(args: argparse.Namespace) -> int:
    url = _prepare_database()
    print(f"Running the pipelines (every asset and its checks{', every source reloaded' if args.force else ''}):",
          flush=True)
    return services.materialize_all(url, args.select, args.force)


def _dagster(args: argparse.Namespace) -> int:
    return services.dagster_command(_prepare_database(), args.arguments)


def _serve(args: argparse.Namespace) -> int:
    url = _prepare_database()
    running = services.start_services(url, app_port=args.port, tiles_port=args.tiles_port,
                                      dagster_port=None if args.no_dagster else args.dagster_port)
    print("\nThe observatory is running:")
    for service in running:
        print(f"  {service.name:<12} {service.url}")
    print("Stop with Ctrl-C.", flush=True)
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    try:
        while all(s.process.poll() is None for s in running):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C while the services stop would leave them running without us;
        # stop_services kills what has not stopped after 20 s.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping the observatory...", flush=True)
        services.stop_services(running)
    return 0


def _interrupt(_signum, _frame) -> None:
    raise KeyboardInterrupt


def _up(args: argparse.Namespace) -> int:
    code = _pipelines(args)
    if code:
        print("observatory: the pipelines failed (see above); not starting the app", file=sys.stderr)
        return code
    return _serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatory", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    database = commands.add_parser("db", help="the project's private PostGIS cluster")
    database.add_argument("action", choices=["up", "down", "status", "url"])
    database.set_defaults(handler=_db)

    migration = commands.add_parser("migrate", help="apply the schema migrations to DATABASE_URL")
    migration.set_defaults(handler=_migrate)

    def service_options(command: argparse.ArgumentParser) -> None:
        command.add_argument("--port", type=int, default=8501, help="the observatory (Streamlit)")
        command.add_argument("--tiles-port", type=int, default=8765, help="the map tile endpoint")
        command.add_argument("--dagster-port", type=int, default=3000, help="the Dagster UI")
        command.add_argument("--no-dagster", action="store_true", help="do not start the Dagster UI")

    pipelines = commands.add_parser("pipelines", help="materialise every asset (or --select) and run checks")
    pipelines.add_argument("--select", default="*",
                           help="asset names, comma-separated, with Dagster's * and + marks ('*': all)")
    pipelines.add_argument("--force", action="store_true",
                           help="reload every source, even those whose files did not change")
    pipelines.set_defaults(handler=_pipelines)

    dagster = commands.add_parser("dagster", help="Dagster's command on the observatory's instance, e.g. "
                                                  "'schedule list -m pipelines.definitions'")
    dagster.add_argument("arguments", nargs=argparse.REMAINDER, help="the dagster command's arguments")
    dagster.set_defaults(handler=_dagster)

    serve = commands.add_parser("serve", help="start the observatory, its tile endpoint and the Dagster UI")
    service_options(serve)
    serve.set_defaults(handler=_serve)

    up = commands.add_parser("up", help="the main job: database, pipelines, then serve")
    up.add_argument("--select", default="*", help=argparse.SUPPRESS)
    up.add_argument("--force", action="store_true", help=argparse.SUPPRESS)
    service_options(up)
    up.set_defaults(handler=_up)
    attribute_cli.add_parser(commands)
    groups_cli.add_parser(commands)
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
