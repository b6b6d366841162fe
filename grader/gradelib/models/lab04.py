"""Lab 04's model: udp_server echoes each datagram to its sender, unchanged, 0 to
65507 bytes, whoever sends it and in whatever order; with --max-datagrams N it exits
with 0 after the N-th echo (README section 6). The clients here take turns in a
generated order, each waiting for its echo before the next datagram goes."""
from hypothesis import strategies as st

from .. import expect, peers
from ..datagrams import MAX_IPV4, receive, udp_socket
from . import Exploration, scaled, schedule, shown

CASES = 12
SHRINKS = 25
SECONDS = 20.0
WAIT = 5.0
CLIENTS = 3


def cases():
    size = st.one_of(st.integers(0, 40), st.sampled_from([0, 1, 1472, 1473, 8192, 65535 - 28,
                                                          MAX_IPV4]),
                     st.integers(1000, MAX_IPV4))
    datagram = st.tuples(st.integers(0, CLIENTS - 1), size)
    return st.tuples(st.sampled_from([peers.IPV4, peers.IPV6]),
                     st.lists(datagram, min_size=1, max_size=6))


def check(start, seed):
    Exploration(seed, scaled(CASES), SHRINKS, SECONDS).run(
        cases(), lambda case: _exchange(start, *case))


def _exchange(start, host, plan):
    proc = start("udp_server", "--bind", host, "--max-datagrams", len(plan), timeout=600)
    addr = peers.announced(proc, 10)
    steps = [f"client {who + 1} sends {size} bytes" for who, size in plan]
    socks = [udp_socket(host) for _ in range(CLIENTS)]

    def fail(what, expected, got, hint):
        return expect.Failure(f"{what}\nthe datagrams, each waiting for its echo, "
                              f"to udp_server --bind {host} --max-datagrams {len(plan)}:\n"
                              f"{schedule(steps)}", expected=expected, got=got, hint=hint,
                              result=proc.stop())
    try:
        for n, (who, size) in enumerate(plan):
            data = peers.payload(size, n * 7 + size)
            socks[who].sendto(data, addr)
            back, source = receive(socks[who], WAIT, sender=proc)
            if back != data:
                raise fail(f"datagram {n + 1} (client {who + 1}, {size} bytes) did not "
                           "come back unchanged; the README (section 6) says every "
                           "datagram is echoed to its sender",
                           f"{size} bytes: {shown(data, 60)}",
                           "nothing" if back is None else f"{len(back)} bytes: "
                           f"{shown(back, 60)}",
                           "One recvfrom per datagram into a buffer of 65507 bytes or more, "
                           "then sendto of exactly the length it returned, to the address "
                           "it filled in (an empty datagram too).")
            if source[:2] != addr[:2]:
                raise fail("an echo came from another address than the server's",
                           f"{addr[0]} port {addr[1]}", f"{source[0]} port {source[1]}",
                           "Send with the socket that received the datagram.")
        result = proc.wait(WAIT)
        if result.timed_out or result.returncode != 0:
            raise fail(f"after {len(plan)} echoes udp_server --max-datagrams {len(plan)} "
                       "should exit with 0", "exit 0", result.ended(),
                       "Count the datagrams echoed; after the N-th close the socket, "
                       "WSACleanup and return 0.")
    finally:
        for sock in socks:
            sock.close()
        proc.stop()
