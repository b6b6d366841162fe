"""Running the student's programs: every one bounded in time and output, and ended
with its whole process tree when the test ends."""
import contextlib
import re
import signal
import subprocess
import threading
import time
import uuid

from . import calls as call_record
from . import platform

# Output kept from each stream of a program; the rest is counted, not kept.
OUTPUT_LIMIT = 8 * 1024 * 1024
# Output shown in a transcript, per stream.
TRANSCRIPT_LIMIT = 64 * 1024


class Stream:
    """Drains one pipe in a thread, keeping the first OUTPUT_LIMIT bytes and counting
    the rest."""

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
                self.dropped += max(0, len(chunk) - room)
                if room > 0:
                    self.data += chunk[:room]
                    self._changed.notify_all()    # nothing to tell about dropped bytes

    @property
    def total(self):
        """Bytes the program wrote, kept or not."""
        return len(self.data) + self.dropped

    def join(self, timeout):
        self._thread.join(max(0.0, timeout))


class Result:
    """How a program ended: exit code, output and what went wrong, if anything."""

    def __init__(self, proc):
        self.argv = proc.argv
        self.returncode = proc.returncode
        self.stdout = bytes(proc.out.data)
        self.stderr = bytes(proc.err.data)
        self.stdout_total = proc.out.total
        self.stderr_total = proc.err.total
        self.timed_out = proc.timed_out
        self.timeout = proc.timeout
        self.duration = proc.duration
        self.left_behind = proc.left_behind
        # A program the grader stopped (a server at the end of its test) did not crash.
        self.stopped = proc.stopped and not proc.timed_out
        self.crash = None if self.stopped else platform.describe_exit(self.returncode,
                                                                      self.stderr)
        self.calls_path = proc.calls_path
        self._calls = None

    @property
    def calls(self):
        """The program's call record (gradelib.calls.Calls), or None if the grader
        gave it none."""
        if self._calls is None and self.calls_path is not None:
            self._calls = call_record.read(self.calls_path)
        return self._calls

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
            how = f"timed out after {self.timeout:g} s (still running, so it was stopped)"
        elif self.stopped:
            how = "still running when the test ended (stopped by the grader)"
        elif self.crash:
            how = self.crash
        else:
            how = f"exit {self.returncode}"
        if self.left_behind:
            how += (f", and {self.left_behind} process(es) it started were still running "
                    "after it ended (the grader stopped them)")
        return how

    def flooded(self):
        """What was cut from the output, in words, or None."""
        cut = [f"{total} bytes to {name}" for name, total in
               (("stdout", self.stdout_total), ("stderr", self.stderr_total))
               if total > OUTPUT_LIMIT]
        if not cut:
            return None
        return (f"it wrote {' and '.join(cut)}; the grader reads only the first "
                f"{OUTPUT_LIMIT // (1024 * 1024)} MiB of each")


class Process:
    """A running program. Use start() or run(); stop() ends it and its children."""

    def __init__(self, path, args, *, cwd, env=None, stdin=b"", timeout=10.0,
                 transcript=None, calls=None, merged=False):
        """CALLS: the file the program's call record goes to, with ENV holding the
        variables that say so (gradelib.calls.environment). MERGED: stderr goes into
        stdout's pipe, so that their order shows, as in a terminal; the Result's stdout
        and stderr are then both that one output."""
        self.argv = platform.command(path, args)
        launched, self.box = platform.contain(self.argv, path, cwd)
        self.calls_path = calls
        self.timeout = timeout
        self.timed_out = False
        self.stopped = False
        self.returncode = None
        self.left_behind = 0
        self.transcript = transcript
        self.mark = uuid.uuid4().hex
        self._changed = threading.Condition()
        self.duration = 0.0
        self._result = None
        environment = platform.program_env(env, mark=self.mark)
        if self.box:
            environment = platform.boxed_env(environment)
        platform.before_start()
        self._started = time.monotonic()
        with _interrupts_held():
            try:
                self._popen = subprocess.Popen(
                    launched, cwd=str(cwd),
                    env=environment, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT if merged else subprocess.PIPE,
                    pass_fds=self.box.fds() if self.box else (),
                    **platform.popen_options())
            finally:
                if self.box:
                    self.box.started()
            _running.add(self)
            platform.after_start(self._popen)
        self.pid = self._popen.pid
        self.out = Stream(self._popen.stdout, self._changed)
        self.err = self.out if merged else Stream(self._popen.stderr, self._changed)
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
            self.returncode = platform.exit_status(self._popen)
            if self.returncode is not None:
                self.duration = time.monotonic() - self._started
                if self.box:
                    self.returncode = platform.boundary.exit_code(self.returncode)
        return self.returncode

    def exited(self, timeout):
        """True once the program has exited, waiting up to TIMEOUT seconds for it."""
        platform.wait_exit(self._popen, timeout)
        return self.poll() is not None

    def wait(self, timeout=None):
        """Waits for the program to exit, at most TIMEOUT (default: its own timeout)
        seconds; stops it if it is still running then. Returns its Result."""
        timeout = self.timeout if timeout is None else timeout
        if not platform.wait_exit(self._popen, timeout):
            self.timed_out = True
            self.timeout = timeout
        return self.stop()

    def wait_line(self, pattern, timeout, stderr=False):
        """Waits for a stdout (or, with STDERR, stderr) line matching PATTERN (a regex).
        Returns the match, or None if the program exited, closed the stream or TIMEOUT
        seconds passed first. Only whole lines count (and the last one once the stream
        is closed)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        stream = self.err if stderr else self.out
        scanned = 0         # lines before this offset have been tried
        with self._changed:
            while True:
                data = stream.data
                while True:
                    end = data.find(b"\n", scanned)
                    if end < 0:
                        if not stream.closed or scanned >= len(data):
                            break
                        end = len(data)
                    m = regex.fullmatch(_line(data[scanned:end]))
                    scanned = end + 1
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or stream.closed:
                    return None
                self._changed.wait(min(left, 0.5))

    def ended_within(self, timeout):
        """Waits up to TIMEOUT seconds for the program to exit by itself. Returns its
        Result, or None if it is still running (and then leaves it running)."""
        if not platform.wait_exit(self._popen, timeout):
            return None
        return self.stop()

    @property
    def calls(self):
        """The program's call record so far (gradelib.calls.Calls), read now, or None
        if the grader gave it none."""
        return None if self.calls_path is None else call_record.read(self.calls_path)

    def processes(self):
        """The PIDs of the program and the processes it started, while they run
        (Linux; elsewhere the program's own)."""
        if self.poll() is not None:
            return []
        if self.box:
            return platform.box_members(self.pid)
        return platform.tree_members(self.pid, self.mark)

    def stop(self):
        """Ends the program and its whole tree, then collects what it wrote."""
        if self._result is not None:
            return self._result
        if self.poll() is None:
            self.stopped = True
            platform.kill_tree(self._popen, mark=self.mark)
            platform.wait_exit(self._popen, 5)
            self.poll()
        else:
            # It ended by itself: anything of its tree still running, it left behind
            # (in a box, its first process counted them as the program ended).
            counted = self.box.ended()[1] if self.box else None
            self.left_behind = counted if counted is not None and counted >= 0 else \
                platform.survivors(self._popen, mark=self.mark)
            platform.kill_tree(self._popen, mark=self.mark)
        platform.reap(self._popen)
        if self.box:
            self.box.ended()
        # Once the tree is gone the pipes close at once; a process that escaped even
        # so may hold them open: do not wait long for it.
        deadline = time.monotonic() + 2
        self.out.join(deadline - time.monotonic())
        self.err.join(deadline - time.monotonic())
        _running.discard(self)
        result = self._result = Result(self)
        if self.transcript is not None:
            self.transcript.ended(self, result)
        return result


# Every program still running, so that stop_everything() can end them when the
# grader itself is interrupted.
_running = set()


# While a program is being started: holding interrupts back, and the first that came.
_hold = {"on": False, "held": None}


def on_interrupt(signum, frame):
    """The grader's handler for Ctrl-C, SIGTERM and SIGHUP: ends the run as Ctrl-C does
    (KeyboardInterrupt), so that every program is stopped and the reports are written.
    While a program is being started, the interrupt waits until it is in _running:
    raised between the fork and that, it would leave the program running unseen."""
    name = signal.Signals(signum).name
    if not _hold["on"]:
        raise KeyboardInterrupt(name)
    _hold["held"] = _hold["held"] or name


@contextlib.contextmanager
def _interrupts_held():
    """Holds interrupts back (see on_interrupt) for the with block, then raises the
    first that came. Handlers run in the main thread only, so other threads hold
    nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _hold["on"] = True
    try:
        yield
    finally:
        _hold["on"] = False
        name, _hold["held"] = _hold["held"], None
        if name:
            raise KeyboardInterrupt(name)


def stop_everything():
    """Ends every program still running (the grader is interrupted or exiting)."""
    for proc in list(_running):
        try:
            platform.kill_tree(proc._popen, mark=proc.mark)
        except Exception:   # noqa: BLE001 - ending as much as possible is the point
            pass
        _running.discard(proc)


def _line(raw):
    """One line of program output as text (a CR before the LF is Windows' text mode)."""
    return raw.rstrip(b"\r").decode("utf-8", "replace")


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
        streams = [("stdout", result.stdout, result.stdout_total),
                   ("stderr", result.stderr, result.stderr_total)]
        if proc.err is proc.out:
            streams = [("stdout and stderr, in one pipe", result.stdout, result.stdout_total)]
        for name, data, total in streams:
            if total:
                self.entries.append(f"  {name} ({total} bytes):")
                self.entries.append(_show(data, total))
        record = result.calls
        if record is not None and record.exists:
            self.entries.append(f"  calls ({len(record.lines)} lines in "
                                f"{record.path.name}): {printable(record.sequence())}")
            self.entries.append(printable(record.excerpt()))

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


def _show(data, total, limit=TRANSCRIPT_LIMIT):
    """Bytes as text for a human: printable kept, the rest escaped; at most LIMIT."""
    shown = printable(data[:limit].decode("utf-8", "backslashreplace"))
    more = f"\n    ... {total - limit} more bytes" if total > limit else ""
    return "    " + shown.replace("\n", "\n    ") + more
