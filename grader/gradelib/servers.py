"""The grader as the clients of a student's server, once for every lab that has one:
the `server` fixture each lab's file makes with `fixture`, and the checks its tests
share: `failure` (a behaviour failed: the server is stopped to show how it ended),
`still_running` (it outlived a client), `connected` (a client gets in),
`sacrifice` and `accept_reported` (an accept that the layer fails), and
`only_the_listener` (its record shows no socket of a client that has gone)."""
import re
import time

import pytest

from . import budget, expect, memory, peers

# How long a server may take to announce itself.
ANNOUNCE_TIMEOUT = 10
# How long a server's record may lag behind a closesocket its client has already seen.
RECORD_LAG = 5.0


def fixture(program, *first, timeout=60.0, announce=ANNOUNCE_TIMEOUT, needs=()):
    """A `server` fixture for a lab's file: server(*ARGS, faults=None) starts PROGRAM
    with FIRST then ARGS, waits for its announcement, and returns the Process with
    .host, .port and .address ((host, port)) set from it. NEEDS names fixtures the
    server needs made first (lab 07's site). The program's own timeout is TIMEOUT s:
    a test's waits are shorter."""
    @pytest.fixture
    def server(start, request):
        for name in needs:
            request.getfixturevalue(name)

        def start_server(*args, faults=None):
            proc = start(program, *first, *args, timeout=timeout, faults=faults)
            proc.host, proc.port = peers.announced(proc, announce)
            proc.address = (proc.host, proc.port)
            return proc
        return start_server
    server.__doc__ = (f"server(*ARGS) starts {program} and waits for its announcement; "
                      "returns the Process, with .host and .port set from it.")
    return server


def ended(proc):
    """The server's Result, once a sanitizer's report it has begun is complete: it is
    stopped if it still runs."""
    memory.settle(proc)
    return proc.stop()


def failure(proc, what, expected, got, hint):
    """A failed behaviour of a running server: stops it to show how it ended and its
    stderr."""
    return expect.Failure(what, expected=expected, got=got, hint=hint, result=ended(proc))


def still_running(proc, after, hint, expected="still running, waiting for the next client"):
    """Checks that the server has not ended after AFTER (a client that went wrong)."""
    if proc.poll() is not None:
        result = ended(proc)
        raise expect.Failure(f"the server ended after {after}", expected=expected,
                             got=result.ended(), result=result, hint=hint)


def connected(proc, timeout, hint, host=None):
    """A connection of the grader's to the server (at HOST, default its announced
    address), or a failure that says the server let no one in."""
    try:
        return peers.connect(host or proc.host, proc.port, timeout)
    except OSError as e:
        raise failure(proc, "the grader could not connect to the server",
                      f"a connection to {proc.host}:{proc.port}", str(e), hint) from None


def sacrifice(proc, timeout):
    """The client the accept-reset fault sacrifices: the layer resets the first
    connection the server accepts and fails that accept (gradelib.calls)."""
    try:
        with peers.connect(proc.host, proc.port, timeout) as sacrificed:
            peers.recv_until_close(sacrificed, timeout)
    except (ConnectionResetError, ConnectionAbortedError):
        pass        # the reset came before connect had returned: as expected


def accept_reported(result, program, hint):
    """Checks that a server that has ended reported its failed accept on stderr."""
    if not re.search(rf"^{re.escape(program)}: accept: WSA\w+ \(\d+\): .+$", result.errors,
                     re.M):
        raise expect.Failure("the server did not report the failed accept",
                             expected=f"{program}: accept: WSANAME (CODE): TEXT on stderr",
                             got=result.errors.strip() or "(nothing on stderr)", hint=hint)


def only_the_listener(proc, hint, keep=0, timeout=RECORD_LAG):
    """Checks from the server's record that it closed no socket twice, and holds its
    listening socket and KEEP sockets of clients still connected, no more, waiting up
    to TIMEOUT s for the record to catch up with the closes the clients have seen."""
    deadline = time.monotonic() + timeout
    while True:
        record = proc.calls
        still = [s for s in record.open_now() if record.backlog(s.name) is None]
        if len(still) <= keep or time.monotonic() > deadline:
            break
        time.sleep(0.05)        # polling the record, bounded by the deadline
    twice = [c for c in record.named("closesocket") if c.error == "WSAENOTSOCK"]
    if twice:
        raise failure(proc, "the server closed a socket that was closed already",
                      "one closesocket for each socket",
                      f"line {twice[0].number} of its record: {twice[0].text}" +
                      (f" (and {len(twice) - 1} more)" if len(twice) > 1 else ""),
                      "Close each socket once, where the code that owns it is done with it: "
                      "a second closesocket of the same handle closes nothing, or, once "
                      "the system has given the number to a new socket, that new client's.")
    if len(still) > keep:
        gone = len(still) - keep
        raise failure(proc, f"the server holds {gone} socket(s) of clients it is done with",
                      "only the listening socket open once every client has gone" if not
                      keep else f"the listener and the {keep} client(s) still connected",
                      "\n".join(f"{s.name}, made by {s.made.where()}" for s in still[:5]) +
                      (f"\n... and {len(still) - 5} more" if len(still) > 5 else ""), hint)


def accepts(proc):
    """How many accept calls the server's record shows returned so far."""
    record = proc.calls
    return len(record.named("accept")) if record is not None and record.exists else 0


def wait_accepted(proc, count, timeout):
    """Waits up to TIMEOUT s for the server's record to show COUNT accept calls
    returned: a test that resets a client waits so, else the reset may come while
    the client is still in the backlog, and the server's accept fails for it (or, on
    Windows, never sees it) instead of its recv or send. True once it does."""
    deadline = time.monotonic() + budget.left(timeout)
    while accepts(proc) < count:
        if time.monotonic() > deadline or proc.poll() is not None:
            return False
        time.sleep(0.02)        # polling the record, bounded by the deadline
    return True
