"""Lab 02's model: tcp_client HOST PORT MESSAGE sends MESSAGE and one newline, then
prints every byte the server sends, however it is cut and delayed, until the server
closes; exit 0 (README section 6). The grader's server here cuts its reply into
generated pieces with generated pauses."""
import string
import time

from hypothesis import strategies as st

from .. import expect, peers
from . import Exploration, scaled, shown

CASES = 15
SHRINKS = 25
SECONDS = 20.0
WAIT = 10.0


def cases():
    message = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1,
                      max_size=30)
    piece = st.one_of(st.binary(min_size=1, max_size=30),
                      st.sampled_from([b"\0", b"\n", b"\r\n", b"\x1a", b"\xff"]),
                      st.integers(2000, 100000).map(lambda n: peers.payload(n, n)))
    return st.tuples(st.sampled_from([peers.IPV4, peers.IPV6]), message,
                     st.lists(st.tuples(piece, st.sampled_from([0, 0, 0.002, 0.02])),
                              max_size=5))


def check(run, seed):
    Exploration(seed, scaled(CASES), SHRINKS, SECONDS).run(
        cases(), lambda case: _talk(run, *case))


def _talk(run, host, message, pieces):
    line = (message + "\n").encode()
    reply = b"".join(p for p, _ in pieces)

    def handle(conn):
        got = bytearray()
        while not got.endswith(b"\n") and len(got) < len(line):
            chunk = conn.recv(4096)
            if not chunk:
                break
            got += chunk
        conn.setsockopt(peers.socket.IPPROTO_TCP, peers.socket.TCP_NODELAY, 1)
        try:
            for data, pause in pieces:
                conn.sendall(data)
                if pause:
                    time.sleep(pause)       # the server's pace, not a wait for an event
        except OSError:
            pass
        return bytes(got)

    said = (f"the server on {host} gets the line, then replies " +
            (" + ".join(f"{shown(p, 40)}" + (f", {pause * 1000:g} ms" if pause else "")
                        for p, pause in pieces) or "nothing") + ", then closes")
    with peers.Listener(handle, host=host, timeout=WAIT) as server:
        result = run("tcp_client", host, server.port, message, timeout=WAIT)
        try:
            # The client has ended: its connection, if it made one, is served by now.
            got = server.result(timeout=2.0)
        except TimeoutError:
            got = None
    case = f"\ncommand:  tcp_client {host} PORT {message}\n{said}"
    if got != line:
        raise expect.Failure(f"the server did not receive MESSAGE and one newline{case}",
                             expected=shown(line), got="no connection" if got is None
                             else shown(got), result=result,
                             hint="Send MESSAGE and then '\\n', every byte (a loop "
                                  "around send).")
    if result.timed_out or result.crash or result.returncode != 0:
        raise expect.Failure(f"tcp_client should exit with 0 once the server has "
                             f"closed; the README (section 6) says so{case}",
                             expected="exit 0", got=result.ended(), result=result,
                             hint="recv returning 0 is the end of the reply; any other "
                                  "count, however small, is more of it.")
    if result.stdout != reply:
        at = expect.first_difference(reply, result.stdout)
        raise expect.Failure(f"tcp_client did not print exactly the reply; the README "
                             f"(section 6) says every byte, unchanged{case}",
                             expected=f"{len(reply)} bytes: {shown(reply[at:at + 40])} "
                                      f"at byte {at}",
                             got=f"{len(result.stdout)} bytes: "
                                 f"{shown(result.stdout[at:at + 40])} at byte {at}",
                             result=result,
                             hint=expect.bytes_hint(reply, result.stdout, at) or
                             "Write each chunk recv returns with fwrite, n bytes, until "
                             "recv returns 0.")
