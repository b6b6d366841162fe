"""Echo throughput: the reference tcp_server (lab 03) next to socat doing the same echo
on the same machine, in the same run, through the same client.

    python3 tests/bench/echo_throughput.py [--mib 256] [--target native|mingw] [--runs 3]

The client, socat, sends MIB MiB of random bytes while reading the echo, then
half-closes and reads until the server closes; every byte is checked. Prints MiB/s for each server
(best of RUNS) and their ratio. A benchmark, not a test: nothing here passes or fails
on speed.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))


def echo_once(port, source, sink):
    """One echo through a socat client (stdin SOURCE, stdout SINK), checked byte for
    byte. Returns MiB/s."""
    with open(source, "rb") as stdin, open(sink, "wb") as stdout:
        started = time.monotonic()
        subprocess.run(["socat", "-b", "262144", "-t", "60", "-",
                        f"TCP:127.0.0.1:{port}"], stdin=stdin, stdout=stdout, check=True,
                       timeout=600)
        seconds = time.monotonic() - started
    if Path(source).read_bytes() != Path(sink).read_bytes():
        raise SystemExit("the echo differs from what was sent")
    return Path(source).stat().st_size / (1 << 20) / seconds


def reference(target, runs, files, workdir):
    os.environ["KIT_TARGET"] = target
    from gradelib import peers, platform
    from gradelib.proc import Process
    platform.prepare()
    program = platform.program_path(ROOT / "build" / target / "solutions", "tcp_server")
    if not program.exists():
        raise SystemExit(f"{program} is not built: run 'make SRC=solutions TARGET={target}'")
    server = Process(program, ["--max-clients", runs], cwd=workdir, timeout=3600)
    try:
        _, port = peers.announced(server, 30)
        return max(echo_once(port, *files) for _ in range(runs))
    finally:
        server.stop()


def socat(runs, files):
    best = 0.0
    for _ in range(runs):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # PIPE: socat writes back what it reads (with its default 8 KiB buffer: a
        # buffer larger than the pipe would deadlock it).
        proc = subprocess.Popen(["socat", "-d", "-d", f"TCP-LISTEN:{port},bind=127.0.0.1",
                                 "PIPE"], stderr=subprocess.PIPE, text=True)
        try:
            for line in proc.stderr:
                if re.search("listening on", line):
                    break
            best = max(best, echo_once(port, *files))
        finally:
            proc.kill()
            proc.wait()
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--target", choices=["native", "mingw"], default="native")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        files = (Path(workdir) / "sent", Path(workdir) / "echoed")
        files[0].write_bytes(os.urandom(args.mib << 20))
        ours = reference(args.target, args.runs, files, workdir)
        theirs = socat(args.runs, files)
    print(f"echo of {args.mib} MiB, best of {args.runs}, target {args.target}")
    print(f"  tcp_server (reference): {ours:8.1f} MiB/s")
    print(f"  socat PIPE:             {theirs:8.1f} MiB/s")
    print(f"  ratio tcp_server/socat: {ours / theirs:8.2f}")


if __name__ == "__main__":
    main()
