"""The AWS sandbox's child process: moto on 127.0.0.1:0, scenarios built, until stdin closes."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import yaml
from moto.server import ThreadedMotoServer

from providers.sandbox.aws.builder import build_scenarios


def serve(scenarios: Path) -> None:
    """Start moto (fresh state: a new process), build the scenarios, print the URL, wait."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        url = f"http://{host}:{port}"
        build_scenarios(url, yaml.safe_load(scenarios.read_text()), datetime.now(UTC))
        print(json.dumps({"url": url}), flush=True)
        sys.stdin.read()  # returns at EOF: the parent closed the pipe or went away
    finally:
        moto.stop()


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
