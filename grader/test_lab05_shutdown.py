"""Shutdown and socket options

Lab 05's behaviours: the unit tests of transfer.c, then upload, summary_server and
sockopts run as programs against the grader's own TCP peers on loopback. Payloads,
sizes, timeouts and option values are random, so no answer can be written in advance.
"""
import hashlib
import re
import socket
import threading
import time

import pytest

from gradelib import expect, platform, progress, servers
from gradelib.peers import (FIRST_PIECE_PAUSE, IPV4, Listener, connect, exchange, payload,
                            recv_until_close, refusing_port, reset, summary_of)

UNITS = "lab05_units"
# How long the grader's peers wait for the student's programs.
PEER_WAIT = 20.0
# A client that has ended: its connection, if it made one, waits in the backlog.
ENDED_CLIENT_WAIT = 5.0

# The calls the README expects of each program, drawn beside a failed test's on the
# report page (gradelib.page.expected); a test whose path differs says its own.
# upload: connect_to (lab 02), the options asked for, stdin, the half-close, the reply.
START = ("WSAStartup: version 2.2", "getaddrinfo: HOST and PORT, SOCK_STREAM",
         "socket s1: of the first address's family", "connect s1: to that address")
TIMEOUT = "setsockopt s1: SO_RCVTIMEO, --timeout's MS as a DWORD"
SEND = "send s1: all of stdin, again until every byte went"
HALF_CLOSE = "shutdown s1: SD_SEND, the end-of-file; reading goes on"
REPLY = "recv s1: the reply as it arrives, until recv returns 0"
FINISH = ("closesocket s1", "WSACleanup")
pytestmark = pytest.mark.expected(
    "upload", *START, TIMEOUT, SEND, HALF_CLOSE, REPLY, *FINISH,
    "exit: 0, the reply on stdout byte for byte")
# upload --linger0: the abortive close, with nothing read.
LINGER0 = ("upload", *START, "setsockopt s1: SO_LINGER {1, 0}, the abortive close", SEND,
           "closesocket s1: at once, no shutdown: the server sees a reset",
           "WSACleanup", "exit: 0, nothing read, nothing on stdout")
# summary_server: open_listener (lab 03), then each client served in turn.
LISTEN = ("WSAStartup: version 2.2",
          "getaddrinfo: the --bind address and --port, AI_PASSIVE",
          "socket s1: of that address's family",
          "setsockopt s1: SO_EXCLUSIVEADDRUSE, before bind", "bind s1: that address",
          "listen s1", "announce s1: listening on ADDR:PORT, once listen succeeded")
ACCEPT = "accept s1: s2, the next client"
SUMMARY = ("recv s2: the upload, until recv returns 0 (the end-of-file)",
           "send s2: 'bytes=N fnv1a32=XXXXXXXX\\n', until all of it went",
           "shutdown s2: SD_SEND, the end of the answer",
           "closesocket s2: then accept the next client")
RESET = ("recv s2: a part of the upload",
         "recv s2 fails: WSAECONNRESET, the client reset mid-upload",
         "closesocket s2: the error line on stderr, no answer")
SERVER_EXIT = ("WSACleanup", "exit: 0")
USAGE = "exit: 1, the usage on stderr, before any socket call"


def option_steps(name, value):
    """sockopts' three calls for option NAME, set to VALUE (the README's words)."""
    return (f"getsockopt s1: {name}, the value before",
            f"setsockopt s1: {name} to {value}",
            f"getsockopt s1: {name} again; its line: before -> after")


SOCKOPTS = ("sockopts", "WSAStartup: version 2.2",
            "socket s1: one TCP socket, never bound",
            *option_steps("SO_RCVBUF", "--rcvbuf (default 32768)"),
            *option_steps("SO_SNDBUF", "--sndbuf (default 32768)"),
            *option_steps("SO_KEEPALIVE", "TRUE"),
            *option_steps("SO_REUSEADDR", "TRUE"),
            *option_steps("TCP_NODELAY", "TRUE, level IPPROTO_TCP"),
            *option_steps("SO_RCVTIMEO", "--timeout ms, a DWORD (2500)"),
            *option_steps("SO_LINGER", "{1, S}, S from --linger (5)"),
            "closesocket s1", "WSACleanup", "exit: 0, the seven lines on stdout")


def no_call_on_a_closed_socket(result, program, hint):
    """Checks from the record of a program (a Result, or a server still running) that
    no call was made on a socket that is not one (a socket closed already, or
    INVALID_SOCKET): WSAENOTSOCK."""
    record = result.calls
    if record is None or not record.exists:
        return
    wrong = next((c for c in record.calls if c.error == "WSAENOTSOCK"), None)
    if wrong is not None:
        raise expect.Failure(f"{program} called {wrong.name} on a socket it had "
                             "closed already, or on INVALID_SOCKET",
                             expected="each socket used until its one closesocket, then "
                                      "never again", got=wrong.where(),
                             result=ended(result) if hasattr(result, "stop") else result,
                             hint=hint)


# --- transfer.c, through its unit tests (tests/unit/lab05_test.c) ------------------

@pytest.mark.points(3)
def test_unit_hash(unit):
    """fnv1a32 hashes bytes with FNV-1a, in pieces or whole (unit tests)"""
    unit(UNITS, "Hash", "For each byte: hash ^= byte, then hash *= FNV1A32_PRIME, in "
         "uint32_t. Read the bytes through an unsigned char pointer: a signed char "
         "turns 0xff into -1.")


@pytest.mark.points(1)
def test_unit_summary_line(unit):
    """format_summary writes 'bytes=N fnv1a32=XXXXXXXX' (unit tests)"""
    unit(UNITS, "Summary", "snprintf with an unsigned 64-bit count and the hash as %08x "
         "(PRIu64 and PRIx32 from <inttypes.h> work everywhere); return -1 when "
         "snprintf's result does not fit the buffer.")


@pytest.mark.points(2)
def test_unit_options(unit):
    """set_receive_timeout, set_nodelay, set_abortive_close and read_int_option (unit tests)"""
    unit(UNITS, "Options", "SO_RCVTIMEO takes a DWORD of milliseconds; TCP_NODELAY "
         "(level IPPROTO_TCP) a BOOL; SO_LINGER a struct linger {1, 0}. Before "
         "getsockopt, set the int to 0: Windows writes only one byte of a BOOL option.")


@pytest.mark.points(2)
def test_unit_stream(unit):
    """send_all and summarise move and count every byte (unit tests)"""
    unit(UNITS, "Stream", "send may send less than asked: loop until all is sent. "
         "summarise: recv until it returns 0 (the end-of-file), counting and hashing "
         "each piece; return WSAGetLastError() if recv fails.")


# --- what this lab links from earlier labs: the student's own, with their unit tests --

@pytest.mark.points(1)
def test_reused_connect_to(unit):
    """connect_to, lab 02's function that upload links, passes lab 02's unit tests"""
    for case in ("Connect", "EachAddress"):
        unit("lab02_units", case, "upload connects with your connect_to from lab 02 "
             "(labs/02-tcp-client/connect.c): these are lab 02's unit tests of it. Fix "
             "it there (make grade LAB=02 says more); until then upload's tests "
             "below fail with it.")


@pytest.mark.points(1)
def test_reused_open_listener(unit):
    """open_listener, lab 03's function that summary_server links, passes lab 03's unit tests"""
    for case in ("Listener", "Restart"):
        unit("lab03_units", case, "summary_server listens with your open_listener from lab 03 "
             "(labs/03-tcp-server/listener.c): these are lab 03's unit tests of it. Fix "
             "it there (make grade LAB=03 says more); until then summary_server's tests "
             "below fail with it.")


# --- upload -----------------------------------------------------------------------

def served(server, what):
    """What the grader server's handler returned, once upload has ended, or a failure
    saying why not."""
    try:
        # A connection upload made is in the backlog already: a few seconds to accept it.
        if not server.came(ENDED_CLIENT_WAIT):
            raise TimeoutError
        return server.result(timeout=PEER_WAIT)
    except TimeoutError:
        raise expect.Failure(f"{what}: upload never connected", expected="a connection",
                             got="none", hint="Connect to HOST PORT as lab 02 did.")


def reply_after_eof(reply):
    """A grader server that reads to the end-of-file, then answers REPLY (bytes, or
    a function of what came) and closes. Returns (received, how it ended)."""
    def handler(conn):
        data, how = recv_until_close(conn, PEER_WAIT)
        if how == "eof":
            conn.sendall(reply(data) if callable(reply) else reply)
        return data, how
    return handler


def check_upload(result, server, data, reply, hint):
    """Checks an upload run against reply_after_eof: all of stdin came, the grader saw
    an end-of-file, and the reply was printed byte for byte."""
    if result.returncode == 3 and not result.crash:
        raise expect.Failure("upload timed out waiting for the reply", expected="exit 0",
                             got=result.ended(), result=result,
                             hint="This server answers only after your end-of-file: "
                                  "after sending stdin, call shutdown(s, SD_SEND), then "
                                  "recv until it returns 0.")
    expect.exits(result, 0, hint=hint)
    got, how = served(server, "reply after end-of-file")
    if got != data:
        raise expect.Failure("the server received other bytes than upload's stdin",
                             expected=f"the {len(data)} bytes of stdin",
                             got=f"{len(got)} bytes" + (", other bytes"
                                                        if len(got) == len(data) else ""),
                             hint="Read stdin in binary mode (_setmode) with fread, and "
                                  "send every byte fread returns (send_all).")
    if how != "eof":
        raise expect.Failure("the server did not see an orderly end-of-file",
                             expected="eof", got=how,
                             hint="shutdown(s, SD_SEND) ends your side in order; "
                                  "closesocket would also end your reading side.")
    if result.stdout != reply:
        raise expect.Failure("upload printed other bytes than the server's reply",
                             expected=f"the {len(reply)} bytes of the reply",
                             got=f"{len(result.stdout)} bytes: {result.stdout[:60]!r}",
                             hint="After shutdown, recv until it returns 0 and fwrite "
                                  "each piece as it came (stdout in binary mode).",
                             result=result)


def upload(run, port, *args, data=b"", timeout=20.0):
    return run("upload", IPV4, port, *args, stdin=data, timeout=timeout)


def turned_on(record, name):
    """upload's setsockopt calls that turned option NAME (TCP_NODELAY, SO_LINGER) on."""
    def on(call):
        if name == "SO_LINGER":
            m = re.search(r"l_onoff (-?\d+)", call.args[3])
            return m is not None and int(m.group(1)) != 0
        return not call.args[3].lstrip("-").isdigit() or int(call.args[3]) != 0
    return [c for c in record.named("setsockopt")
            if not c.failed and len(c.args) >= 4 and c.args[2] == name and on(c)]


def only_options_asked(result):
    """Checks from the record of an upload run without --nodelay, --linger0 or --linger
    that it turned neither TCP_NODELAY nor SO_LINGER on (the README: the options asked
    for, and nothing else changes)."""
    record = result.calls
    if record is None or not record.exists:
        return
    for name, option in (("TCP_NODELAY", "--nodelay"), ("SO_LINGER", "--linger0 or --linger")):
        wrong = turned_on(record, name)
        if wrong:
            raise expect.Failure(f"upload turned {name} on without {option}",
                                 expected=f"no setsockopt of {name} without {option}",
                                 got=wrong[0].where(), result=result,
                                 hint="Set each option only when it was asked for: "
                                      "if (opts->nodelay), if (opts->linger0), "
                                      "if (opts->linger > 0); an && between 'no error so "
                                      "far' and the option, not an ||.")


@pytest.mark.points(3)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_upload_replies_after_eof(run, rng):
    """a server that replies only after end-of-file: upload half-closes and prints it"""
    data = payload(rng.randint(50_000, 300_000), rng)
    reply = payload(rng.randint(100, 5000), rng)
    with Listener(reply_after_eof(reply), timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--timeout", 3000, data=data)
        check_upload(result, server, data, reply,
                     "Send stdin, shutdown(SD_SEND), print the reply until recv returns 0, "
                     "exit 0.")
    only_options_asked(result)
    expect.asked_for_winsock(result)


@pytest.mark.points(3)
def test_upload_large(run, rng):
    """many MiB uploaded whole"""
    data = payload(rng.randint(5 << 20, 8 << 20), rng)
    digest = lambda got: hashlib.sha256(got).hexdigest().encode() + b"\n"  # noqa: E731
    with Listener(reply_after_eof(digest), timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--timeout", 10000, data=data, timeout=30)
        check_upload(result, server, data, digest(data),
                     "Loop: fread a block, send all of it, until fread returns 0.")


def half_closed(record):
    """Whether the record shows a socket shut down for sending before its first recv."""
    for sock in record.sockets.values():
        for call in sock.calls:
            if call.name == "recv":
                break
            if call.name == "shutdown" and not call.failed and \
                    call.args[1:2] in (["SD_SEND"], ["SD_BOTH"]):
                return True
    return False


@pytest.mark.expected("upload", *START, TIMEOUT, SEND, HALF_CLOSE,
                      "recv s1 fails: WSAETIMEDOUT, no reply within MS ms", *FINISH,
                      "exit: 3, the recv error line on stderr")
@pytest.mark.points(2)
def test_upload_silent_server(run, rng):
    """a silent server against --timeout: exit 3 promptly with WSAETIMEDOUT"""
    timeout_ms = rng.randrange(1100, 2000, 100)
    done = threading.Event()
    eof_at = []

    def silent(conn):
        data, how = recv_until_close(conn, PEER_WAIT)
        eof_at.append(time.monotonic())
        done.wait(PEER_WAIT)        # no answer, and no close, until upload has ended
        return data, how
    with Listener(silent, timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--timeout", timeout_ms,
                        data=payload(rng.randint(10, 1000), rng), timeout=timeout_ms / 1000 + 8)
        ended = time.monotonic()
        done.set()
    expect.exits(result, 3, hint="Set SO_RCVTIMEO to --timeout's milliseconds (a DWORD); "
                                 "when recv fails with WSAETIMEDOUT, report it and exit 3.")
    expect.error_line(result, "recv", "WSAETIMEDOUT", 10060,
                      hint="kit_error(PROG, \"recv\", WSAGetLastError()) before exiting 3.")
    seconds = timeout_ms / 1000
    # From the end-of-file (upload then waits for the reply) to the exit.
    waited = ended - eof_at[0] if eof_at else result.duration
    record = result.calls
    if not 0.9 * seconds <= waited <= seconds + 1.5 and record.exists and \
            not half_closed(record):
        # The end-of-file came only as upload ended: it waited without one.
        raise expect.Failure(f"with --timeout {timeout_ms} upload waited for the reply "
                             "without half-closing: the server saw its end-of-file only "
                             "when upload ended", expected="shutdown(s, SD_SEND), then "
                             "recv until --timeout runs out", got=record.sequence(),
                             hint="After sending stdin, call shutdown(s, SD_SEND): a server "
                                  "that answers after your end-of-file waits for it.")
    if not 0.9 * seconds <= waited <= seconds + 1.5:
        raise expect.Failure(f"with --timeout {timeout_ms} upload gave up {waited:.2f} s "
                             "after its end-of-file", expected=f"about {seconds:.1f} s",
                             got=f"{waited:.2f} s",
                             hint="SO_RCVTIMEO is a DWORD of milliseconds on Windows: a "
                                  "struct timeval's seconds would be read as ms.")


@pytest.mark.expected("upload", *START, TIMEOUT,
                      "setsockopt s1: TCP_NODELAY on, a BOOL at level IPPROTO_TCP",
                      "send s1: the one byte of stdin", HALF_CLOSE,
                      "recv s1: the one-byte reply, until recv returns 0", *FINISH,
                      "exit: 0, the reply on stdout, as without --nodelay")
@pytest.mark.points(1)
def test_upload_nodelay(run, rng):
    """upload --nodelay uploads a single byte and prints a one-byte reply, as without it"""
    # One byte each way: the smallest write, which Nagle's algorithm would hold back,
    # and the smallest piece fread and recv return.
    data, reply = bytes([rng.randrange(256)]), bytes([rng.randrange(256)])
    with Listener(reply_after_eof(reply), timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--nodelay", "--timeout", 5000, data=data)
        check_upload(result, server, data, reply,
                     "--nodelay sets TCP_NODELAY (level IPPROTO_TCP) and changes nothing "
                     "else.")
    # Nagle's algorithm shows on the wire only as timing: the record shows the option.
    record = result.calls
    connected = [sock for sock in record.sockets.values()
                 if any(c.name == "connect" and not c.failed for c in sock.calls)]
    nodelay = [c for sock in connected for c in sock.calls if c.name == "setsockopt" and
               not c.failed and c.args[1:3] == ["IPPROTO_TCP", "TCP_NODELAY"]]
    if not any(c.args[3].lstrip("-").isdigit() and int(c.args[3]) != 0 for c in nodelay):
        raise expect.Failure("upload --nodelay did not turn TCP_NODELAY on for its "
                             "connection", expected="setsockopt(IPPROTO_TCP, TCP_NODELAY, "
                                                    "TRUE) on the connected socket",
                             got="\n".join(c.where() for c in nodelay) or
                                 "no setsockopt of TCP_NODELAY on it:\n" + record.sequence(),
                             hint="With --nodelay, set_nodelay(s) on the socket that "
                                  "connected: a BOOL TRUE at level IPPROTO_TCP.")


def linger0_upload(run, data):
    """Runs upload --linger0 against a server that reads but never answers nor closes
    while upload runs. Returns (result, received, how it ended)."""
    done = threading.Event()

    def reader(conn):
        got, how = recv_until_close(conn, PEER_WAIT)
        done.wait(PEER_WAIT)
        return got, how
    with Listener(reader, timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--linger0", data=data, timeout=8)
        done.set()
        got, how = served(server, "upload --linger0")
    return result, got, how


@pytest.mark.expected(*LINGER0)
@pytest.mark.points(2)
def test_upload_linger0_closes_at_once(run, rng):
    """upload --linger0 sends stdin, then closes at once, without reading"""
    data = payload(rng.randint(100, 2000), rng)
    result, got, how = linger0_upload(run, data)
    expect.exits(result, 0, hint="With --linger0, closesocket right after sending: no "
                                 "shutdown and no reading, as this server never answers.")
    if result.stdout:
        raise expect.Failure("upload --linger0 printed something", expected="nothing",
                             got=repr(result.stdout[:60]), hint="Nothing is read, so "
                             "nothing is printed.")
    if not data.startswith(got):
        raise expect.Failure("the server received other bytes than stdin",
                             expected=f"(a part of) the {len(data)} bytes of stdin",
                             got=f"{len(got)} other bytes", hint="Send stdin as it is.")


@pytest.mark.expected(*LINGER0)
@pytest.mark.points(1)
def test_upload_linger0_resets(run, rng):
    """after upload --linger0, the server sees a reset, not an end-of-file"""
    result, got, how = linger0_upload(run, payload(rng.randint(100, 2000), rng))
    expect.exits(result, 0, hint="With --linger0, closesocket right after sending.")
    if how != "reset":
        raise expect.Failure("the server did not see a reset", expected="reset", got=how,
                             hint="setsockopt(SO_LINGER) with l_onoff = 1 and l_linger = 0 "
                                  "before closesocket makes the close abortive; do not "
                                  "call shutdown first.")


@pytest.mark.expected("upload", *START, TIMEOUT,
                      "setsockopt s1: SO_LINGER {1, S}, --linger's seconds", SEND,
                      HALF_CLOSE, REPLY, "closesocket s1: still in order, with a FIN",
                      "WSACleanup", "exit: 0, the reply on stdout byte for byte")
@pytest.mark.challenge
@pytest.mark.points(2)
def test_upload_linger_seconds(run, rng):
    """upload --linger S sets SO_LINGER {1, S} and still ends in order"""
    seconds = rng.randint(1, 600)
    data = payload(rng.randint(1000, 20_000), rng)
    reply = payload(rng.randint(10, 500), rng)
    hint = (f"--linger {seconds}: setsockopt(SO_LINGER) with l_onoff = 1 and l_linger = "
            f"{seconds} before sending, then the usual shutdown(SD_SEND), reply and "
            "closesocket: a lingering close is still an orderly one.")
    with Listener(reply_after_eof(reply), timeout=PEER_WAIT) as server:
        result = upload(run, server.port, "--linger", seconds, "--timeout", 5000, data=data)
        check_upload(result, server, data, reply, hint)
    record = result.calls
    closed = [sock for sock in record.sockets.values() if sock.shut and sock.closed]
    linger = [sock.options.get("SO_LINGER") for sock in closed]
    wanted = f"{{l_onoff 1, l_linger {seconds}}}"
    if wanted not in linger:
        raise expect.Failure("the connected socket was not given the linger asked for",
                             expected=f"setsockopt(SOL_SOCKET, SO_LINGER, {wanted}) on the "
                                      "socket shut down and closed",
                             got=", ".join(str(v) for v in linger) or record.sequence(),
                             hint=hint)


@pytest.mark.expected("upload", *START[:3],
                      "connect s1 fails: WSAECONNREFUSED, nothing listens there",
                      "closesocket s1: and the next address, if there is one", "WSACleanup",
                      "exit: 2, the connect error line on stderr")
@pytest.mark.points(1)
def test_upload_refused(run):
    """upload to a port where nothing listens fails with WSAECONNREFUSED and exit 2"""
    sock, port = refusing_port()
    with sock:
        result = upload(run, port, data=b"x")
    expect.exits(result, 2, hint="When no address accepts the connection, report the "
                                 "last error with kit_error and exit 2.")
    expect.error_line(result, "connect", "WSAECONNREFUSED", 10061)


@pytest.mark.expected("upload", *START[:2], "socket s1: for the first address",
                      "connect s1 fails: WSAECONNREFUSED", "closesocket s1",
                      "socket s2: for the next address", "connect s2",
                      "setsockopt s2: SO_RCVTIMEO, --timeout's MS as a DWORD",
                      "send s2: all of stdin, again until every byte went",
                      "shutdown s2: SD_SEND, the end-of-file; reading goes on",
                      "recv s2: the reply as it arrives, until recv returns 0",
                      "closesocket s2", "WSACleanup", "exit: 0, the reply on stdout")
@pytest.mark.points(2)
def test_upload_first_address_refuses(run, rng):
    """a name whose first address refuses: upload closes that socket and connects to the next"""
    data = payload(rng.randint(1000, 20_000), rng)
    reply = payload(rng.randint(10, 500), rng)
    sock, port = refusing_port()
    with sock, Listener(reply_after_eof(reply), timeout=PEER_WAIT) as server:
        result = run("upload", IPV4, server.port, "--timeout", 5000, stdin=data,
                     timeout=20.0 + platform.REFUSED_CONNECT_SECONDS,
                     faults=("first-refuses",), refuser=f"{IPV4}:{port}")
        check_upload(result, server, data, reply,
                     "getaddrinfo gave two addresses and the first refused. upload "
                     "connects with your connect_to from lab 02 (labs/02-tcp-client/"
                     "connect.c): when connect fails, it must closesocket that socket and "
                     "try the next address (ai_next).")


@pytest.mark.expected("upload", USAGE)
@pytest.mark.points(1)
def test_upload_usage(run, rng):
    """upload with bad arguments prints usage and exits 1"""
    cases = [[], ["127.0.0.1"], ["127.0.0.1", "65536"], ["127.0.0.1", "9", "--timeout"],
             ["127.0.0.1", "9", "--bogus"]]
    # An empty HOST, a third argument, and each option's limits (the README): one step
    # outside each is refused.
    always = [["", "9"], ["127.0.0.1", "9", "extra"]]
    limits = [["--timeout", "0"], ["--timeout", "3600001"], ["--linger", "0"],
              ["--linger", "601"], ["--linger0", "--linger", "1"]]
    for args in rng.sample(cases, 2) + always + [["127.0.0.1", "9", *o] for o in limits]:
        result = run("upload", *args)
        expect.exits(result, 1, hint="Check HOST PORT and the options before anything "
                                     "else: print usage and exit 1.")
        expect.usage(result)


@pytest.mark.expected("upload", *START, TIMEOUT,
                      "setsockopt s1: SO_LINGER {1, S}, if --linger is done",
                      "shutdown s1: SD_SEND, at once: stdin is empty",
                      "recv s1: 0, the server closes without a reply", *FINISH,
                      "exit: 0, nothing on stdout (3 if the 1 ms ran out)")
@pytest.mark.points(1)
def test_upload_option_limits(run):
    """upload takes each option's smallest and largest value, and sets it"""
    # Empty uploads to a server that answers nothing: with --timeout 1 the end-of-file
    # may come after the millisecond, so a timeout (exit 3) is an answer too.
    ran = []
    for timeout, linger in ((1, 600), (3600000, 1)):
        with Listener(reply_after_eof(b""), timeout=PEER_WAIT) as server:
            result = upload(run, server.port, "--timeout", timeout, "--linger", linger)
        if result.returncode == 1 and not result.crash:
            raise expect.Failure(f"upload refused --timeout {timeout} --linger {linger}",
                                 expected="both accepted: --timeout 1 to 3600000, --linger "
                                          "1 to 600", got=result.ended(), result=result,
                                 hint="The limits are the README's, both included: parse "
                                      "the options as the starter gives it.")
        if result.returncode not in (0, 3) or result.crash:
            expect.exits(result, 0, hint="An empty upload to a server that answers "
                                         "nothing: exit 0 (or 3 when the end-of-file "
                                         "comes after --timeout).")
        record = result.calls
        if record is not None and record.exists:
            timeouts = [c.args[3] for c in record.named("setsockopt") if not c.failed and
                        len(c.args) >= 4 and c.args[2] == "SO_RCVTIMEO"]
            if str(timeout) not in timeouts:
                raise expect.Failure(f"upload --timeout {timeout} did not set SO_RCVTIMEO "
                                     f"to {timeout}", expected=f"setsockopt(SOL_SOCKET, "
                                     f"SO_RCVTIMEO, {timeout})",
                                     got=", ".join(timeouts) or record.sequence(),
                                     result=result,
                                     hint="Set SO_RCVTIMEO whenever --timeout is given, "
                                          "its smallest value (1) too.")
            ran.append((linger, turned_on(record, "SO_LINGER")))
    # --linger is the challenge: a program may set it for every value, or for none.
    if len(ran) == 2 and bool(ran[0][1]) != bool(ran[1][1]):
        unset = next(linger for linger, calls in ran if not calls)
        raise expect.Failure(f"upload set SO_LINGER for one --linger value, not for "
                             f"--linger {unset}", expected=f"SO_LINGER {{1, {unset}}}",
                             got="no setsockopt of SO_LINGER", result=result,
                             hint="Set SO_LINGER whenever --linger is given "
                                  "(opts->linger > 0), its smallest value (1) too.")


@pytest.mark.expected("upload", *START, "send s1: a part of stdin",
                      "send s1 fails: WSAECONNRESET, the server reset", *FINISH,
                      "exit: 2, the send error line on stderr")
@pytest.mark.points(1)
def test_upload_server_resets(run, rng):
    """a server that resets while upload sends: the send's error line, and exit 2"""
    def resetter(conn):
        # A byte first: upload's connect has then completed (under Wine a reset that
        # comes sooner fails the connect), and the reset fails a send.
        conn.settimeout(PEER_WAIT)
        conn.recv(1)
        reset(conn)
        return True
    # More than the connection's buffers hold: some send comes after the reset.
    data = payload(8 << 20, rng)
    with Listener(resetter, timeout=PEER_WAIT) as server:
        result = upload(run, server.port, data=data, timeout=30)
        served(server, "a server that resets")
    expect.exits(result, 2, hint="When send fails (here the server reset the "
                                 "connection), report it with kit_error(PROG, \"send\", "
                                 "code) and exit 2.")
    lines = expect.error_lines(result)
    if len(lines) != 1 or not re.match(r"upload: send: WSA\w+ \(\d+\): .+$", lines[0]):
        raise expect.Failure("upload did not report the send that failed, once" if lines
                             else "upload did not report the send that failed",
                             expected="one error line: upload: send: WSAECONNRESET "
                                      "(10054): ...",
                             got="\n".join(lines[:3]) + (f"\n... {len(lines)} lines in all"
                                                         if len(lines) > 3 else "")
                                 or result.errors.strip() or "(nothing on stderr)",
                             result=result,
                             hint="send_all returns send's error code: report it, "
                                  "kit_error(PROG, \"send\", rc), and exit 2 at once; "
                                  "nothing more can be sent once the connection is reset.")


# --- summary_server ---------------------------------------------------------------

server = servers.fixture("summary_server", timeout=30)


def ended(server):
    """How the server ended, once a report it began is complete (it is stopped if it
    still runs): what a failure shows."""
    return servers.ended(server)


def summarised(server, data, what, timeout=PEER_WAIT, limit=None, first=0):
    """Uploads DATA to the server as a client that half-closes and waits, and checks
    the summary and the orderly end that must follow. With LIMIT, the server may take
    up to LIMIT s in all as long as bytes keep moving (gradelib.progress). With FIRST,
    the first FIRST bytes go alone, the rest FIRST_PIECE_PAUSE s later."""
    expected = summary_of(data)
    moving = progress.Progress(len(data) + len(expected), limit) if limit else None
    try:
        with connect(server.host, server.port, timeout) as sock:
            if moving:
                # Little in flight: the server's reading shows as our sending.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32768)
            if first:
                sock.sendall(data[:first])
                time.sleep(FIRST_PIECE_PAUSE)           # the peer's pace
                if moving:
                    moving.add(first)
            got, how = exchange(sock, data[first:], timeout, progress=moving)
    except OSError as e:
        got, how = b"", f"an error: {e}"
    if how in ("stopped", "slow"):
        raise expect.Failure(f"{what}: the server stopped reading" if how == "stopped"
                             else f"{what}: the server reads too slowly for this test",
                             expected=f"{len(data)} bytes read and summarised within "
                                      f"{limit:g} s",
                             got=moving.told("bytes uploaded and answered"),
                             result=ended(server),
                             hint=progress.hint(moving, stopped="The server stopped "
                                                "reading before the upload ended: read "
                                                "until recv returns 0."))
    if got != expected or how != "eof":
        hints = {
            "stalled": "The server stopped reading before the upload ended: read until "
                       "recv returns 0.",
            "timeout": "No answer came after the end-of-file: when recv returns 0, send "
                       "the summary, shutdown(SD_SEND), closesocket.",
            "reset": "The connection was reset, not ended in order: shutdown(c, SD_SEND) "
                     "after sending the summary, then closesocket.",
        }
        raise expect.Failure(f"{what}: the summary is not right",
                             expected=expected.decode() + "then an end-of-file",
                             got=f"{got[:80]!r}, then {how}", result=ended(server),
                             hint=hints.get(how, "Count every byte recv returns and hash "
                                                 "them all with FNV-1a, then answer once."))


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *SUMMARY)
@pytest.mark.points(3)
@pytest.mark.faults("short-send", "short-recv")
def test_summary_one_client(server, rng):
    """a client that half-closes and waits gets 'bytes=N fnv1a32=XXXXXXXX'"""
    summarised(server(), payload(rng.randint(10_000, 200_000), rng), "one client")


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT,
                      "recv s2: 0 at once, the end-of-file of an empty upload",
                      "send s2: 'bytes=0 fnv1a32=811c9dc5\\n', until all went",
                      *SUMMARY[2:])
@pytest.mark.points(1)
def test_summary_empty(server):
    """an empty upload: bytes=0 fnv1a32=811c9dc5"""
    summarised(server(), b"", "an empty upload")


# The large upload's size (smaller under Wine: platform.STREAM_SCALE), and the time
# it may take while bytes keep moving.
LARGE_UPLOAD = platform.stream_bytes(4 << 20)
LARGE_LIMIT = 60


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT,
                      "recv s2: MiB of upload, until recv returns 0", *SUMMARY[1:])
@pytest.mark.points(3)
def test_summary_large(server, rng):
    """a large upload (MiB natively) summarised correctly"""
    summarised(server(), payload(rng.randint(LARGE_UPLOAD, 2 * LARGE_UPLOAD), rng),
               "a large upload", limit=LARGE_LIMIT, first=rng.randint(1, 1460))


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *SUMMARY,
                      "accept s1: s3 and on, each next client served the same way",
                      "closesocket s1: after the Nth client (--max-clients N)",
                      *SERVER_EXIT)
@pytest.mark.points(2)
@pytest.mark.memcheck
@pytest.mark.faults("short-send", "short-recv")
def test_summary_several_clients(server, rng):
    """--max-clients N: N clients one after the other, then exit 0"""
    count = rng.randint(2, 4)
    proc = server("--max-clients", count)
    for n in range(count):
        summarised(proc, payload(rng.randint(0, 50_000), rng), f"client {n + 1} of {count}")
    result = proc.wait(10)
    expect.exits(result, 0, hint=f"After {count} clients, close the listening socket, "
                                 "WSACleanup and return 0.")


def reset_mid_upload(server, rng, what="a client"):
    """A client that sends a part of an upload, then resets its connection, once the
    server has accepted it: its recv (or send) fails, not its accept."""
    accepted = servers.accepts(server)
    try:
        with connect(server.host, server.port) as sock:
            sock.sendall(payload(rng.randint(1000, 50_000), rng))
            servers.wait_accepted(server, accepted + 1, PEER_WAIT)
            reset(sock)
    except OSError as e:
        raise expect.Failure(f"{what} could not connect and send", expected="a connection",
                             got=str(e), result=ended(server),
                             hint="Accept clients until --max-clients is reached.") from None


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *RESET,
                      "accept s1: s3, the next client",
                      "recv s3: the upload, until recv returns 0 (the end-of-file)",
                      "send s3: 'bytes=N fnv1a32=XXXXXXXX\\n', until all of it went",
                      "shutdown s3: SD_SEND, the end of the answer", "closesocket s3")
@pytest.mark.points(2)
def test_summary_reset_then_normal(server, rng):
    """a client that resets mid-upload, then a normal client"""
    proc = server()
    reset_mid_upload(proc, rng, "the first client")
    summarised(proc, payload(rng.randint(1000, 50_000), rng), "the client after a reset")


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *SUMMARY[:3],
                      "closesocket s2: no error line, it was served in order",
                      "closesocket s1: after the one client (--max-clients 1)",
                      "WSACleanup", "exit: 0, only the 'listening on' line on stdout")
@pytest.mark.points(1)
def test_summary_stdout_one_line(server, rng):
    """on stdout summary_server prints its 'listening on' line and nothing else"""
    proc = server("--max-clients", 1)
    summarised(proc, payload(rng.randint(0, 20_000), rng), "one client")
    result = proc.wait(10)
    expect.exits(result, 0, hint="After --max-clients clients, close the listening "
                                 "socket, WSACleanup and return 0.")
    shown = f"[{proc.host}]" if ":" in proc.host else proc.host
    expect.has_lines(result, [f"listening on {shown}:{proc.port}"], exact=True,
                     hint="stdout carries exactly one line, the announcement: the summary "
                          "goes to the client, anything else (an error) to stderr.")
    # A client served in order is no failure: nothing to report for it.
    errors = expect.error_lines(result)
    if errors:
        raise expect.Failure("summary_server reported an error for a client served in order",
                             expected="no error line on stderr", got="\n".join(errors),
                             result=result,
                             hint="Report a call only when it failed: send_all returns 0 "
                                  "when all is sent, shutdown SOCKET_ERROR when it fails.")
    expect.asked_for_winsock(result)


FAILED_CLIENT = r"summary_server: (\S+): (WSA\w+) \((\d+)\): .+"


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *RESET[:2],
                      "closesocket s2: its error line on stderr, then the next")
@pytest.mark.points(1)
def test_summary_reports_failed_client(server, rng):
    """a client that resets mid-upload is reported on stderr, from the recv it failed"""
    proc = server()
    reset_mid_upload(proc, rng)
    line = proc.wait_line(FAILED_CLIENT, 10, stderr=True)
    if line is None:
        # A line whose code is no WSA error (WSA_UNKNOWN (-1)) is a line all the same.
        other = re.findall(r"^summary_server: \S+: \S+ \(-?\d+\): .*$",
                           proc.err.data.decode("utf-8", "replace"), re.M)
        raise expect.Failure("the failed client was not reported on stderr" +
                             (": the error line's code is no WSA error code" if other
                              else ""),
                             expected="summary_server: recv: WSAECONNRESET (10054): ...",
                             got=other[-1] if other else "no error line on stderr",
                             result=ended(proc),
                             hint="When a client's recv or send fails, report it with "
                                  "kit_error(PROG, call, code), then serve the next client.")
    # Where a reset reads as an end-of-file (Wine), only the answer's send can fail. An
    # accept that failed for the client is its failure too (the README): the reset
    # waits for the accept, but an accept may fail for a client that has connected.
    calls = platform.RESET_REPORTED_BY
    if not (line.group(1) == "accept" or line.group(1) in calls and
            line.group(2, 3) == ("WSAECONNRESET", "10054")):
        raise expect.Failure("the reset was not reported as the failure of the client's "
                             "recv", expected=" or ".join(
                                 f"summary_server: {call}: WSAECONNRESET (10054): ..."
                                 for call in calls),
                             got=line.group(0), result=ended(proc),
                             hint="summarise returns recv's error when the client resets: "
                                  "then report it, kit_error(PROG, \"recv\", rc), and close "
                                  "the client's socket without answering; there is no one "
                                  "left to answer.")
    summarised(proc, payload(rng.randint(1000, 50_000), rng), "the client after a reset")
    no_call_on_a_closed_socket(proc, "summary_server", "Once the failed client is reported "
                               "and its socket closed, return from serving it: no summary "
                               "to send, and no second closesocket.")


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *RESET,
                      "accept s1: s3, the second client",
                      "recv s3: the upload, until recv returns 0 (the end-of-file)",
                      "send s3: 'bytes=N fnv1a32=XXXXXXXX\\n', until all of it went",
                      "shutdown s3: SD_SEND, the end of the answer", "closesocket s3",
                      "closesocket s1: after 2 clients, the one that reset counted",
                      *SERVER_EXIT)
@pytest.mark.points(1)
def test_summary_counts_failed_client(server, rng):
    """--max-clients counts a client that reset as served"""
    proc = server("--max-clients", 2)
    reset_mid_upload(proc, rng)
    summarised(proc, payload(rng.randint(1000, 50_000), rng), "the client after a reset")
    result = proc.ended_within(10)
    if result is None:
        raise expect.Failure("the server did not exit after 2 clients, the first of which "
                             "reset", expected="exit 0 after the second client "
                             "(--max-clients 2)", got="still running 10 s later",
                             result=ended(proc),
                             hint="A client that failed counts towards --max-clients too: "
                                  "count every client accepted, however it ended.")
    expect.exits(result, 0, hint="After the last client, close the listening socket, "
                                 "WSACleanup and return 0.")


@pytest.mark.expected("summary_server", *LISTEN,
                      "accept s1 fails: WSAECONNRESET, a client reset in the backlog",
                      "accept s1: s2, the next client (the error reported, counted)",
                      *SUMMARY[:3], "closesocket s2",
                      "closesocket s1: after 2 clients, the failed accept counted",
                      *SERVER_EXIT)
@pytest.mark.points(1)
@pytest.mark.faults("accept-reset")
def test_summary_accept_reset(server, rng):
    """an accept that fails for a client that reset in the backlog: reported, counted, and the server goes on"""
    proc = server("--max-clients", 2)
    servers.sacrifice(proc, PEER_WAIT)
    servers.still_running(proc, "an accept that failed", "A failed accept is that "
                          "client's failure, not the server's: report it with kit_error "
                          "and accept the next.")
    summarised(proc, payload(rng.randint(1000, 50_000), rng), "the client after a failed "
               "accept")
    result = proc.ended_within(10)
    if result is None:
        raise expect.Failure("the server did not exit after 2 clients, the first of which "
                             "failed in accept", expected="exit 0 after the second client "
                             "(--max-clients 2)", got="still running 10 s later",
                             result=ended(proc),
                             hint="A failed accept counts towards --max-clients too: count "
                                  "every accept, however it ended.")
    expect.exits(result, 0, hint="After the last client, close the listening socket, "
                                 "WSACleanup and return 0.")
    servers.accept_reported(result, "summary_server", "When accept fails, kit_error(PROG, "
                            "\"accept\", WSAGetLastError()), then accept the next client.")
    no_call_on_a_closed_socket(result, "summary_server", "When accept fails there is no "
                               "client socket: report it and continue to the next accept, "
                               "without serving INVALID_SOCKET.")


# Clients that reset one after another.
RESETS = 20


@pytest.mark.expected("summary_server", *LISTEN, ACCEPT, *RESET,
                      "accept s1: s3 to s21, 19 more that reset, each closed so",
                      "accept s1: s22, a client that half-closes and waits",
                      "recv s22: the upload, until recv returns 0",
                      "send s22: 'bytes=N fnv1a32=XXXXXXXX\\n', until all went",
                      "shutdown s22: SD_SEND, the end of the answer",
                      "closesocket s22: only the listener s1 is left open")
@pytest.mark.points(2)
def test_summary_resets_closed(server, rng):
    """clients that reset mid-upload leave the server holding only its listener"""
    proc = server()
    for i in range(RESETS):
        try:
            with connect(proc.host, proc.port) as sock:
                sock.sendall(payload(rng.randint(1000, 20_000), rng))
                reset(sock)
        except OSError as e:
            raise expect.Failure(f"client {i + 1} of {RESETS} could not connect and send",
                                 expected="each client connects, sends, and resets",
                                 got=str(e), result=ended(proc),
                                 hint="A client that resets ends only its own connection: "
                                      "report it and accept the next.") from None
    summarised(proc, payload(rng.randint(1000, 20_000), rng),
               f"the client after {RESETS} resets")
    servers.only_the_listener(proc, "closesocket the client's socket after every client, "
                              "the failed ones too (a recv or send that failed): a server "
                              "that leaks one per reset client runs out of sockets.")


@pytest.mark.expected("summary_server", *LISTEN[:4],
                      "bind s1 fails: WSAEADDRINUSE, another socket holds the port",
                      "closesocket s1", "WSACleanup", "exit: 2, the bind error line on stderr")
@pytest.mark.points(1)
def test_summary_port_in_use(run):
    """a port in use: exit 2 and the WSAEADDRINUSE error line from bind"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind((IPV4, 0))
        taken.listen(1)
        result = run("summary_server", "--port", taken.getsockname()[1], timeout=10)
    expect.exits(result, 2, hint="When bind fails, closesocket that socket, report the "
                                 "error with kit_error, WSACleanup and exit 2.")
    expect.error_line(result, "bind", "WSAEADDRINUSE", 10048)


def free_tcp_port(host):
    """A loopback TCP port that was free a moment ago: bound, never listened on, and
    let go for the server to bind."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@pytest.mark.expected("summary_server", LISTEN[0],
                      "getaddrinfo: --bind ::1 and --port N, AI_PASSIVE",
                      "socket s1: AF_INET6, the family getaddrinfo gave", LISTEN[3],
                      "bind s1: [::1]:N", "listen s1", "announce s1: listening on [::1]:N",
                      ACCEPT, *SUMMARY)
@pytest.mark.points(1)
def test_summary_port_and_bind(server, rng):
    """summary_server --bind ::1 --port N listens there and summarises over IPv6"""
    port = free_tcp_port("::1")
    proc = server("--bind", "::1", "--port", port)
    if proc.address != ("::1", port):
        raise expect.Failure("summary_server did not listen where it was told",
                             expected=f"listening on [::1]:{port}",
                             got=f"listening on {proc.host}:{proc.port}",
                             result=ended(proc),
                             hint="Pass --bind (args.bind) and --port (args.port) to "
                                  "open_listener (lab 03's), which makes the socket with "
                                  "the family getaddrinfo returns.")
    summarised(proc, payload(rng.randint(1000, 50_000), rng), "an IPv6 client")


@pytest.mark.expected("summary_server", USAGE)
@pytest.mark.points(1)
def test_summary_usage(run, rng):
    """summary_server with bad arguments prints usage and exits 1"""
    cases = [["--port", "65536"], ["--max-clients", "0"], ["--max-clients", "x"],
             ["--bogus", "1"], ["--bind"], ["extra"]]
    for args in rng.sample(cases, 4):
        result = run("summary_server", *args)
        expect.exits(result, 1, hint="kit_server_args(argc, argv, \"--max-clients\", "
                                     "&args) returns -1 for these: print usage, exit 1.")
        expect.usage(result)


# --- sockopts ---------------------------------------------------------------------

OPTION_NAMES = ["SO_RCVBUF", "SO_SNDBUF", "SO_KEEPALIVE", "SO_REUSEADDR", "TCP_NODELAY",
                "SO_RCVTIMEO", "SO_LINGER"]


def python_view(rcvbuf, sndbuf):
    """What this system says of SO_RCVBUF and SO_SNDBUF (and the booleans) of a fresh
    TCP socket, before and after setting them, read by the grader's own socket."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        options = [(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf),
                   (socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf),
                   (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
                   (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1),
                   (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]
        view = []
        for level, name, value in options:
            before = s.getsockopt(level, name)
            s.setsockopt(level, name, value)
            view.append((str(before), str(s.getsockopt(level, name))))
    return view


def expected_view(rcvbuf, sndbuf, timeout, linger):
    """[(name, before, after)] as this platform reports them; None: any positive."""
    if platform.SAME_SOCKETS_AS_PROGRAMS:
        ints = python_view(rcvbuf, sndbuf)
    else:
        # Under Wine, which reports options as Windows does: the values set, exactly.
        ints = [(None, str(rcvbuf)), (None, str(sndbuf)), ("0", "1"), ("0", "1"), ("0", "1")]
    rows = ints + [("0", str(timeout)), ("{0, 0}", f"{{1, {linger}}}")]
    return [(name, before, after) for name, (before, after) in zip(OPTION_NAMES, rows)]


def set_values(rcvbuf, sndbuf, timeout, linger):
    """{option: value} as the record shows sockopts' setsockopt of each option asked for."""
    return {"SO_RCVBUF": str(rcvbuf), "SO_SNDBUF": str(sndbuf), "SO_RCVTIMEO": str(timeout),
            "SO_LINGER": f"{{l_onoff 1, l_linger {linger}}}"}


def check_sockopts(result, expected, hint, asked=None):
    """Checks sockopts' lines against EXPECTED (expected_view), and with ASKED
    (set_values), that its record shows each of those values set, exactly: what the
    system reads back may be rounded (Linux keeps SO_RCVTIMEO in ticks of its clock)."""
    expect.exits(result, 0, hint="Read, set and read back each option; on a failed call "
                                 "report it with kit_error and exit 2.")
    lines = result.lines
    pattern = re.compile(r"(\w+): (\S+|\{-?\d+, -?\d+\}) -> (\S+|\{-?\d+, -?\d+\})")
    shown = "\n".join(f"{n}: {b or 'N'} -> {a}" for n, b, a in expected)
    if len(lines) != len(expected):
        raise expect.Failure("sockopts printed another number of lines", expected=shown,
                             got="\n".join(lines) or "(nothing)", hint=hint, result=result)
    for line, (name, before, after) in zip(lines, expected):
        m = pattern.fullmatch(line)
        ok = m is not None and m.group(1) == name and m.group(3) == after
        if ok and before is None:
            ok = m.group(2).isdigit() and int(m.group(2)) > 0
        elif ok:
            ok = m.group(2) == before
        if not ok:
            raise expect.Failure(f"sockopts' {name} line is not what the system says",
                                 expected=f"{name}: {before or 'N'} -> {after}",
                                 got=line, hint=hint, result=result)
    record = result.calls
    if asked is None or record is None or not record.exists:
        return
    for name, value in asked.items():
        got = [c.args[3] for c in record.named("setsockopt") if not c.failed and
               len(c.args) >= 4 and c.args[2] == name]
        if value not in got:
            raise expect.Failure(f"sockopts did not set {name} to the value asked for",
                                 expected=f"setsockopt(SOL_SOCKET, {name}, {value})",
                                 got=", ".join(got) or f"no setsockopt of {name}",
                                 hint=hint, result=result)


@pytest.mark.expected(*SOCKOPTS)
@pytest.mark.points(3)
@pytest.mark.memcheck
def test_sockopts_values(run, rng):
    """sockopts shows each option before and after, as the system reads them back"""
    # Two different sizes, so that a program that swaps them cannot pass.
    rcvbuf, sndbuf = rng.sample(range(8192, 262144, 1024), 2)
    # Whole tenths of a second: Linux keeps a timeout in ticks of its clock.
    timeout = rng.randrange(100, 10000, 100)
    linger = rng.randint(1, 600)
    result = run("sockopts", "--rcvbuf", rcvbuf, "--sndbuf", sndbuf, "--timeout", timeout,
                 "--linger", linger)
    check_sockopts(result, expected_view(rcvbuf, sndbuf, timeout, linger),
                   "Print what getsockopt reads back, not what you set: Linux doubles "
                   "SO_RCVBUF, for one. Set the int to 0 before getsockopt (Windows writes "
                   "one byte of TCP_NODELAY); SO_RCVTIMEO is a DWORD of milliseconds; "
                   "SO_LINGER a struct linger.", set_values(rcvbuf, sndbuf, timeout, linger))


@pytest.mark.expected(*SOCKOPTS)
@pytest.mark.points(1)
def test_sockopts_defaults(run):
    """sockopts without options sets the documented values"""
    result = run("sockopts")
    check_sockopts(result, expected_view(32768, 32768, 2500, 5),
                   "The defaults: SO_RCVBUF and SO_SNDBUF 32768, SO_KEEPALIVE, "
                   "SO_REUSEADDR and TCP_NODELAY on, SO_RCVTIMEO 2500 ms, SO_LINGER {1, 5}.",
                   set_values(32768, 32768, 2500, 5))
    expect.asked_for_winsock(result)


@pytest.mark.expected(*SOCKOPTS)
@pytest.mark.points(1)
def test_sockopts_limits(run):
    """sockopts takes each option's smallest and largest value"""
    for values in ((1024, 1024, 0, 0), (1048576, 1048576, 3600000, 600)):
        args = [a for option, value in zip(("--rcvbuf", "--sndbuf", "--timeout", "--linger"),
                                           values) for a in (option, value)]
        result = run("sockopts", *args)
        if result.returncode == 1 and not result.crash:
            raise expect.Failure(f"sockopts refused {' '.join(map(str, args))}",
                                 expected="each accepted: the limits are included",
                                 got=result.ended(), result=result,
                                 hint="--rcvbuf and --sndbuf 1024 to 1048576, --timeout 0 "
                                      "to 3600000, --linger 0 to 600: parse the options as "
                                      "the starter gives it.")
        check_sockopts(result, expected_view(*values),
                       "Set each option to the value asked for, its limits too, and print "
                       "what getsockopt reads back.", set_values(*values))


@pytest.mark.expected("sockopts", USAGE)
@pytest.mark.points(1)
def test_sockopts_usage(run):
    """sockopts with bad arguments prints usage and exits 1"""
    # A value missing, an unknown option, an argument, and each option's limits (the
    # README): one step outside each is refused.
    cases = [["--linger"], ["--bogus", "1"], ["extra"]]
    limits = [["--rcvbuf", "1023"], ["--rcvbuf", "1048577"], ["--sndbuf", "1023"],
              ["--sndbuf", "1048577"], ["--timeout", "-1"], ["--timeout", "3600001"],
              ["--linger", "-1"], ["--linger", "601"]]
    for args in cases + limits:
        result = run("sockopts", *args)
        expect.exits(result, 1, hint="Check the options before anything else: print "
                                     "usage and exit 1.")
        expect.usage(result)


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import iterative as model  # noqa: E402


@pytest.mark.expected("summary_server", *LISTEN,
                      "accept s1: s2, each client of the schedule in turn",
                      "recv s2: its pieces, until recv returns 0 (or a reset)",
                      "send s2: 'bytes=N fnv1a32=XXXXXXXX\\n', unless it reset",
                      "shutdown s2: SD_SEND, the end of the answer",
                      "closesocket s2: then accept the next client (s3, ...)",
                      "closesocket s1: after N clients, those that reset too",
                      *SERVER_EXIT)
@pytest.mark.points(3)
def test_model_summaries(start, seed):
    """clients in a generated order (in pieces, empty, in the backlog, resetting) each get the summary a model of the README says, and --max-clients counts them all"""
    model.check(start, seed, "summary_server", summary_of,
                "Read each client to its end-of-file, counting and hashing every byte "
                "(FNV-1a over unsigned bytes), answer 'bytes=N fnv1a32=XXXXXXXX\\n', then "
                "shutdown and close; a client that resets ends that client only, and counts "
                "towards --max-clients.")
