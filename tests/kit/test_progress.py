"""The stream tests' progress (grader/gradelib/progress.py): a peer that stops is told
apart from one that is slow, with real loopback sockets and short limits."""
import socket
import threading
import time

from gradelib import peers, progress

DATA = 4 << 20      # far beyond what the small buffers below hold


def reader(pace):
    """A loopback listener whose one connection is read 1 KiB every PACE seconds
    (None: never read), through a small buffer. Returns (listener, stop event)."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind((peers.IPV4, 0))
    listener.listen(1)
    done = threading.Event()

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(0.1)
            while not done.is_set():
                if pace is None:
                    done.wait(0.1)
                    continue
                try:
                    conn.recv(1024)
                except socket.timeout:
                    pass
                done.wait(pace)     # the peer's pace
    threading.Thread(target=serve, daemon=True).start()
    return listener, done


def sent_to(pace, moving):
    listener, done = reader(pace)
    try:
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
            sock.connect(listener.getsockname())
            return peers.exchange(sock, b"x" * DATA, 30, progress=moving)
    finally:
        done.set()
        listener.close()


def test_a_peer_that_never_reads_has_stopped():
    moving = progress.Progress(DATA, limit=20, stall=0.5)
    started = time.monotonic()
    _, how = sent_to(None, moving)
    assert how == "stopped"
    assert time.monotonic() - started < 10
    told = moving.told("bytes sent")
    assert f"of {DATA} bytes sent, then nothing for 0.5 s" in told
    assert progress.hint(moving) == progress.STOPPED_HINT


def test_a_peer_that_reads_slowly_is_slow_with_its_rate():
    moving = progress.Progress(DATA, limit=1.5, stall=1.0)
    _, how = sent_to(0.005, moving)
    assert how == "slow"
    told = moving.told("bytes sent")
    assert "still moving" in told and "this test needs 2731 KiB/s" in told, told
    assert 0 < moving.moved < DATA
    assert progress.hint(moving) == progress.SLOW_HINT


def test_limits_count_from_the_last_byte_moved():
    moving = progress.Progress(100, limit=60, stall=0.3)
    for _ in range(5):
        time.sleep(0.1)         # the bytes' pace, not a wait for an event
        moving.add(10)
        assert moving.state() is None
    time.sleep(0.35)
    assert moving.state() == "stopped"
    moving.add(10)
    assert moving.state() == "stopped", "a verdict stays"
