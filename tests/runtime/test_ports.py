"""lab.runtime.ports: a free port outside the kernel's ephemeral range, where outgoing connections take
theirs (the suite once lost a Locust exporter's port to one, picked by bind(0) a moment before)."""

from __future__ import annotations

import contextlib
import socket

import pytest

from lab.runtime.ports import DEFAULT_EPHEMERAL, LOWEST, candidates, ephemeral_range, free_port


def test_the_range_is_read_from_the_kernels_file_or_defaults() -> None:
    assert ephemeral_range("32768\t60999\n") == (32768, 60999)
    assert ephemeral_range("49152 65535") == (49152, 65535)
    assert ephemeral_range("garbage") == DEFAULT_EPHEMERAL
    assert ephemeral_range("60999 32768") == DEFAULT_EPHEMERAL  # upside down
    low, high = ephemeral_range()  # this machine's
    assert 0 < low <= high <= 65535


def test_the_candidates_are_what_lies_outside_the_range() -> None:
    assert candidates((32768, 60999)) == [range(LOWEST, 32768), range(61000, 65536)]
    assert candidates((49152, 65535)) == [range(LOWEST, 49152)]  # macOS's
    assert candidates((1024, 65535)) == []  # all of it ephemeral: bind(0) is all there is


@pytest.mark.parametrize("ephemeral", [(32768, 60999), (49152, 65535)])
def test_a_free_port_is_outside_the_range_and_bindable(ephemeral: tuple[int, int]) -> None:
    for _ in range(20):
        port = free_port(ephemeral=ephemeral)
        assert not ephemeral[0] <= port <= ephemeral[1] and port >= LOWEST
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", port))


def test_a_port_in_use_is_never_handed_out() -> None:
    """Every candidate but one taken: the one left is found (a narrow range: 20000 to 20009)."""
    held = []
    try:
        for port in range(LOWEST, LOWEST + 9):
            sock = socket.socket()
            held.append(sock)
            with contextlib.suppress(OSError):  # taken already, by something else: as good
                sock.bind(("127.0.0.1", port))
        assert free_port(ephemeral=(LOWEST + 10, 65535)) == LOWEST + 9
    finally:
        for sock in held:
            sock.close()


def test_where_every_port_is_ephemeral_the_kernel_picks() -> None:
    assert 0 < free_port(ephemeral=(1024, 65535)) <= 65535
