"""A webhook receiver on loopback that does what docs/api.md asks of a client's receiver.

It verifies each delivery's Standard Webhooks signature with the standardwebhooks package
(which refuses a timestamp more than 5 minutes off), remembers the webhook-id of every
delivery it accepted and refuses the same id again (a replay: 409), and can be told to answer
the next deliveries with an error (`fail_next`) to make the sender retry.
"""

from __future__ import annotations

import binascii
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    """One request: what came, what was answered and why."""

    headers: dict[str, str]
    body: bytes
    status: int
    verdict: str


class WebhookReceiver:
    """Listens on 127.0.0.1; `url` is where to send, `received` every request in order."""

    def __init__(self, secret: str) -> None:
        self.webhook_secret = secret
        self.webhook = Webhook(secret)
        self.fail_next: list[int] = []
        self.received: list[Received] = []
        self.seen_ids: set[str] = set()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, _ = receiver.judge(headers, body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def judge(self, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """Verify, then refuse a replay; answer an error first when told to."""
        with self._lock:
            try:
                self.webhook.verify(body, headers)
            except (WebhookVerificationError, ValueError, binascii.Error) as error:
                answer = (400, f"refused: {error}")
            else:
                event_id = headers["webhook-id"]
                if event_id in self.seen_ids:
                    answer = (409, "refused: replayed webhook-id")
                elif self.fail_next:
                    answer = (self.fail_next.pop(0), "verified, answered with an error as told")
                else:
                    self.seen_ids.add(event_id)
                    answer = (204, "accepted")
            self.received.append(Received(headers, body, *answer))
            return answer

    def accepted(self) -> list[dict[str, Any]]:
        """The payloads accepted, in order."""
        return [json.loads(r.body) for r in self.received if r.status == 204]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def post_again(url: str, *, headers: dict[str, str], body: bytes) -> int:
    """POST a delivery as a third party would replay it; returns the status."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
