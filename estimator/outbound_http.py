"""POSTing to addresses staff typed in, without becoming a way into our own network.

A webhook URL is chosen by a person, so it could name the cloud's metadata service, the
database or anything else only the server can reach (server-side request forgery). Unless
ESTIMATOR_WEBHOOK_ALLOW_PRIVATE is on (tests, local development), every address the host name
resolves to must be public, and the connection is made to the very address that was checked
(the host name is kept for TLS and the Host header), so a DNS answer that changes between the
check and the connect (rebinding) cannot send us elsewhere. Redirects are never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits: judge that address.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
MAX_ANSWER_BYTES = 64 * 1024


class UnsafeUrl(Exception):
    """The URL may not be called: wrong scheme, or it leads to a private address."""


@dataclass(frozen=True)
class Answer:
    """What the receiver said: the status, its Retry-After in seconds (if any), how long."""

    status: int
    retry_after: int | None
    latency_ms: int


def address_refusal(address: str) -> str | None:
    """Why this IP address may not be called (loopback, private, link-local ...), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone names no other host
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and (reason := address_refusal(str(embedded))):
            return reason
    for kind in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"{address} is a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return f"{address} is not a public address"
    return None


def url_check(url: str) -> None:
    """Refuse, with the reason, a URL that may never be called (checked again at send time)."""
    parts = urlsplit(url)
    allowed = ("https",) if settings.ESTIMATOR_WEBHOOK_REQUIRE_HTTPS else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeUrl(f"The URL must start with {' or '.join(s + '://' for s in allowed)}.")
    if parts.username or parts.password:
        raise UnsafeUrl("Put no user name or password in the URL: events are signed instead.")
    host = parts.hostname or ""
    if not host:
        raise UnsafeUrl("The URL names no host.")
    try:
        parts.port  # noqa: B018  (raises on a port out of range)
    except ValueError as error:
        raise UnsafeUrl(f"The URL's port is not valid: {error}.") from None
    if settings.ESTIMATOR_WEBHOOK_ALLOW_PRIVATE:
        return
    if host.rstrip(".").lower() in LOCAL_NAMES or host.endswith((".localhost", ".local")):
        raise UnsafeUrl(f"{host} is this machine or its network: use a public address.")
    try:
        reason = address_refusal(host)
    except ValueError:  # a name, not an address: resolved and checked at send time
        return
    if reason:
        raise UnsafeUrl(f"{reason}: use a public address.")


def resolve_checked(host: str, port: int) -> str:
    """The address to connect to: every address host resolves to must be allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ConnectionError(f"Cannot resolve {host}: {error}") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise ConnectionError(f"{host} has no address")
    if not settings.ESTIMATOR_WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            # One bad address is enough to refuse: the name's owner chose to list it.
            if reason := address_refusal(address):
                raise UnsafeUrl(f"{host} resolves to an address we may not call: {reason}")
    return addresses[0]


def connect_to(address: str, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly this address: no name lookup on the way."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except BaseException:
        sock.close()
        raise
    return sock


class PinnedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP to a checked address, with the URL's host in the Host header."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = connect_to(self.address, self.port, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to a checked address; the certificate is verified against the URL's host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self) -> None:
        raw = connect_to(self.address, self.port, self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Answer:
    """POST body to url once; raises UnsafeUrl, or OSError/HTTPException when no answer came."""
    url_check(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    secure = parts.scheme == "https"
    port = parts.port or (443 if secure else 80)
    address = resolve_checked(host, port)
    kind = PinnedHTTPSConnection if secure else PinnedHTTPConnection
    connection = kind(host, port, address=address, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    started = time.monotonic()
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(MAX_ANSWER_BYTES)  # the body is not kept; read a little to end cleanly
        latency = int((time.monotonic() - started) * 1000)
        retry_after = response.getheader("Retry-After", "")
        return Answer(
            status=response.status,
            retry_after=int(retry_after) if retry_after.isdigit() else None,
            latency_ms=latency,
        )
    finally:
        connection.close()
