"""Runs moto (and the scenario build, which writes to moto's in-process objects) in a child process.

moto answers in Python threads; in the caller's process they would compete with the event loop
for the GIL and add their CPU time to every measured AWS call. The child is `moto_main` run
with the same interpreter (`python -m`, no shell); it prints one JSON line when ready; it is
terminated on close and also stops when its stdin closes, so it never outlives the sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
from pathlib import Path

_STARTUP_TIMEOUT_S = 60.0


class MotoProcess:
    """The child process running moto."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url

    @classmethod
    async def start(cls, scenarios: Path) -> MotoProcess:
        """Start the child and wait until moto answers with every scenario built."""
        # The child never sees the user's AWS settings or credentials: it only talks to moto.
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["AWS_CONFIG_FILE"] = env["AWS_SHARED_CREDENTIALS_FILE"] = os.devnull
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "providers.sandbox.aws.moto_main",
            str(scenarios),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), _STARTUP_TIMEOUT_S)
            url = str(json.loads(line)["url"])
        except (TimeoutError, ValueError, KeyError) as exc:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
            raise RuntimeError(
                f"AWS sandbox failed to start (moto's process exit code {process.returncode})"
            ) from exc
        return cls(process, url)

    async def close(self) -> None:
        """Stop the child: it holds nothing worth a graceful shutdown (moto's takes ~1 s)."""
        if self.process.stdin is not None:
            self.process.stdin.close()
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
