"""A real S3-compatible server on loopback for tests: moto_server in a subprocess."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MotoServer:
    """Start / stop / restart ``moto_server`` on a fixed loopback port (state is in memory:
    a restart loses the objects, as an outage of a real store would not; tests that restart
    it re-create the bucket)."""

    def __init__(self, port: int | None = None, check_auth: bool = False) -> None:
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.check_auth = check_auth  # moto then checks credentials as AWS IAM would

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> MotoServer:
        exe = Path(sys.executable).with_name("moto_server")
        import os

        env = {**os.environ, **({"INITIAL_NO_AUTH_ACTION_COUNT": "0"} if self.check_auth else {})}
        self.proc = subprocess.Popen(
            [str(exe), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1)
                return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("moto_server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


class TcpProxy:
    """A loopback TCP proxy in front of a server that can be cut and restored, to simulate
    an S3 outage without losing the server's state."""

    def __init__(self, target_port: int) -> None:
        import threading

        self.target_port = target_port
        self.port = free_port()
        self.up = threading.Event()
        self.up.set()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen(64)
        self._conns: list[socket.socket] = []
        self.fail_next = 0  # answer this many new connections with HTTP 503 SlowDown
        self.failed = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        self.up.clear()
        for c in list(self._conns):
            with contextlib.suppress(OSError):
                c.close()
        self._conns.clear()

    def restore(self) -> None:
        self.up.set()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            if not self.up.is_set():
                client.close()
                continue
            if self.fail_next > 0:
                self.fail_next -= 1
                self.failed += 1
                threading.Thread(target=self._slow_down, args=(client,), daemon=True).start()
                continue
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            self._conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _slow_down(client: socket.socket) -> None:
        body = b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>"
        with contextlib.suppress(OSError):
            client.settimeout(5)
            client.recv(65536)
            client.sendall(
                b"HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body
            )
        with contextlib.suppress(OSError):
            client.close()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while self.up.is_set() and (data := a.recv(65536)):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                with contextlib.suppress(OSError):
                    s.close()

    def close(self) -> None:
        self.cut()
        self._sock.close()
