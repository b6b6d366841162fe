"""The boundary around student code: the one place that decides how a student's
program, or the compiler working on a student's sources, runs contained.

Off by default: a student's own `make grade` runs their programs as they would run
them by hand. Every flow whose grade an instructor records turns it on (KIT_SANDBOX=1:
`make grade SANDBOX=1`, grade-batch, the Gradescope and Classroom 50 autograders).
docs/grading.md, "The boundary", is the security model; each choice here says why.

On Linux, with bubblewrap (bwrap), each program runs in a box of its own:

  - a mount view built from nothing: the system's files read-only, the program's
    folder read-only, the test's work directory the only place it can write, a /tmp
    of its own; the kit, the hidden tests, the grader's results and other
    submissions are not in it at all;
  - a PID namespace: when the program ends, or the grader ends it, every process it
    started ends with it, whatever it did to its session, group or environment;
  - the network of its grading run: a network namespace holding only loopback, made
    around the whole run (run_command), so that the grader, its peers and the
    programs meet on 127.0.0.1 and nothing else is reachable;
  - where the grader runs as root, an unprivileged user (KIT_SANDBOX_UID, default
    nobody's 65534) for the program and the compiler.

Where namespaces are refused (a container without the capability, a system that
restricts unprivileged user namespaces), a grader running as root still runs student
code as the unprivileged user, with the grader's files closed to it, and says so in
the grade; without root nothing stands in, and the grade says that too. On Windows
the Job object of platform.jobs is the boundary (breakaway forbidden). Under Wine the
programs share Wine's server, so they run in the mount view and network of their
run, without a PID namespace or user of their own (WINE_LIMITS).
"""
import os
import shutil
import tempfile
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import hosts

# What asks for the boundary, and what chooses the user student code runs as.
SANDBOX_VAR = "KIT_SANDBOX"
UID_VAR = "KIT_SANDBOX_UID"
# A user no account has: grade-batch gives each of its jobs a block of JOB_UIDS from
# here, and each pytest-xdist worker of a run adds its number, so that no two runs
# at once share a user (the fallback ends a test's processes by their user).
STUDENT_UID = 61000
JOB_UIDS = 16
# A run that holds its block of users: one lock file per block, held while it grades,
# so that two grading runs on one machine (two make grade, a batch beside them) never
# share a user; HELD_VAR says a caller (grade-batch) holds the block already.
UID_LOCKS = Path(tempfile.gettempdir()) / "kit-student-users"
HELD_VAR = "KIT_SANDBOX_UID_HELD"

# The system's folders a program or the compiler reads: mounted read-only, or made
# the same symbolic links they are here (/lib -> usr/lib on a merged /usr).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc",
               "/opt")

# The folders a box has of its own, empty at its start and gone at its end, each at
# most PRIVATE_BYTES: /tmp, which is also its home (boxed_env). Nothing else of /var,
# /home, /root or /run is in the view.
PRIVATE_DIRS = ("/tmp",)
PRIVATE_BYTES = 64 << 20

# The kinds of boundary, in words for the grade's output and results.json.
KINDS = {
    "off": "off: your programs run as you would run them by hand (make grade "
           "SANDBOX=1 grades behind the boundary)",
    "namespaces": "on: each program in a box of its own (its own view of the files, "
                  "processes and a loopback-only network)",
    "user": "partly: namespaces are refused here, so student code runs as an "
            "unprivileged user with the grader's files closed to it, but shares the "
            "network and can see other processes",
    "none": "asked for, but nothing stands in here",
    "job": "on: each program in a Windows Job object that ends everything it starts",
}

# What Wine keeps from a box of its own: a Wine program's sockets, files and
# processes are Wine's server's, which every program of the run shares.
WINE_LIMITS = ("under Wine each program runs in its run's mount view and network, "
               "but shares Wine's server: no PID namespace or user of its own")


@dataclass(frozen=True)
class Boundary:
    """What contains student code here: KIND (a key of KINDS), WHY in words when it
    is less than asked, UID the user student code runs as (None: the grader's)."""
    kind: str
    why: str = ""
    uid: int = None
    bwrap: str = None

    @property
    def boxed(self):
        return self.kind == "namespaces"

    def describe(self):
        return KINDS[self.kind] + (f" ({self.why})" if self.why else "")


@dataclass
class View:
    """What a box shows: READABLE paths read-only, WRITABLE read-write, HIDDEN made
    empty inside a bound path; CWD where the command starts."""
    readable: list = field(default_factory=list)
    writable: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    cwd: Path = None


def requested(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get(SANDBOX_VAR, "").strip() == "1"


def student_uid(environ=None):
    """The user student code runs as here: KIT_SANDBOX_UID (default STUDENT_UID), plus
    one more for each pytest-xdist worker (gw0 is the next)."""
    environ = os.environ if environ is None else environ
    text = environ.get(UID_VAR, "").strip()
    base = int(text) if text.isdigit() else STUDENT_UID
    worker = environ.get("PYTEST_XDIST_WORKER", "")
    return base + (int(worker[2:]) + 1 if worker[2:].isdigit() else 0)


def reserve_users(start=None, environ=None):
    """A block of JOB_UIDS users that no other grading run on this machine holds, from
    START (default: UID_VAR's, or STUDENT_UID) up: (its first uid, the open lock file
    that holds it until closed or the process ends). Sets UID_VAR in ENVIRON for the
    run's processes, and forgets a choice made with another."""
    import fcntl                                    # the fallback is Linux's alone
    environ = os.environ if environ is None else environ
    if start is None:
        text = environ.get(UID_VAR, "").strip()
        start = int(text) if text.isdigit() else STUDENT_UID
    UID_LOCKS.mkdir(mode=0o755, exist_ok=True)
    for uid in range(start, start + 256 * JOB_UIDS, JOB_UIDS):
        lock = open(UID_LOCKS / f"{uid}.lock", "a")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock.close()
            continue
        environ[UID_VAR] = str(uid)
        _chosen.clear()
        return uid, lock
    raise RuntimeError(f"no free block of student users from {start} ({UID_LOCKS})")


def hold_users(environ=None):
    """Behind the fallback, this run's block of users (reserve_users), unless its
    caller holds one for it (HELD_VAR): the lock, or None."""
    environ = os.environ if environ is None else environ
    if current(environ=environ).kind != "user":
        return None
    held = environ.get(HELD_VAR, "")
    if held and held == environ.get(UID_VAR, ""):
        return None
    return reserve_users(environ=environ)[1]


_chosen = {}


# A grading run chooses once (grader/box.py chosen, in the Makefile): every process of
# the run, the compiler's box and the grader's workers, reads the choice from here.
CHOSEN_VAR = "KIT_SANDBOX_CHOSEN"


def current(host=None, environ=None):
    """This grader's boundary: the run's choice (CHOSEN_VAR), or one made here once."""
    environ = os.environ if environ is None else environ
    key = (host or hosts.HOST, requested(environ))
    if key not in _chosen:
        _chosen[key] = from_text(environ.get(CHOSEN_VAR, ""), host, environ) or \
            choose(host, environ)
    return _chosen[key]


def as_text(chosen):
    """CHOSEN for CHOSEN_VAR: its kind and why."""
    return f"{chosen.kind}|{chosen.why}"


def from_text(text, host=None, environ=None):
    """The boundary CHOSEN_VAR names, or None (asked for no boundary, or not a choice)."""
    kind, _, why = text.partition("|")
    if kind not in KINDS or not requested(environ) or kind == "off":
        return None
    host = host or hosts.HOST
    root = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    uid = student_uid(environ) if root and not host.under_wine and \
        kind in ("namespaces", "user") else None
    return Boundary(kind, why, uid, shutil.which("bwrap") if kind == "namespaces" else None)


def asked(host=None):
    """The boundary a grading run here gets when it asks for one (KIT_SANDBOX=1)."""
    return current(host, {**os.environ, SANDBOX_VAR: "1"})


def choose(host=None, environ=None, probe=None, euid=None):
    """The boundary this host gives when asked (ENVIRON's KIT_SANDBOX)."""
    host = host or hosts.HOST
    environ = os.environ if environ is None else environ
    if not requested(environ):
        return Boundary("off")
    if host.on_windows:
        return Boundary("job")
    euid = os.geteuid() if euid is None else euid
    root = euid == 0
    uid = student_uid(environ) if root and not host.under_wine else None
    if not host.on_linux:
        return Boundary("none", "namespaces are Linux's; nothing stands in on "
                                f"{host.system}")
    refused = (probe or probe_namespaces)()
    if refused is None:
        return Boundary("namespaces", WINE_LIMITS if host.under_wine else "", uid,
                        shutil.which("bwrap"))
    if root and not host.under_wine:
        return Boundary("user", refused, uid)
    return Boundary("none", refused + ("" if root else "; and the grader is not root, "
                                       "so no other user can run student code"))


def probe_namespaces():
    """None when bubblewrap makes every namespace a box needs here; else why not."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed: make setup installs it"
    # The namespaces of a box, as box_command asks for them (a user namespace only
    # where bwrap adds one itself, for a grader that is not root).
    argv = [bwrap, "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
            "--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"bubblewrap could not run: {e}"
    if proc.returncode != 0:
        said = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return "bubblewrap cannot make namespaces here: " + (said[-1] if said else
                                                             f"exit {proc.returncode}")
    return None


# --- the box around one program --------------------------------------------------------

# The box's first process (bash, for its {fd}>&- on a descriptor above 9): runs the
# program without the report's descriptor, then, in a PID namespace of the box's own,
# counts the processes the program left running there (all but this shell and bwrap's
# own init, zombies aside), and reports "STATUS COUNT" (COUNT -1: not counted). Its
# exit is the program's; then the box ends, and everything in its namespace.
INIT = r"""
fd=$1
count=$2
shift 2
"$@" {fd}>&-
status=$?
left=-1
[ "$count" = 1 ] && left=0 && for d in /proc/[0-9]*; do
    p=${d#/proc/}
    [ "$p" = 1 ] || [ "$p" = "$$" ] && continue
    { read -r stat <"$d/stat"; } 2>/dev/null || continue
    case ${stat##*) } in Z*|X*) continue ;; esac
    left=$((left + 1))
done
echo "$status $left" >&"$fd"
exit $status
"""


def _system_binds():
    args = []
    for path in SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


def box_command(boundary, argv, view, report_fd, host=None, net=False):
    """ARGV in a box of BOUNDARY's (bwrap), showing VIEW: the command line, whose
    first process reports on REPORT_FD, a descriptor the box inherits (see INIT).
    NET: a network of its own (only loopback) rather than the grader's."""
    host = host or hosts.HOST
    args = [boundary.bwrap or "bwrap", "--die-with-parent", "--new-session",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    # Not under Wine: a Wine program's server, outside the box, knows it by its PID,
    # and (measured) blocking calls then never return.
    counting = not host.under_wine
    if counting:
        args.append("--unshare-pid")
    if net:
        args.append("--unshare-net")
    args += _system_binds()
    args += ["--proc", "/proc", "--dev", "/dev"]
    for path in PRIVATE_DIRS:
        args += ["--perms", "1777", "--size", str(PRIVATE_BYTES), "--tmpfs", path]
    # The folders above a bound path are made for the view, open to every user: bwrap
    # would make them the grader's alone, and the student's user could not pass.
    for path in _ancestors([*view.readable, *view.writable]):
        args += ["--perms", "0755", "--dir", str(path)]
    for path in view.readable:
        args += ["--ro-bind", str(path), str(path)]
    for path in view.writable:
        args += ["--bind", str(path), str(path)]
    for path in view.hidden:
        if Path(path).is_file():
            args += ["--ro-bind", "/dev/null", str(path)]
        else:
            args += ["--tmpfs", str(path)]
    if view.cwd is not None:
        args += ["--chdir", str(view.cwd)]
    inner = list(argv)
    if boundary.uid is not None:
        inner = drop_to(boundary.uid) + inner
    return args + ["--", "/bin/bash", "-c", INIT, "kit-box", str(report_fd),
                   "1" if counting else "0", *inner]


def _ancestors(paths):
    """The folders above PATHS, outermost first, but for the system's (/tmp's too)."""
    found = []
    for path in paths:
        for parent in reversed(Path(path).parents):
            if str(parent) != "/" and str(parent) not in SYSTEM_DIRS + PRIVATE_DIRS and \
                    parent not in found:
                found.append(parent)
    return found


def drop_to(uid):
    """The command that runs the rest as UID, with no groups, capabilities or way
    back (setpriv, from util-linux)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]


def read_report(data):
    """(status, processes left running) from a box's report, or (None, None)."""
    words = data.decode("ascii", "replace").split()
    if len(words) == 2 and all(w.lstrip("-").isdigit() for w in words):
        return int(words[0]), int(words[1])
    return None, None


def exit_code(code):
    """A box's exit code as Popen gives a program's: a shell reports a program that a
    signal ended as 128 + the signal's number."""
    if code is not None and 128 < code < 128 + 65:
        return -(code - 128)
    return code


# --- the run's network -------------------------------------------------------------

def run_command(boundary, argv):
    """ARGV (a whole grading run: the grader, its peers, Wine's server and, in their
    own boxes, the programs) in a network of its own holding only loopback, and a PID
    namespace that ends with it. The files are the host's: the grader needs them."""
    if not boundary.boxed:
        return list(argv)
    return [boundary.bwrap or "bwrap", "--die-with-parent", "--unshare-net",
            "--unshare-pid", "--dev-bind", "/", "/", "--proc", "/proc", "--dev", "/dev",
            "--", *argv]


# --- a uid's processes (the fallback's containment) ----------------------------------

def uid_processes(uid, proc_dir="/proc"):
    """PIDs of the live processes whose real user is UID."""
    found = []
    for entry in os.scandir(proc_dir):
        if not entry.name.isdigit():
            continue
        try:
            with open(os.path.join(entry.path, "status"), "rb") as f:
                status = f.read()
        except OSError:
            continue
        fields = dict(line.split(b":", 1) for line in status.splitlines() if b":" in line)
        try:
            real = int(fields.get(b"Uid", b"-1").split()[0])
            state = fields.get(b"State", b"").split()[0]
        except (IndexError, ValueError):
            continue
        if real == uid and state not in (b"Z", b"X"):
            found.append(int(entry.name))
    return found


def end_user_processes(uid, proc_dir="/proc", rounds=20):
    """Ends every process of user UID (the fallback's containment, at the end of each
    test: that user runs nothing else). True once none is left."""
    for _ in range(rounds):
        pids = uid_processes(uid, proc_dir)
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
    return not uid_processes(uid, proc_dir)


def grader_started(chosen, grade_dir, work, hidden):
    """Behind the fallback, the grader's files closed to the student's user: what the
    grader writes from now on readable by itself alone (its umask), the hidden tests
    closed, and the folders above each test's work directory open to pass only."""
    if chosen.kind != "user":
        return
    os.umask(0o077)
    close([hidden])
    for folder in (grade_dir, work):
        Path(folder).mkdir(parents=True, exist_ok=True)
        Path(folder).chmod(0o711)


def test_ended(chosen):
    """Behind the fallback, nothing of the student's user outlives a test."""
    if chosen.kind == "user":
        end_user_processes(chosen.uid)


def reference_products(root):
    """What of ROOT's build/ holds the reference or the hidden tests, made by the kit's
    own tools (make test, make mutation, make autograder, make classroom50): behind the
    fallback, closed to the student's user as the hidden tests are."""
    build = Path(root) / "build"
    return [*build.glob("*/solutions"), *build.glob("*/asan/solutions"), build / "mutation",
            build / "autograder-source", build / "autograder.zip", build / "classroom50"]


def close(paths):
    """The fallback's file boundary: each of PATHS (folders and files of the grader's:
    the hidden tests, the reference, the results) readable by the grader's user alone."""
    for path in paths:
        path = Path(path)
        if path.is_symlink():
            continue
        if path.is_dir():
            path.chmod(0o700)
        elif path.is_file():
            path.chmod(0o600)


def take_back(path):
    """After the compiler ran as the student's user: PATH (a build's folder) and what
    is in it the grader's again, readable and runnable by all, writable by the grader
    alone, so that no program of the student's rewrites a build, a status or a unit
    test program the grader reads later."""
    for folder, dirs, files in os.walk(path):
        for name in [folder, *(os.path.join(folder, n) for n in dirs + files)]:
            if os.path.islink(name):
                continue
            os.chown(name, os.getuid(), os.getgid())
            runnable = os.path.isdir(name) or os.stat(name).st_mode & 0o100
            os.chmod(name, 0o755 if runnable else 0o644)


def give(path, uid, recursive=False):
    """Makes PATH (a folder the grader made) the student user's, so that student
    code running as UID writes there and nowhere else of the grader's (RECURSIVE:
    what is in it too, for a user who has no other way to read it)."""
    if uid is None:
        return
    os.chown(path, uid, uid)
    if recursive:
        for folder, dirs, files in os.walk(path):
            for name in dirs + files:
                os.lchown(os.path.join(folder, name), uid, uid)
