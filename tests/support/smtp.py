"""A small SMTP server on loopback for tests that send through a real worker process.

Speaks just enough SMTP for Django's SMTP backend (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
It can drop the next connections at once (a server going away: retried by the worker) and
refuse recipients for good (550: the email fails).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from email import message_from_bytes
from email.message import Message

from .tcp_proxy import accepted


class SmtpServer:
    """Collects the messages it is sent in `messages`."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.drop_next = 0
        self.refuse: set[str] = set()
        self.messages: list[Message] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self._listener.close()

    def _accept(self) -> None:
        for client in accepted(self._listener):
            with self._lock:
                drop = self.drop_next > 0
                self.drop_next -= int(drop)
            if drop:
                client.close()
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        with client, client.makefile("rb") as lines:

            def say(text: str) -> None:
                client.sendall(text.encode() + b"\r\n")

            say("220 localhost test SMTP")
            accepted: list[str] = []
            for raw in lines:
                command = raw.decode(errors="replace").strip()
                verb = command[:4].upper()
                if verb == "EHLO":
                    say("250-localhost\r\n250 8BITMIME")
                elif verb == "RCPT":
                    address = command.split(":", 1)[1].strip().strip("<>")
                    if address in self.refuse:
                        say("550 5.1.1 No such user")
                    else:
                        accepted.append(address)
                        say("250 OK")
                elif verb == "DATA":
                    say("354 End data with <CR><LF>.<CR><LF>")
                    body = b"".join(iter(lines.readline, b".\r\n"))
                    with self._lock:
                        self.messages.append(message_from_bytes(body))
                    say("250 OK")
                elif verb == "QUIT":
                    say("221 Bye")
                    return
                else:  # HELO, MAIL, RSET, NOOP
                    say("250 OK")
