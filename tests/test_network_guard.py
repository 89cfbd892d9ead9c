"""The root conftest's guard: a test that reaches another machine fails at once, loopback works."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import pytest

from tests.conftest import NetworkBlocked

OUTSIDE = [("10.255.255.1", 80), ("93.184.216.34", 443), ("2001:db8::1", 80), ("example.com", 80)]


@pytest.fixture
def refused(no_network: list[str]) -> Iterator[list[str]]:
    """The guard's record of refused attempts, emptied after the test (they were expected)."""
    yield no_network
    no_network.clear()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


@pytest.mark.parametrize("address", OUTSIDE, ids=lambda a: a[0])
def test_connect_outside_fails_immediately(refused, address):
    with socket.socket(_family(address[0]), socket.SOCK_STREAM) as sock:
        sock.settimeout(30)
        started = time.monotonic()
        with pytest.raises(NetworkBlocked, match="test tried to reach the network") as caught:
            sock.connect(address)
    assert time.monotonic() - started < 1  # refused before any packet (or DNS lookup) leaves
    assert repr(address) in str(caught.value)
    assert refused == [str(caught.value)]


@pytest.mark.parametrize("address", OUTSIDE, ids=lambda a: a[0])
def test_connect_ex_and_create_connection_outside_fail(refused, address):
    with socket.socket(_family(address[0]), socket.SOCK_STREAM) as sock, pytest.raises(NetworkBlocked):
        sock.connect_ex(address)
    started = time.monotonic()
    with pytest.raises(NetworkBlocked, match="create_connection"):
        socket.create_connection(address, timeout=30)
    assert time.monotonic() - started < 1
    assert len(refused) == 2


def test_a_swallowed_attempt_still_fails_the_test(refused):
    with contextlib.suppress(Exception):  # code under test that catches every error
        socket.create_connection(("93.184.216.34", 80))
    assert len(refused) == 1  # `no_network` fails the test at teardown with this message


def _echo_server(family: socket.AddressFamily, host: str) -> tuple[socket.socket, int]:
    server = socket.socket(family, socket.SOCK_STREAM)
    server.bind((host, 0))
    server.listen(1)

    def answer() -> None:
        conn, _ = server.accept()
        with conn:
            conn.sendall(conn.recv(16))

    threading.Thread(target=answer, daemon=True).start()
    return server, server.getsockname()[1]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_loopback_is_allowed(host):
    server, port = _echo_server(socket.AF_INET, "127.0.0.1")
    with server, socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(b"ping")
        assert sock.recv(16) == b"ping"


def test_ipv6_loopback_is_allowed():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    try:
        server, port = _echo_server(socket.AF_INET6, "::1")
    except OSError:
        pytest.skip("::1 is not configured")
    with server, socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        assert sock.connect_ex(("::1", port)) == 0
        sock.sendall(b"ping")
        assert sock.recv(16) == b"ping"


def test_unix_sockets_are_allowed(tmp_path):
    path = str(tmp_path / "s")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(path)
        server.listen(1)
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(path)
            conn, _ = server.accept()
            conn.close()
