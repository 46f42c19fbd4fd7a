"""A TCP proxy a test can cut and restore: a database or Redis "going away" without stopping it.

The real PostgreSQL and Redis keep running for the rest of the suite; the app under test
reaches them only through this proxy, so cutting it is, for the app, an outage: live
connections drop and new ones are closed at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class TcpProxy:
    """Forwards 127.0.0.1:<port> to target until cut()."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._live: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def cut(self) -> None:
        """Drop every connection and refuse new ones, as a dead server would."""
        self._open.clear()
        with self._lock:
            for sock in self._live:
                _close(sock)
            self._live.clear()

    def restore(self) -> None:
        """Let connections through again."""
        self._open.set()

    def stop(self) -> None:
        self.cut()
        _close(self._listener)

    def _accept(self) -> None:
        for client in accepted(self._listener):
            if not self._open.is_set():
                _close(client)
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                self._live.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                _close(sock)
                with self._lock:
                    self._live.discard(sock)


def accepted(listener: socket.socket) -> Iterator[socket.socket]:
    """Each connection the listener accepts, until it is closed."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        yield client


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
