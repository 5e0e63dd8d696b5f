"""Refuse webhook URLs that reach inside the network (SSRF), unless configuration allows it.

A URL is checked when a subscription is created, and every delivery connects through
``GuardedTransport``: it resolves the host once, refuses the connection unless every address
the name resolves to is acceptable, and connects to an address it checked. A DNS answer that
changes between the check and the connection (DNS rebinding) therefore reaches nothing new.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from art.errors import BadRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_PRIVATE = "set TRAINYARD_WEBHOOK_ALLOW_PRIVATE_URLS to allow it"
ALLOW_LOOPBACK = "set TRAINYARD_WEBHOOK_ALLOW_LOOPBACK to allow it"

# Ranges a deployment may open with TRAINYARD_WEBHOOK_ALLOW_PRIVATE_URLS, and their names.
PRIVATE_USE = (
    (ipaddress.ip_network("10.0.0.0/8"), "private"),
    (ipaddress.ip_network("172.16.0.0/12"), "private"),
    (ipaddress.ip_network("192.168.0.0/16"), "private"),
    (ipaddress.ip_network("fc00::/7"), "private"),
    (ipaddress.ip_network("100.64.0.0/10"), "carrier-grade NAT"),
)
# Cloud instance metadata services answer here: never a webhook receiver, whatever is allowed.
METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "100.100.100.200", "192.0.0.192", "fd00:ec2::254")
)
# Not globally reachable per the IANA special-purpose registries, yet missed by the
# ``is_global`` of Python 3.11 (later versions list them too).
NOT_GLOBAL = tuple(
    ipaddress.ip_network(n) for n in ("192.0.0.0/24", "64:ff9b:1::/48", "3fff::/20", "5f00::/16")
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _wrapped(addr: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries traffic to, and how it is wrapped."""
    if addr.ipv4_mapped is not None:
        return "an IPv4-mapped", addr.ipv4_mapped
    if addr.sixtofour is not None:
        return "a 6to4", addr.sixtofour
    if addr in NAT64:
        return "a NAT64", ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if addr in IPV4_COMPATIBLE and int(addr) > 1:  # :: and ::1 are themselves
        return "an IPv4-compatible", ipaddress.IPv4Address(int(addr))
    return None


def refusal(
    addr: IPAddress, allow_private: bool = False, allow_loopback: bool = False
) -> str | None:
    """Why a webhook may not be sent to ``addr`` (completing "url resolves to ..."), or None.

    Only globally routable addresses are accepted; loopback and private-use ranges open up
    with the settings, link-local, reserved and metadata addresses never do. An IPv6 address
    that wraps an IPv4 one (mapped, 6to4, NAT64) is judged by the address it wraps."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.teredo is not None:
            return f"{addr}, a Teredo tunnel address, which is not globally routable"
        wrapped = _wrapped(addr)
        if wrapped is not None:
            kind, inner = wrapped
            reason = refusal(inner, allow_private, allow_loopback)
            return None if reason is None else f"{addr}, {kind} address wrapping {reason}"
    if addr.is_loopback:  # before "reserved": ::1 lies in the reserved ::/8
        if allow_loopback or allow_private:
            return None
        return f"loopback address {addr}, which is refused ({ALLOW_LOOPBACK})"
    if addr.is_link_local or addr.is_multicast or addr.is_unspecified or addr.is_reserved:
        return f"{addr}, a link-local or reserved address"
    if addr in METADATA:
        return f"{addr}, a cloud metadata address, which is always refused"
    private = next((label for network, label in PRIVATE_USE if addr in network), None)
    if private is not None:
        return (
            None
            if allow_private
            else f"{private} address {addr}, which is refused ({ALLOW_PRIVATE})"
        )
    if not addr.is_global or any(addr in network for network in NOT_GLOBAL):
        return f"{addr}, which is not a globally routable address"
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int) -> list[IPAddress]:
    """Every address ``host`` resolves to, in the resolver's order (one lookup)."""
    literal = _literal(host)
    if literal is not None:
        return [literal]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise BadRequest(f"url host '{host}' does not resolve: {reason}", parameter="url") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def checked_addresses(
    host: str, port: int, allow_private: bool = False, allow_loopback: bool = False
) -> list[IPAddress]:
    """The addresses of ``host``, each acceptable; BadRequest naming ``url`` if any is not."""
    addresses = _resolve(host, port)
    for addr in addresses:
        reason = refusal(addr, allow_private, allow_loopback)
        if reason is not None:
            named = "url" if _literal(host) is not None else f"url host '{host}'"
            raise BadRequest(f"{named} resolves to {reason}", parameter="url")
    return addresses


def url_origin(url: str) -> tuple[str, int]:
    """Host and port of an absolute http(s) URL; BadRequest naming ``url`` otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("url must be an absolute http(s) URL", parameter="url")
    try:
        port = parts.port
    except ValueError:
        raise BadRequest("url has an invalid port", parameter="url") from None
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_url(url: str, allow_private: bool = False, allow_loopback: bool = False) -> None:
    """BadRequest naming ``url`` when it is not http(s) or reaches a refused address."""
    host, port = url_origin(url)
    checked_addresses(host, port, allow_private, allow_loopback)


class GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to checked addresses: one lookup, every answer checked,
    then a connection to an address of that answer (never a name, so no second lookup).

    TLS is started by the connection above with the URL's host name, so SNI and the
    certificate check stay those of the name; the Host header is the URL's too."""

    def __init__(
        self,
        allow_private: bool = False,
        allow_loopback: bool = False,
        inner: httpcore.NetworkBackend | None = None,
    ) -> None:
        self.allow_private = allow_private
        self.allow_loopback = allow_loopback
        self._inner = inner or httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self.allow_private, self.allow_loopback)
        failure: httpcore.ConnectError | httpcore.ConnectTimeout | None = None
        for addr in addresses:
            try:
                return self._inner.connect_tcp(
                    str(addr), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # try the next address, as a resolver-driven connect would
        raise failure or httpcore.ConnectError(f"{host} has no address")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's own transport, with its connection pool opening connections through
    ``GuardedBackend``. Proxies are not used: a proxy would resolve the name itself."""

    def __init__(
        self,
        allow_private: bool = False,
        allow_loopback: bool = False,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        super().__init__(verify=verify)
        pool = getattr(self, "_pool", None)
        if not isinstance(pool, httpcore.ConnectionPool):  # fail loudly, never unguarded
            raise RuntimeError("httpx.HTTPTransport keeps no _pool: the SSRF guard cannot apply")
        limits = httpx.Limits()
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private, allow_loopback),
        )
        pool.close()
