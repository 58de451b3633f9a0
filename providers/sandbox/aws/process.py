"""Runs moto (and the scenario build, which writes to moto's in-process objects) in a child process.

moto answers in Python threads; in the caller's process they would compete with the event loop
for the GIL and add their CPU time to every measured AWS call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path

_STARTUP_TIMEOUT_S = 60.0


def serve(conn: Connection, scenarios: str) -> None:
    """Child process: start moto on 127.0.0.1:0, build the scenarios, report the URL, wait."""
    import urllib.request

    import yaml
    from moto.server import ThreadedMotoServer

    from providers.sandbox.aws.builder import build_scenarios

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    try:
        host, port = moto.get_host_and_port()
        url = f"http://{host}:{port}"
        reset = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()
        build_scenarios(url, yaml.safe_load(Path(scenarios).read_text()), datetime.now(UTC))
        conn.send(("ok", url))
    except Exception as exc:  # the parent re-raises it with the child's message
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        moto.stop()
        return
    conn.recv()  # any message, or EOF when the parent goes away, means stop
    moto.stop()


class MotoProcess:
    """The child process and the pipe to it."""

    def __init__(self, process: BaseProcess, conn: Connection, url: str) -> None:
        self.process = process
        self.conn = conn
        self.url = url

    @classmethod
    async def start(cls, scenarios: Path) -> MotoProcess:
        """Spawn the child and wait until moto answers with every scenario built."""
        context = multiprocessing.get_context("spawn")  # no fork of a running event loop
        parent, child = context.Pipe()
        process = context.Process(
            target=serve, args=(child, str(scenarios)), name="moto-sandbox", daemon=True
        )
        process.start()
        child.close()
        try:
            ready = await asyncio.to_thread(parent.poll, _STARTUP_TIMEOUT_S)
            status, detail = parent.recv() if ready else ("error", "moto did not start in time")
        except EOFError:
            status, detail = "error", f"moto's process exited with code {process.exitcode}"
        if status != "ok":
            process.kill()
            parent.close()
            raise RuntimeError(f"AWS sandbox failed to start: {detail}")
        return cls(process, parent, str(detail))

    async def close(self) -> None:
        """Ask the child to stop; kill it if it does not."""
        with contextlib.suppress(BrokenPipeError, OSError):  # already gone is fine
            self.conn.send("stop")
        await asyncio.to_thread(self.process.join, 10)
        if self.process.is_alive():
            self.process.kill()
            await asyncio.to_thread(self.process.join, 5)
        self.conn.close()
