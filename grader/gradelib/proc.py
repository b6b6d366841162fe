"""Running the student's programs: every one bounded in time and output, and ended
with its whole process tree when the test ends."""
import re
import subprocess
import threading
import time

from . import platform

# Output kept from each stream of a program; the rest is counted, not kept.
OUTPUT_LIMIT = 8 * 1024 * 1024


class Stream:
    """Drains one pipe in a thread, keeping the first OUTPUT_LIMIT bytes."""

    def __init__(self, pipe, changed):
        self.data = bytearray()
        self.dropped = 0
        self.closed = False
        self._pipe = pipe
        self._changed = changed
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self):
        while True:
            try:
                chunk = self._pipe.read1(65536)
            except (OSError, ValueError):
                chunk = b""
            with self._changed:
                if not chunk:
                    self.closed = True
                    self._changed.notify_all()
                    return
                room = OUTPUT_LIMIT - len(self.data)
                self.data += chunk[:room]
                self.dropped += max(0, len(chunk) - room)
                self._changed.notify_all()

    def join(self, timeout):
        self._thread.join(timeout)


class Result:
    """How a program ended: exit code, output and what went wrong, if anything."""

    def __init__(self, proc):
        self.argv = proc.argv
        self.returncode = proc.returncode
        self.stdout = bytes(proc.out.data)
        self.stderr = bytes(proc.err.data)
        self.timed_out = proc.timed_out
        self.timeout = proc.timeout
        self.duration = proc.duration
        # A program the grader stopped (a server at the end of its test) did not crash.
        self.stopped = proc.stopped and not proc.timed_out
        self.crash = None if self.stopped else platform.describe_exit(self.returncode,
                                                                      self.stderr)

    @property
    def text(self):
        return platform.normalise_newlines(self.stdout).decode("utf-8", "replace")

    @property
    def lines(self):
        return self.text.splitlines()

    @property
    def errors(self):
        return platform.normalise_newlines(self.stderr).decode("utf-8", "replace")

    def ended(self):
        """How it ended, in words: "exit 2", "timed out after 5 s", "crashed: ..."."""
        if self.timed_out:
            return f"timed out after {self.timeout:g} s (still running, so it was stopped)"
        if self.stopped:
            return "still running when the test ended (stopped by the grader)"
        if self.crash:
            return self.crash
        return f"exit {self.returncode}"


class Process:
    """A running program. Use start() or run(); stop() ends it and its children."""

    def __init__(self, path, args, *, cwd, env=None, stdin=b"", timeout=10.0,
                 transcript=None):
        self.argv = platform.command(path, args)
        self.timeout = timeout
        self.timed_out = False
        self.stopped = False
        self.returncode = None
        self.transcript = transcript
        self._changed = threading.Condition()
        self._started = time.monotonic()
        self.duration = 0.0
        self._result = None
        platform.before_start()
        self._popen = subprocess.Popen(
            self.argv, cwd=str(cwd), env=platform.program_env(env),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            **platform.popen_options())
        platform.after_start(self._popen)
        self.pid = self._popen.pid
        self.out = Stream(self._popen.stdout, self._changed)
        self.err = Stream(self._popen.stderr, self._changed)
        self._feed(stdin)
        if transcript is not None:
            transcript.started(self)

    def _feed(self, data):
        def feed():
            try:
                if data:
                    self._popen.stdin.write(data)
                self._popen.stdin.close()
            except OSError:
                pass    # the program exited or closed its stdin: not our failure
        threading.Thread(target=feed, daemon=True).start()

    def poll(self):
        if self.returncode is None:
            self.returncode = self._popen.poll()
            if self.returncode is not None:
                self.duration = time.monotonic() - self._started
        return self.returncode

    def exited(self, timeout):
        """True once the program has exited, waiting up to TIMEOUT seconds for it."""
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return self.poll() is not None

    def wait(self, timeout=None):
        """Waits for the program to exit, at most TIMEOUT (default: its own timeout)
        seconds; stops it if it is still running then. Returns its Result."""
        timeout = self.timeout if timeout is None else timeout
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.timed_out = True
            self.timeout = timeout
        return self.stop()

    def wait_line(self, pattern, timeout, stderr=False):
        """Waits for a stdout (or, with STDERR, stderr) line matching PATTERN (a regex).
        Returns the match, or None if the program exited, closed the stream or TIMEOUT
        seconds passed first."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        stream = self.err if stderr else self.out
        with self._changed:
            while True:
                text = platform.normalise_newlines(bytes(stream.data)).decode("utf-8", "replace")
                for line in text.splitlines():
                    m = regex.fullmatch(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or stream.closed:
                    return None
                self._changed.wait(min(left, 0.1))

    def ended_within(self, timeout):
        """Waits up to TIMEOUT seconds for the program to exit by itself. Returns its
        Result, or None if it is still running (and then leaves it running)."""
        try:
            self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        return self.stop()

    def stop(self):
        """Ends the program and its whole tree, then collects what it wrote."""
        if self._result is not None:
            return self._result
        if self.poll() is None:
            self.stopped = True
            platform.kill_tree(self._popen)
            try:
                self._popen.wait(5)
            except subprocess.TimeoutExpired:
                pass
            self.poll()
        else:
            platform.kill_tree(self._popen)   # children it left behind
        # A grandchild that escaped the kill may hold the pipes open: do not wait long.
        self.out.join(2)
        self.err.join(2)
        result = self._result = Result(self)
        if self.transcript is not None:
            self.transcript.ended(self, result)
        return result


class Transcript:
    """What a test did: commands, input, output and endings, kept for failed tests."""

    def __init__(self):
        self.entries = []
        self.processes = []

    def started(self, proc):
        self.processes.append(proc)
        self.entries.append(f"$ {' '.join(proc.argv)}")

    def ended(self, proc, result):
        self.entries.append(f"  -> {result.ended()} after {result.duration:.2f} s")
        for name, data, dropped in (("stdout", result.stdout, proc.out.dropped),
                                    ("stderr", result.stderr, proc.err.dropped)):
            if data or dropped:
                self.entries.append(f"  {name} ({len(data) + dropped} bytes):")
                self.entries.append(_show(data))

    def note(self, text):
        self.entries.append(text)

    def stop_all(self):
        for proc in self.processes:
            proc.stop()

    def text(self):
        return "\n".join(self.entries) + "\n"


def printable(text):
    """TEXT with control characters escaped (\\x1b), keeping newlines and tabs."""
    return "".join(c if c.isprintable() or c in "\n\t" else repr(c)[1:-1] for c in text)


def _show(data, limit=64 * 1024):
    """Bytes as text for a human: printable kept, the rest escaped."""
    shown = printable(data[:limit].decode("utf-8", "backslashreplace"))
    more = f"\n    ... {len(data) - limit} more bytes" if len(data) > limit else ""
    return "    " + shown.replace("\n", "\n    ") + more
