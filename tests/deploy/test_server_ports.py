"""The hub's ports for students' servers (deploy/hub/server_ports.py): one server per port, never twice."""
from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.hub import load_hub_module

server_ports = load_hub_module("server_ports")


def _free_ports(n: int) -> list[int]:
    """``n`` ports outside the ephemeral range that nothing is bound to now."""
    free = [p for p in range(21000, 22000) if server_ports._free("127.0.0.1", p)]
    assert len(free) >= n
    return free[:n]


def test_a_class_starting_at_once_gets_distinct_ports_outside_the_ephemeral_range():
    ports = server_ports.ServerPorts("127.0.0.1")
    with ThreadPoolExecutor(16) as pool:
        given = list(pool.map(ports.take, [f"s{i:03d}/" for i in range(400)]))
    assert len(set(given)) == 400
    ephemeral = server_ports.ephemeral_range()
    assert not [p for p in given if p in ephemeral or p < server_ports.LOWEST]


def test_a_held_port_is_not_given_again_even_when_nothing_listens_on_it_yet():
    # the hazard: a server is given a port but binds it only seconds later
    two = _free_ports(2)
    ports = server_ports.ServerPorts("127.0.0.1", candidates=two, seed=1)
    first = ports.take("ann/")
    second = ports.take("bo/")
    assert sorted([first, second]) == two
    with pytest.raises(server_ports.NoFreePort, match="no free port for cy/'s server"):
        ports.take("cy/")


def test_a_restart_gives_up_the_old_port():
    (one,) = _free_ports(1)
    ports = server_ports.ServerPorts("127.0.0.1", candidates=[one], seed=1)
    assert ports.take("ann/") == one
    assert ports.take("ann/") == one  # ann's server starts again: her own port is hers to reuse


def test_a_port_something_is_bound_to_is_skipped():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        busy = other.getsockname()[1]
        (free,) = _free_ports(1)
        ports = server_ports.ServerPorts("127.0.0.1", candidates=[busy, free], seed=1)
        assert [ports.take("ann/")] == [free]


def test_the_ephemeral_range_is_read_from_the_kernel_and_defaults_when_unreadable(tmp_path):
    (tmp_path / "range").write_text("40000\t50000\n")
    assert server_ports.ephemeral_range(tmp_path / "range") == range(40000, 50001)
    assert server_ports.ephemeral_range(tmp_path / "missing") == range(32768, 61000)


def test_no_candidates_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="ip_local_port_range"):
        server_ports.ServerPorts("127.0.0.1", candidates=[])
