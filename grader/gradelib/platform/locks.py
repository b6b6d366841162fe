"""File locks that hold pytest-xdist's workers off each other: one system call on
Windows (msvcrt), another on POSIX (fcntl)."""
import contextlib
import os
import time
from pathlib import Path

def _lock_file(f, wait):
    """Takes the lock on F's first byte, waiting for it if WAIT (Windows' LK_LOCK gives
    up after 10 s); raises OSError if it is not taken."""
    f.seek(0)
    if os.name == "nt":
        import msvcrt
        msvcrt.locking(f.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
    else:
        import fcntl
        fcntl.flock(f, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock_file(f):
    f.seek(0)
    if os.name == "nt":
        import msvcrt
        msvcrt.locking(f.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        import fcntl
        fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def exclusive(path, timeout=600):
    """Holds an exclusive lock on the file PATH (made if missing) for the with-block, so
    that one process at a time does what it guards, across pytest-xdist's workers. On
    POSIX the wait is bounded by the holder (what it guards has timeouts of its own,
    and the lock goes with its process); on Windows it is at most TIMEOUT s."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as f:
        while True:
            try:
                _lock_file(f, wait=True)
                break
            except OSError:
                if os.name != "nt" or time.monotonic() > deadline:
                    raise
        try:
            yield
        finally:
            _unlock_file(f)


def lock_is_free(path):
    """Whether another open file could take PATH's lock now, without waiting."""
    with open(path, "a+b") as f:
        try:
            _lock_file(f, wait=False)
        except OSError:
            return False
        _unlock_file(f)
        return True
