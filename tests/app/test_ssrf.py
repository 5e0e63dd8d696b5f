"""Outgoing webhooks reach only globally routable addresses (issue 12, item 13).

Every address that is not global is refused, IPv6 addresses wrapping an IPv4 one are judged by
the address they wrap, every answer of a name counts, and a delivery connects to the address
that was checked: a resolver that answers differently the second time (DNS rebinding) is never
asked twice. TLS keeps the URL's name for SNI and the certificate check.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.outgoing.sender import DeliveryWorker, SenderPolicy
from app.outgoing.ssrf import GuardedTransport, check_url
from art.errors import BadRequest
from art.models import Delivery, DeliveryAttempt
from tests.app.deliveries import pending_delivery

PRIVATE = "which is refused (set TRAINYARD_WEBHOOK_ALLOW_PRIVATE_URLS to allow it)"
LOOPBACK = "which is refused (set TRAINYARD_WEBHOOK_ALLOW_LOOPBACK to allow it)"
MAPPED = ipaddress.ip_address("::ffff:10.0.0.1")  # printed differently by Python versions
REAL_GETADDRINFO = socket.getaddrinfo


class Resolver:
    """socket.getaddrinfo for a few test names: the n-th lookup of a name gets its n-th
    answer (the last one repeats); every other name goes to the real resolver."""

    def __init__(self, answers: dict[str, list[list[str]]]) -> None:
        self.answers = answers
        self.calls: dict[str, int] = dict.fromkeys(answers, 0)

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self.answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.calls[host] += 1
        ips = self.answers[host][min(self.calls[host], len(self.answers[host])) - 1]
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (ip, int(port or 0), 0, 0) if ":" in ip else (ip, int(port or 0)),
            )
            for ip in ips
        ]


@pytest.mark.parametrize(
    ("host", "detail"),
    [
        ("100.64.0.1", f"url resolves to carrier-grade NAT address 100.64.0.1, {PRIVATE}"),
        (
            "100.127.255.254",
            f"url resolves to carrier-grade NAT address 100.127.255.254, {PRIVATE}",
        ),
        (
            "100.100.100.200",
            "url resolves to 100.100.100.200, a cloud metadata address, which is always refused",
        ),
        (
            "[2002:a00:1::]",
            f"url resolves to 2002:a00:1::, a 6to4 address wrapping private address 10.0.0.1, "
            f"{PRIVATE}",
        ),
        (
            "[2002:7f00:1::]",
            f"url resolves to 2002:7f00:1::, a 6to4 address wrapping loopback address "
            f"127.0.0.1, {LOOPBACK}",
        ),
        (
            "[64:ff9b::a00:1]",
            f"url resolves to 64:ff9b::a00:1, a NAT64 address wrapping private address 10.0.0.1, "
            f"{PRIVATE}",
        ),
        (
            "[64:ff9b::a9fe:a9fe]",
            "url resolves to 64:ff9b::a9fe:a9fe, a NAT64 address wrapping 169.254.169.254, "
            "a link-local or reserved address",
        ),
        (
            "[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
            "url resolves to 2001:0:4136:e378:8000:63bf:3fff:fdd2, a Teredo tunnel address, "
            "which is not globally routable",
        ),
        (
            "[::ffff:10.0.0.1]",
            f"url resolves to {MAPPED}, an IPv4-mapped address wrapping private address "
            f"10.0.0.1, {PRIVATE}",
        ),
        (
            "[::a00:1]",
            f"url resolves to ::a00:1, an IPv4-compatible address wrapping private address "
            f"10.0.0.1, {PRIVATE}",
        ),
        ("[fc00::1]", f"url resolves to private address fc00::1, {PRIVATE}"),
        (
            "[fd00:ec2::254]",
            "url resolves to fd00:ec2::254, a cloud metadata address, which is always refused",
        ),
        (
            "[64:ff9b:1::a00:1]",
            "url resolves to 64:ff9b:1::a00:1, a link-local or reserved address",
        ),
        ("192.0.0.100", "url resolves to 192.0.0.100, which is not a globally routable address"),
        ("198.18.0.1", "url resolves to 198.18.0.1, which is not a globally routable address"),
        ("0.1.2.3", "url resolves to 0.1.2.3, which is not a globally routable address"),
        (
            "169.254.169.254",
            "url resolves to 169.254.169.254, a link-local or reserved address",
        ),
    ],
)
def test_every_address_that_is_not_global_is_refused(host: str, detail: str) -> None:
    with pytest.raises(BadRequest) as refused:
        check_url(f"https://{host}/hook")
    assert (str(refused.value), refused.value.parameter) == (detail, "url")


@pytest.mark.parametrize(
    "host", ["8.8.8.8", "[2606:4700::1111]", "[2002:808:808::]", "[64:ff9b::808:808]"]
)
def test_global_addresses_are_accepted(host: str) -> None:
    check_url(f"https://{host}/hook")


@pytest.mark.parametrize(
    ("host", "allow_private", "allow_loopback", "detail"),
    [
        ("10.0.0.1", True, False, None),
        ("100.64.0.1", True, False, None),
        ("[fc00::1]", True, False, None),
        ("[2002:a00:1::]", True, False, None),
        ("127.0.0.1", True, False, None),
        ("127.0.0.1", False, True, None),
        ("[::1]", False, True, None),
        ("[::ffff:127.0.0.1]", False, True, None),
        ("10.0.0.1", False, True, f"url resolves to private address 10.0.0.1, {PRIVATE}"),
        (
            "100.100.100.200",
            True,
            True,
            "url resolves to 100.100.100.200, a cloud metadata address, which is always refused",
        ),
        (
            "169.254.169.254",
            True,
            True,
            "url resolves to 169.254.169.254, a link-local or reserved address",
        ),
        (
            "198.18.0.1",
            True,
            True,
            "url resolves to 198.18.0.1, which is not a globally routable address",
        ),
    ],
)
def test_settings_open_only_what_they_name(
    host: str, allow_private: bool, allow_loopback: bool, detail: str | None
) -> None:
    url = f"http://{host}/hook"
    if detail is None:
        check_url(url, allow_private, allow_loopback)
        return
    with pytest.raises(BadRequest) as refused:
        check_url(url, allow_private, allow_loopback)
    assert str(refused.value) == detail


def test_a_name_with_one_private_answer_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    resolver = Resolver({"hooks.example": [["93.184.216.34", "10.0.0.7"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(BadRequest) as refused:
        check_url("https://hooks.example/hook")
    assert str(refused.value) == (
        f"url host 'hooks.example' resolves to private address 10.0.0.7, {PRIVATE}"
    )
    check_url("https://hooks.example/hook", allow_private=True)


class Receiver:
    """A plain HTTP(S) server on one address that answers 204 and records what it got."""

    def __init__(self, host: str, port: int = 0, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, str]] = []
        self.server_names: list[str | None] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                received.append(dict(self.headers))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        if tls is not None:
            tls.sni_callback = lambda sock, name, ctx: self.server_names.append(name)  # type: ignore[assignment,misc]
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def two_receivers() -> Iterator[tuple[Receiver, Receiver]]:
    """The checked receiver on 127.0.0.1 and an "internal" one on 127.0.0.2, same port."""
    for _ in range(20):
        checked = Receiver("127.0.0.1")
        try:
            internal = Receiver("127.0.0.2", checked.port)
        except OSError:
            checked.stop()
            continue
        yield checked, internal
        checked.stop()
        internal.stop()
        return
    pytest.skip("no port free on both 127.0.0.1 and 127.0.0.2")


def _attempt_log(sessions: sessionmaker[Session]) -> list[tuple[str, int | None, str | None]]:
    with sessions() as session:
        rows = session.execute(
            select(Delivery.status, DeliveryAttempt.status_code, DeliveryAttempt.error)
            .join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
            .order_by(DeliveryAttempt.id)
        )
        return [(status, code, error) for status, code, error in rows]


def test_delivery_connects_to_the_address_that_was_checked(
    sessions: sessionmaker[Session],
    two_receivers: tuple[Receiver, Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first answer (checked, allowed) is 127.0.0.1; any later lookup would answer the
    internal 127.0.0.2. The delivery reaches the first with the name in its Host header."""
    checked, internal = two_receivers
    resolver = Resolver({"hooks.example": [["127.0.0.1"], ["127.0.0.2"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    delivery, sub = pending_delivery(
        sessions, f"http://hooks.example:{checked.port}/hook", "msg_rebind"
    )
    worker = DeliveryWorker(sessions, SenderPolicy(allow_loopback=True))
    try:
        assert worker.attempt(delivery, sub) is True
    finally:
        worker.close()
    assert [r["Host"] for r in checked.requests] == [f"hooks.example:{checked.port}"]
    assert internal.requests == []
    assert resolver.calls == {"hooks.example": 1}
    assert _attempt_log(sessions) == [("delivered", 204, None)]


def test_delivery_to_a_name_with_one_private_answer_is_refused(
    sessions: sessionmaker[Session],
    two_receivers: tuple[Receiver, Receiver],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    checked, internal = two_receivers
    monkeypatch.setattr(
        socket, "getaddrinfo", Resolver({"hooks.example": [["127.0.0.1", "10.0.0.7"]]})
    )
    delivery, sub = pending_delivery(
        sessions, f"http://hooks.example:{checked.port}/hook", "msg_rebind"
    )
    worker = DeliveryWorker(sessions, SenderPolicy(allow_loopback=True))
    try:
        assert worker.attempt(delivery, sub) is False
    finally:
        worker.close()
    assert (checked.requests, internal.requests) == ([], [])
    assert _attempt_log(sessions) == [
        (
            "pending",
            None,
            f"refused: url host 'hooks.example' resolves to private address 10.0.0.7, {PRIVATE}",
        )
    ]


def _certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "1"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-keyout", str(key), "-out", str(cert)),
            *("-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_keeps_the_name_for_sni_and_the_certificate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = _certificate(tmp_path, "hooks.example")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    receiver = Receiver("127.0.0.1", tls=server_tls)
    resolver = Resolver({"hooks.example": [["127.0.0.1"]], "other.example": [["127.0.0.1"]]})
    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    transport = GuardedTransport(
        allow_loopback=True, verify=ssl.create_default_context(cafile=str(cert))
    )
    try:
        with httpx.Client(transport=transport) as client:
            ok = client.post(f"https://hooks.example:{receiver.port}/hook", content=b"{}")
            with pytest.raises(httpx.ConnectError, match="certificate verify failed"):
                client.post(f"https://other.example:{receiver.port}/hook", content=b"{}")
    finally:
        receiver.stop()
    assert ok.status_code == 204
    assert [r["Host"] for r in receiver.requests] == [f"hooks.example:{receiver.port}"]
    assert receiver.server_names == ["hooks.example", "other.example"]
    assert resolver.calls == {"hooks.example": 1, "other.example": 1}
