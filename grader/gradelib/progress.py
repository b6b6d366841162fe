"""Progress of a stream test: a program that has stopped (no byte moved for STALL
seconds) is told apart from one that is slow (bytes still moving, but too few for
the test's limit), and a slow one is told the rate it reached and the rate the test
needs. A correct program that moves bytes through a small buffer is slow, never
stopped, and passes as long as it reaches the test's rate."""
import time

# Seconds without a byte moving: the program has stopped.
STALL = 10.0


class Progress:
    """Bytes moving in one direction or both, against STALL seconds without a byte
    and LIMIT seconds in all."""

    def __init__(self, total, limit, stall=STALL):
        self.total = total          # the bytes the test moves, for the rate it needs
        self.limit = limit
        self.stall = stall
        self.started = self.last = time.monotonic()
        self.moved = 0
        self.verdict = None

    def add(self, n):
        """N more bytes moved (0: nothing)."""
        if n > 0:
            self.moved += n
            self.last = time.monotonic()

    def seen(self, moved):
        """The count of bytes moved so far is MOVED (a count that only grows)."""
        self.add(moved - self.moved)

    def state(self):
        """None while within both limits; "stopped" or "slow" once one is reached
        (and from then on)."""
        now = time.monotonic()
        if self.verdict is None and now - self.last >= self.stall:
            self.verdict = "stopped"
        elif self.verdict is None and now - self.started >= self.limit:
            self.verdict = "slow"
        return self.verdict

    def left(self):
        """Seconds until the nearer limit."""
        now = time.monotonic()
        return max(0.0, min(self.last + self.stall, self.started + self.limit) - now)

    def rate(self):
        """Bytes per second, up to the last byte moved."""
        return self.moved / max(self.last - self.started, 1e-3)

    def needed(self):
        """Bytes per second the test needs: all of it within LIMIT."""
        return self.total / self.limit

    def told(self, what):
        """What happened, in words, for a failure's got: line. WHAT names the bytes
        ("bytes echoed")."""
        if self.state() == "stopped":
            return (f"{self.moved} of {self.total} {what}, then nothing for "
                    f"{self.stall:g} s")
        return (f"{self.moved} of {self.total} {what} in {self.limit:g} s, still moving: "
                f"{kib(self.rate())}; this test needs {kib(self.needed())}")


def kib(rate):
    if rate >= 10 * 1024:
        return f"{rate / 1024:.0f} KiB/s"
    return f"{rate / 1024:.1f} KiB/s" if rate >= 1024 else f"{rate:.0f} bytes/s"


STOPPED_HINT = ("Nothing moved for a while: look for a loop that never ends or a call "
                "that waits for something that never comes.")
SLOW_HINT = ("The bytes kept moving, but too slowly: receive into a buffer of a few KiB "
             "(not a few bytes), and pass on each chunk with one call.")


def hint(progress, stopped=STOPPED_HINT, slow=SLOW_HINT):
    """The hint for a program that stopped or is slow."""
    return stopped if progress.state() == "stopped" else slow


def watch(proc, progress, moved):
    """Waits for the program PROC to exit while MOVED() (its bytes so far, a count
    that only grows) keeps growing. Returns its Result; or None, with PROC still
    running, once PROGRESS says it stopped or is too slow."""
    while not proc.exited(min(0.5, max(progress.left(), 0.01))):
        progress.seen(moved())
        if progress.state():
            return None
    return proc.wait(5)
