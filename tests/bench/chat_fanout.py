"""Chat fan-out: the reference chat_server (lab 06) next to `ncat --broker`, which
does the same job (every byte a client sends goes to every other client), on the
same machine, in the same run, through the same client.

    python3 tests/bench/chat_fanout.py [--clients 10] [--lines 2000] [--target native|mingw] [--runs 3]

CLIENTS clients join; each then sends LINES lines of 64 bytes while all of them read,
in one thread over non-blocking sockets, until every client has every other client's
lines. Senders wait while any reader has 512 lines still to come, so that chat_server
never finds a reader slow enough to drop (ncat gets the same pacing). Prints lines delivered per second for each server (best of RUNS) and their
ratio. A benchmark, not a test: nothing here passes or fails on speed.
"""
import argparse
import os
import re
import selectors
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))

LINE = 64
TIMEOUT = 120       # each run, at most
CHUNK = 64          # lines a client sends at a time
WINDOW = 512        # lines a reader may have still to come before the senders wait


def read_line(sock, deadline):
    data = b""
    while not data.endswith(b"\n"):
        sock.settimeout(max(deadline - time.monotonic(), 0.01))
        chunk = sock.recv(1)
        if not chunk:
            raise SystemExit("the server closed a client while it joined")
        data += chunk
    return data


def join_all(port, clients, greeted, deadline):
    """Connects CLIENTS clients. Each after the first sends "join" and the first reads
    it: once the first has it, the server relays to and from both."""
    socks = []
    for i in range(clients):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        if greeted:
            read_line(sock, deadline)           # chat_server's "* you are NAME"
        socks.append(sock)
        if i > 0:
            sock.sendall(b"join\n")
            read_line(socks[0], deadline)
    return socks


def fanout(port, clients, lines, greeted):
    """One run: returns lines delivered per second. A client sends only while no
    reader has more than WINDOW of its lines still to come, so that no reader is ever
    slow enough for chat_server to drop it (its bound is 64 KiB of output)."""
    deadline = time.monotonic() + TIMEOUT
    socks = join_all(port, clients, greeted, deadline)
    # The join lines that clients 1.. received from those who joined after them.
    late = {i: clients - 1 - i for i in range(1, clients)}
    body = b"".join(b"%06d " % n + b"x" * (LINE - 8) + b"\n" for n in range(lines))
    want = (clients - 1) * lines
    sent = {s: 0 for s in socks}                    # bytes each has sent
    got = {s: -late.get(i, 0) for i, s in enumerate(socks)}
    started = time.monotonic()
    with selectors.DefaultSelector() as sel:
        for s in socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
        done = 0
        while done < clients:
            if time.monotonic() > deadline:
                raise SystemExit(f"a run took over {TIMEOUT} s")
            total = sum(sent.values()) // LINE
            behind = max(total - sent[r] // LINE - got[r] for r in socks)
            for key, events in sel.select(1.0):
                s = key.fileobj
                if events & selectors.EVENT_WRITE and sent[s] < len(body) and \
                        behind < WINDOW:
                    try:
                        sent[s] += s.send(body[sent[s]:sent[s] + CHUNK * LINE])
                    except BlockingIOError:
                        pass
                    if sent[s] == len(body):
                        sel.modify(s, selectors.EVENT_READ)
                if events & selectors.EVENT_READ:
                    try:
                        chunk = s.recv(1 << 16)
                    except BlockingIOError:
                        continue
                    if not chunk:
                        raise SystemExit("the server closed a client during the run")
                    before = got[s]
                    got[s] += chunk.count(b"\n")
                    if before < want <= got[s]:
                        done += 1
    seconds = time.monotonic() - started
    for s in socks:
        s.close()
    return want * clients / seconds


def reference(target, args, workdir):
    os.environ["KIT_TARGET"] = target
    from gradelib import peers, platform
    from gradelib.proc import Process
    platform.prepare()
    program = platform.program_path(ROOT / "build" / target / "solutions", "chat_server")
    if not program.exists():
        raise SystemExit(f"{program} is not built: run 'make SRC=solutions TARGET={target}'")
    server = Process(program, ["--max-clients", args.runs * args.clients], cwd=workdir,
                     timeout=3600)
    try:
        _, port = peers.announced(server, 30)
        return max(fanout(port, args.clients, args.lines, True) for _ in range(args.runs))
    finally:
        server.stop()


def ncat(args):
    best = 0.0
    for _ in range(args.runs):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        proc = subprocess.Popen(["ncat", "-v", "--broker", "-l", "127.0.0.1", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            for line in proc.stderr:
                if re.search("Listening on", line):
                    break
            best = max(best, fanout(port, args.clients, args.lines, False))
        finally:
            proc.kill()
            proc.wait()
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--target", choices=["native", "mingw"], default="native")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        ours = reference(args.target, args, workdir)
    theirs = ncat(args)
    print(f"chat fan-out, {args.clients} clients x {args.lines} lines of {LINE} bytes, "
          f"best of {args.runs}, target {args.target}")
    print(f"  chat_server (reference): {ours:10.0f} lines/s")
    print(f"  ncat --broker:           {theirs:10.0f} lines/s")
    print(f"  ratio chat_server/ncat:  {ours / theirs:10.2f}")


if __name__ == "__main__":
    main()
