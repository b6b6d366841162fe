"""The model of an iterative server that answers each client's whole stream (lab 03's
echo, README section 4 and 5; lab 05's summary, README section 6): clients one
after the other, some connecting while the one before is still served (they wait in
the backlog), each sending its bytes in pieces, then half-closing and reading the
answer, or resetting half-way; with --max-clients N the server exits with 0 after the
N-th, counting those that failed."""
from hypothesis import strategies as st

from .. import expect, peers
from . import Exploration, scaled, schedule, shown

CASES = 15
SHRINKS = 25
SECONDS = 20.0
WAIT = 10.0
# How long the server has to exit after its last client.
EXIT_WAIT = 3.0


def clients():
    """A schedule: for each client, its pieces, whether it resets after them instead
    of half-closing, and whether it connects while the one before is served."""
    piece = st.one_of(st.binary(min_size=1, max_size=40),
                      st.sampled_from([b"\0", b"\n", b"\r\n", b"\xff", b"\x1a"]),
                      st.integers(1000, 70000).map(lambda n: peers.payload(n, n)))
    client = st.tuples(st.lists(piece, max_size=4), st.sampled_from([False, False, True]),
                       st.booleans())
    return st.lists(client, min_size=1, max_size=5)


def describe(plan):
    steps = []
    for i, (pieces, resets, early) in enumerate(plan):
        sent = " + ".join(shown(p, 40) for p in pieces) or "nothing"
        steps.append(f"client {i + 1}" + (" (connected while the one before was served)"
                                          if early and i else "") +
                     f" sends {sent}, then " + ("resets" if resets else
                                                "half-closes and reads the answer"))
    return schedule(steps)


def check(start, seed, program, answer, hint):
    """PROGRAM (an iterative server taking --max-clients) against the model: each
    client that half-closes gets ANSWER(its bytes), then the end-of-file."""
    Exploration(seed, scaled(CASES), SHRINKS, SECONDS).run(
        clients(), lambda plan: _run(start, program, answer, hint, plan))


def _run(start, program, answer, hint, plan):
    proc = start(program, "--max-clients", len(plan), timeout=600)
    proc.host, proc.port = peers.announced(proc, 10)

    def fail(what, expected, got, why_hint=hint):
        return expect.Failure(f"{what}\nthe schedule:\n{describe(plan)}", expected=expected,
                              got=got, hint=why_hint, result=proc.stop())

    socks = {}

    def connect(i):
        if i < len(plan) and i not in socks:
            try:
                socks[i] = peers.connect(proc.host, proc.port, WAIT)
            except OSError as e:
                raise fail(f"client {i + 1} could not connect", "a connection",
                           str(e)) from None
    try:
        for i, (pieces, resets, _) in enumerate(plan):
            connect(i)
            sock = socks[i]
            if i + 1 < len(plan) and plan[i + 1][2]:
                connect(i + 1)
            data = b"".join(pieces)
            if resets:
                for p in pieces:
                    try:
                        sock.sendall(p)
                    except OSError:
                        break
                peers.reset(sock)
                continue
            got, how = peers.exchange(sock, data, WAIT)
            sock.close()
            want = answer(data)
            if got != want or how != "eof":
                why = {"reset": "; then the server reset the connection",
                       "timeout": f"; then nothing for {WAIT:g} s",
                       "stalled": "; the server stopped reading"}.get(how, "")
                raise fail(f"client {i + 1} did not get the answer the README says",
                           f"{shown(want, 200)}, then the end-of-file",
                           f"{shown(got, 200)}{why}")
        result = proc.wait(EXIT_WAIT)
        if result.timed_out or result.returncode != 0:
            raise fail(f"with --max-clients {len(plan)} the server should exit with 0 "
                       f"after these {len(plan)} clients",
                       "exit 0", result.ended(),
                       "Every client counts towards --max-clients, those that failed too; "
                       "after the last, close the listener, WSACleanup, return 0.")
    finally:
        for sock in socks.values():
            try:
                sock.close()
            except OSError:
                pass
        proc.stop()

