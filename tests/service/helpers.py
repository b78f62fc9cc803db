"""Starting the service in a thread or as a process, and waiting for what it produces."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stream.service.app import Service
from stream.service.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]

FAST = {
    "session_timeout_ms": 6000,
    "heartbeat_interval_ms": 1000,
    "poll_timeout_ms": 100,
}


def yeast_messages(n: int, *, unlabelled_every: int = 0) -> list[dict[str, Any]]:
    """The first `n` Yeast instances as messages; every `unlabelled_every`-th without `y`."""
    from stream.cli.produce import messages

    out = []
    for i, message in messages("yeast", limit=n):
        if unlabelled_every and i % unlabelled_every == unlabelled_every - 1:
            del message["y"]
        out.append(message)
    return out


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class ThreadedService:
    """A `Service` running `run()` in a thread; `stop()` ends it and returns its exit status."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.service = Service(settings)
        self.status: int | None = None
        self._thread = threading.Thread(target=self._run, name="service", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        self.status = self.service.run()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 30.0) -> int | None:
        self.service.stop()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "the service did not stop"
        return self.status


class ServiceProcess:
    """`python -m stream serve ...` as a child process, its log in a file."""

    def __init__(self, args: list[str], log: Path, env: dict[str, str] | None = None) -> None:
        self.log = log
        environment = dict(os.environ)
        environment.update(
            {
                "IHOMER_SESSION_TIMEOUT_MS": "6000",
                "IHOMER_HEARTBEAT_INTERVAL_MS": "1000",
                "IHOMER_POLL_TIMEOUT_MS": "100",
                "PYTHONPATH": str(ROOT),
            }
        )
        environment.update(env or {})
        with open(log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "stream", "serve", *args],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
                cwd=ROOT,
            )

    def signal(self, signum: int) -> None:
        self.process.send_signal(signum)

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def wait(self, timeout: float = 30.0) -> int:
        return self.process.wait(timeout)

    def ensure_stopped(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")
