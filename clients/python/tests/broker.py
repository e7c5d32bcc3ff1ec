"""Starts the real broker (``node bin/ferry.js serve``) as a child process for the scenario tests."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import IO, Callable, TypeVar

REPO = Path(os.environ.get("FERRY_REPO", Path(__file__).resolve().parents[3]))
START_TIMEOUT_S = 20.0

T = TypeVar("T")


class BrokerStartError(RuntimeError):
    """The broker did not write its ports file in time."""


def wait_for(fn: Callable[[], T | None], timeout_s: float, interval_s: float = 0.05, what: str = "condition") -> T:
    """Polls ``fn`` until it returns something truthy; raises ``TimeoutError`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what} not met within {timeout_s} s")
        time.sleep(interval_s)


class BrokerProcess:
    """One broker child process on 127.0.0.1 with its own data dir; restartable on the same port."""

    def __init__(self, data_dir: Path, *, extra_args: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.extra_args = extra_args
        self.port = 0
        self.addr = ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = data_dir.parent / f"{data_dir.name}-broker.log"
        self._log: IO[bytes] | None = None
        self._starts = 0

    def start(self) -> str:
        """Starts the broker (on the previous port after a stop) and returns ``host:port``."""
        node = shutil.which("node")
        if node is None:
            raise BrokerStartError("node is not on PATH")
        entry = REPO / "bin" / "ferry.js"
        if not (REPO / "dist" / "cli" / "main.js").is_file():
            raise BrokerStartError(f"{REPO / 'dist'} is not built: run `npm ci` or `npm run build` in {REPO}")
        self._starts += 1
        ports_file = self.data_dir.parent / f"{self.data_dir.name}-ports-{self._starts}.json"
        ports_file.unlink(missing_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "ab")
        args = [
            node, str(entry), "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--data-dir", str(self.data_dir),
            "--ports-file", str(ports_file),
            *self.extra_args,
        ]  # fmt: skip
        self.proc = subprocess.Popen(args, cwd=REPO, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ports_file.exists():
            if self.proc.poll() is not None:
                raise BrokerStartError(f"broker exited with {self.proc.returncode} before it was ready:\n{self.log_tail()}")
            if time.monotonic() >= deadline:
                self.kill()
                raise BrokerStartError(f"broker wrote no {ports_file} within {START_TIMEOUT_S} s:\n{self.log_tail()}")
            time.sleep(0.05)
        self.addr = json.loads(ports_file.read_text())["grpc"]
        self.port = int(self.addr.rsplit(":", 1)[1])
        return self.addr

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 15.0) -> int | None:
        """Sends ``sig`` and waits for the exit (SIGKILL after ``timeout_s``); returns the exit code."""
        if self.proc is None:
            return None
        proc, self.proc = self.proc, None
        if proc.poll() is None:
            proc.send_signal(sig)
            try:
                proc.wait(timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        return proc.returncode

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> str:
        """SIGTERM, then start again on the same port and data dir."""
        self.stop(signal.SIGTERM)
        return self.start()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no broker log)"
