"""Refuse webhook URLs that point inside the network (SSRF), unless config allows it.

Checked when a subscription is created and again before every delivery, because a DNS name
can be re-pointed at an internal address after it was accepted.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from art.errors import BadRequest


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise BadRequest(
            f"url host '{host}' does not resolve: {exc.strerror}", parameter="url"
        ) from None
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def check_url(url: str, allow_private: bool = False, allow_loopback: bool = False) -> None:
    """BadRequest naming ``url`` when it is not http(s) or reaches a refused address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BadRequest("url must be an absolute http(s) URL", parameter="url")
    for addr in _addresses(parts.hostname):
        if addr.is_loopback:
            if allow_loopback or allow_private:
                continue
            raise BadRequest(
                f"url resolves to loopback address {addr}, which is refused "
                "(set TRAINYARD_WEBHOOK_ALLOW_LOOPBACK to allow it)",
                parameter="url",
            )
        if addr.is_link_local or addr.is_multicast or addr.is_unspecified or addr.is_reserved:
            raise BadRequest(
                f"url resolves to {addr}, a link-local or reserved address", parameter="url"
            )
        if addr.is_private and not allow_private:
            raise BadRequest(
                f"url resolves to private address {addr}, which is refused "
                "(set TRAINYARD_WEBHOOK_ALLOW_PRIVATE_URLS to allow it)",
                parameter="url",
            )
