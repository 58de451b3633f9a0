"""The `deploy-feedback` command line: parses arguments and maps errors to exit codes."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from rich.console import Console

from providers.errors import ConfigError, DeployFeedbackError, UnknownServiceError

EXIT_DIAGNOSED, EXIT_INCONCLUSIVE, EXIT_USAGE = 0, 1, 2
PLATFORM_CHOICES = ("ecs", "cloudrun", "kubernetes", "generic")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="deploy-feedback",
        description="Tells you why a deployment failed: evidence, root cause, confidence, fix.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    diagnose = sub.add_parser("diagnose", help="diagnose one catalog service end to end")
    diagnose.add_argument("service", help="a name (or alias) from services.yml")
    diagnose.add_argument("env", nargs="?", help="environment, when the catalog knows several")
    diagnose.add_argument("--sandbox", action="store_true", help="use the local emulators")
    diagnose.add_argument("--comprehensive", action="store_true", help="add LB, network, ...")
    diagnose.add_argument("--format", choices=("text", "json", "blocks"), default="text")
    diagnose.add_argument("--catalog", type=Path, help="services.yml path (default ./services.yml)")

    analyze = sub.add_parser("analyze", help="analyse raw evidence text (logs, events, ...)")
    analyze.add_argument("path", nargs="?", default="-", help="file to read, or - for stdin")
    analyze.add_argument("--platform", choices=PLATFORM_CHOICES, default="generic")
    analyze.add_argument("--format", choices=("json", "text"), default="json")

    demo = sub.add_parser("demo", help="diagnose every sandbox scenario, no account needed")
    demo.add_argument("--format", choices=("text", "json"), default="text")

    sub.add_parser("serve", help="run the Slack app (Socket Mode or HTTP on $PORT)")

    alerts = sub.add_parser("alerts", help="deploy-tool alert messages")
    alerts_sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    parse = alerts_sub.add_parser("parse", help="print the DeployAlert a Slack message yields")
    parse.add_argument("path", nargs="?", default="-", help="message event JSON, or - for stdin")

    catalog = sub.add_parser("catalog", help="the service catalog")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True, metavar="ACTION")
    check = catalog_sub.add_parser("check", help="validate services.yml and list its services")
    check.add_argument("path", nargs="?", type=Path, help="default: $DEPLOY_FEEDBACK_CATALOG")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(levelname)s %(name)s: %(message)s",
    )
    err = Console(stderr=True)
    try:
        return _dispatch(args, err)
    except UnknownServiceError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return EXIT_USAGE
    except (ConfigError, ValidationError) as exc:
        err.print(f"[bold red]configuration error:[/] {exc}", highlight=False)
        return EXIT_USAGE
    except DeployFeedbackError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        return EXIT_INCONCLUSIVE
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


def _dispatch(args: argparse.Namespace, err: Console) -> int:
    from bot import commands

    if args.command == "diagnose":
        return asyncio.run(commands.diagnose(args, err))
    if args.command == "analyze":
        return commands.analyze(args)
    if args.command == "demo":
        return asyncio.run(commands.demo(args, err))
    if args.command == "serve":
        return commands.serve()
    if args.command == "alerts":
        return commands.parse_alert(args)
    if args.command == "catalog":
        return commands.check_catalog(args)
    raise ConfigError(f"unknown command {args.command!r}")


def read_input(path: str) -> str:
    """Text from a file or stdin; undecodable bytes become U+FFFD, never an error."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    return data.decode("utf-8", errors="replace")


def print_json(payload: Any) -> None:
    """One JSON object on stdout."""
    sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str) + "\n")


if __name__ == "__main__":
    sys.exit(main())
