"""Ports for the students' servers, handed out by the hub: each to one server at a time, never twice.

Why not JupyterHub's default. ``LocalProcessSpawner`` asks the OS for a free
ephemeral port (``bind`` to port 0), closes it, and starts the server, which
binds it seconds later. Until then the port is free again: another start can
be given the same one, and so can any outgoing connection. When two servers
get one port, the second fails to bind, but the hub's readiness check accepts
any answer below 500 from that port, including the first server's 404. The
hub then marks the second person's server ready and routes them to someone
else's server, where every request is a 404. The 200-student load benchmark
met this once in two runs.

``ServerPorts`` picks at random among ports outside the kernel's ephemeral
range (so no outgoing connection takes one), skips any port something is
bound to, and remembers which server holds which port: a port goes to one
server until that server starts again and takes a new one. The hub sets it
as ``Spawner.port`` in its ``pre_spawn_hook`` (``jupyterhub_config.py``);
``Spawner.port`` is JupyterHub's documented setting for this.
"""
from __future__ import annotations

import itertools
import random
import socket
import threading
from pathlib import Path

__all__ = ["ServerPorts", "NoFreePort", "ephemeral_range"]

LOWEST = 10000  # below: well-known services and what people configure by hand
HIGHEST = 65535


class NoFreePort(RuntimeError):
    pass


def ephemeral_range(path: Path = Path("/proc/sys/net/ipv4/ip_local_port_range")) -> range:
    """The ports the kernel gives outgoing connections and ``bind`` to port 0 (Linux's default if unknown)."""
    try:
        low, high = (int(x) for x in path.read_text().split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(low, high + 1)


def _free(ip: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


class ServerPorts:
    """Which server holds which port; ``take`` gives a server a port no other server holds.

    Example
    -------
    >>> ports = ServerPorts("127.0.0.1")
    >>> a, b = ports.take("ann/"), ports.take("bo/")
    >>> a != b and a not in ephemeral_range()
    True
    """

    def __init__(self, ip: str = "127.0.0.1", candidates: range | list[int] | None = None,
                 seed: int | None = None):
        self.ip = ip
        if candidates is None:
            avoid = ephemeral_range()
            candidates = [p for p in range(LOWEST, HIGHEST + 1) if p not in avoid]
        self.candidates = list(candidates)
        if not self.candidates:
            raise ValueError("no ports to choose from: the ephemeral range covers "
                             f"{LOWEST}-{HIGHEST}; narrow net.ipv4.ip_local_port_range")
        self.held: dict[str, int] = {}  # server key -> port
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def _shuffled(self):
        yield from self._rng.sample(self.candidates, len(self.candidates))

    def take(self, server: str) -> int:
        """A port for ``server`` (e.g. ``"user/server-name"``), starting now; its previous port is given up.

        ``NoFreePort`` if every candidate is held or bound.
        """
        with self._lock:
            self.held.pop(server, None)
            taken = set(self.held.values())
            # a few random tries find a free port at once; the whole list, shuffled, when they do not
            tries = [self._rng.choice(self.candidates) for _ in range(32)]
            for port in itertools.chain(tries, self._shuffled()):
                if port not in taken and _free(self.ip, port):
                    self.held[server] = port
                    return port
        raise NoFreePort(f"no free port for {server}'s server on {self.ip}: all {len(self.candidates)} "
                         "candidates are in use; stop idle servers")
