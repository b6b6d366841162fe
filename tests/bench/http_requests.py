"""Requests per second: the reference http_server (lab 07) next to Python's
http.server serving the same folder on the same machine, in the same run, through
the same client.

    python3 tests/bench/http_requests.py [--requests 500] [--kib 64] [--target native|mingw] [--runs 3]

The client opens a connection per request (both servers close after one), sends
GET /file.bin HTTP/1.1, reads to the end-of-file and checks every byte. Prints
requests/s for each server (best of RUNS) and their ratio. A benchmark, not a test:
nothing here passes or fails on speed.
"""
import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))


def load(port, requests, body):
    """REQUESTS GETs of /file.bin, one connection each. Returns requests/s."""
    request = b"GET /file.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    started = time.monotonic()
    for _ in range(requests):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(request)
            chunks = []
            while True:
                chunk = sock.recv(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
        answer = b"".join(chunks)
        if not answer.startswith(b"HTTP/1.") or not answer.endswith(body):
            raise SystemExit(f"a wrong answer on port {port}: {answer[:80]!r}")
    return requests / (time.monotonic() - started)


def reference(target, args, folder, body):
    os.environ["KIT_TARGET"] = target
    from gradelib import peers, platform
    from gradelib.proc import Process
    platform.prepare()
    program = platform.program_path(ROOT / "build" / target / "solutions", "http_server")
    if not program.exists():
        raise SystemExit(f"{program} is not built: run 'make SRC=solutions TARGET={target}'")
    server = Process(program, ["--root", str(folder)], cwd=folder, timeout=3600)
    try:
        _, port = peers.announced(server, 30)
        return max(load(port, args.requests, body) for _ in range(args.runs))
    finally:
        server.stop()


def python_server(args, folder, body):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                             "--directory", str(folder), str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)        # waiting for it to listen, bounded
        return max(load(port, args.requests, body) for _ in range(args.runs))
    finally:
        proc.kill()
        proc.wait(30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--kib", type=int, default=64)
    parser.add_argument("--target", choices=["native", "mingw"], default="native")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        folder = Path(workdir)
        body = os.urandom(args.kib << 10)
        (folder / "file.bin").write_bytes(body)
        ours = reference(args.target, args, folder, body)
        theirs = python_server(args, folder, body)
    print(f"{args.requests} GETs of {args.kib} KiB, a connection each, best of "
          f"{args.runs}, target {args.target}")
    print(f"  http_server (reference): {ours:8.1f} requests/s")
    print(f"  python3 -m http.server:  {theirs:8.1f} requests/s")
    print(f"  ratio http_server/python: {ours / theirs:7.2f}")


if __name__ == "__main__":
    main()
