"""One grading run of a tree, behind the boundary, that always ends with a result: the
run's users and closed files (the boundary's fallback), the run itself with its log,
ended at its time or when asked, and what it scored, in all and per lab.
"""
import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

from kit import boundary, budget, platform


# What a grading run does not inherit from its caller: make's own variables (a tree's
# make is no sub-make of the caller's) and what says which tree the grader grades.
NOT_INHERITED = ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES", "KIT_OUT", "KIT_SRC",
                 "KIT_LAB", "KIT_GRADE_DIR", "KIT_TARGET", "KIT_WRAPPER", "KIT_PASS_ENV",
                 "KIT_SEED", "KIT_GRADE_DEADLINE", "KIT_GRADE_JOBS", "KIT_JOBS",
                 "KIT_SANDBOX", "KIT_WINEPREFIX", "KIT_SANDBOX_UID", "KIT_SANDBOX_UID_HELD",
                 "KIT_SANDBOX_CHOSEN", "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT",
                 "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST")


# What a grading run keeps of its timeout to end and write its results: its grade's
# last tests fail unrun that long before the timeout (gradelib.budget.GRADE_DEADLINE),
# when the timeout is over twice as long.
REPORT_SECONDS = 60


# --- the boundary ---------------------------------------------------------------------

class Slots:
    """The users a batch's JOBS grade as, one block of boundary.JOB_UIDS each, so that
    no two submissions graded at once share one."""

    def __init__(self, jobs):
        self.free = queue.Queue()
        for slot in range(jobs):
            self.free.put(slot)

    @contextlib.contextmanager
    def taken(self):
        """A slot's first uid, its block held from every other grading run here
        (boundary.reserve_users) while the job grades."""
        slot = self.free.get()
        try:
            uid, lock = boundary.reserve_users(boundary.STUDENT_UID + slot * boundary.JOB_UIDS,
                                               environ={})
            with lock:
                yield uid
        finally:
            self.free.put(slot)


def write_private(path, text):
    """Writes TEXT to PATH whole (through a temporary file), readable by the grader's
    user alone."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w",
                   encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def close_tree(tree, outside, uid, hidden=()):
    """Where the boundary falls back to a separate user (boundary "user"), the files
    of a grading run closed to every other: TREE's labs to all but UID (its group),
    the tree's hidden tests and HIDDEN to all but the grader, and OUTSIDE (the run's
    own folder, its results in it) open to pass through only. (The tree itself stays
    open to list: make reads its folder.)"""
    if boundary.asked().kind != "user":
        return
    boundary.close([Path(tree) / "grader" / "hidden", *hidden])
    Path(outside).chmod(0o711)
    labs = Path(tree) / "labs"
    os.chown(labs, 0, uid)
    labs.chmod(0o750)


# --- grading ---------------------------------------------------------------------------

# The grading runs going on (batch.py runs several), and stop_all's request to end them.
RUNNING = set()
RUNNING_LOCK = threading.Lock()
STOP = threading.Event()
# What a grading run that is ended gets, after SIGTERM, for the grader in it to end its
# programs and write its reports, before SIGKILL (platform.kill_tree).
END_GRACE = 20


def run_logged(cmd, cwd, env, log, timeout):
    """Runs CMD with its output in LOG, ending its whole process group at TIMEOUT or
    when stop_all asks. Returns its exit code, or None when it was ended."""
    deadline = time.monotonic() + timeout
    # The grader's alone: behind the boundary's fallback the student's user could
    # otherwise read what the grader says of the hidden tests as it runs.
    with os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=out, stderr=subprocess.STDOUT,
                                **platform.tree_options())
        with RUNNING_LOCK:
            RUNNING.add(proc)
        try:
            while True:
                try:
                    return proc.wait(timeout=0.2)
                except subprocess.TimeoutExpired:
                    if STOP.is_set() or time.monotonic() > deadline:
                        platform.kill_tree(proc, grace=END_GRACE)
                        platform.wait_exit(proc, 10)
                        platform.reap(proc)
                        return None
        finally:
            with RUNNING_LOCK:
                RUNNING.discard(proc)


def stop_all(timeout=60):
    """Ends every grading run going on, and waits until they are gone."""
    STOP.set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with RUNNING_LOCK:
            if not RUNNING:
                return
        time.sleep(0.1)


def shell_command(words, msys2=None):
    """WORDS as a command; with MSYS2 (its root, on Windows), run in its UCRT64 shell."""
    if not msys2:
        return list(words)
    line = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    return [str(Path(msys2) / "usr" / "bin" / "bash.exe"), "-lc", line]


def sudo_works():
    """Whether this grader, not root, may become root without a password (a GitHub
    Actions runner may): as root, the grade gets the boundary's own user."""
    if platform.ON_WINDOWS or platform.running_as_root() or shutil.which("sudo") is None:
        return False
    try:
        return subprocess.run(["sudo", "-n", "true"], stdin=subprocess.DEVNULL,
                              capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def as_root(words, env):
    """WORDS run as root through sudo, in ENV (sudo would reset PATH)."""
    return ["sudo", "-n", "-E", "env", f"PATH={env.get('PATH', '')}", *words]


def grade_tree(tree, out, target="native", seed=None, timeout=1800, setup=False,
               msys2=None, extra_env=None, jobs=None, sudo=False):
    """Builds and grades TREE (make grade; JOBS: its GRADE_JOBS, the tests it runs at a
    time), with its logs and reports under OUT; SUDO: as root, through sudo.
    Returns a Graded, whose results are the grader's results.json or, when the grader
    did not leave one, a result that says why."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if boundary.asked().kind == "user":
        # OUT only lets the student's user pass, to the work directories below it.
        out.chmod(0o711)
    grade_dir = out / "grade"
    shutil.rmtree(grade_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env.update(KIT_GRADE_DIR=str(grade_dir.resolve()), KIT_SANDBOX="1", **(extra_env or {}))
    if not sudo:        # root chooses for itself
        env["KIT_SANDBOX_CHOSEN"] = boundary.as_text(boundary.asked())
    if msys2:
        env.update(MSYSTEM="UCRT64", CHERE_INVOKING="1")
    if seed is not None:
        env["KIT_SEED"] = str(seed)
    # The grade ends with a score within TIMEOUT: its last tests fail unrun if need be
    # (a timeout too short to keep REPORT_SECONDS of it has no deadline).
    if timeout > 2 * REPORT_SECONDS:
        env[budget.GRADE_DEADLINE] = f"{time.time() + timeout - REPORT_SECONDS:.0f}"
    started = time.monotonic()
    steps = []
    if setup:
        steps.append(("setup", ["sh", "labs/common/setup.sh", target]))
    # Behind the boundary (grader/box.py): the compiler in a box of its own here, and
    # make grade's own build and every program with SANDBOX=1.
    compile_box = ["python3", "grader/box.py", "compile",
                   "--writable", f"build/{target}/labs", "--writable", f"build/{target}/common",
                   *(["--readable", "build/mingw/check"] if target == "mingw" else []), "--"]
    steps += [("build", compile_box + ["make", "--no-print-directory", "-k",
                                       f"TARGET={target}", "all"]),
              ("grade", ["make", "--no-print-directory", f"TARGET={target}", "grade",
                         "SANDBOX=1", *([f"GRADE_JOBS={jobs}"] if jobs else [])])]
    codes = {}
    for name, words in steps:
        left = timeout - (time.monotonic() - started)
        if sudo and name != "setup":
            words = as_root(words, env)
        code = run_logged(shell_command(words, msys2), tree, env, out / f"{name}.log",
                          max(left, 1))
        codes[name] = code
        if code is None or (name == "setup" and code != 0):
            break
    if sudo:            # what root wrote, back to this user, who cleans up after
        subprocess.run(as_root(["chown", "-R", f"{os.getuid()}:{os.getgid()}", str(out),
                                str(tree)], env), capture_output=True, timeout=120)
    return Graded(out, codes, time.monotonic() - started, timeout)


class Graded:
    """One grading run of a tree: how each step ended, and its results."""

    def __init__(self, out, codes, seconds, timeout):
        self.out = Path(out)
        self.codes = codes
        self.seconds = seconds
        path = self.out / "grade" / "results.json"
        try:
            self.results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.results = None
        self.timed_out = None in codes.values()
        self.timeout = timeout

    def log(self, step, limit=None):
        try:
            text = (self.out / f"{step}.log").read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text if limit is None or len(text) <= limit else text[-limit:]

    def build_errors(self):
        """{lab folder: its compiler's error lines} of the labs that did not build."""
        errors, lab = {}, None
        for line in self.log("build").splitlines():
            m = re.search(r"labs/(\d\d-[\w-]+)/[\w.]+:\d+(?::\d+)?: (?:fatal )?error: ", line)
            if m:
                lab = m.group(1)
                errors.setdefault(lab, []).append(line.rstrip())
            elif lab and re.match(r"^ +(\d+ )?\|", line):     # the code it points at
                errors[lab].append(line.rstrip())
            else:
                lab = None
        return errors

    @property
    def status(self):
        """graded, build failed, timed out, setup failed or grader failed."""
        if self.codes.get("setup") not in (None, 0) or ("setup" in self.codes and
                                                        self.codes["setup"] is None):
            return "setup failed"
        if self.timed_out:
            return "timed out"
        if self.results is None or not self.results.get("tests"):
            return "grader failed"
        if self.codes.get("build") != 0:
            return "build failed"
        return "graded"

    def why(self):
        """A line saying what went wrong, for a result without the grader's own."""
        if self.status == "setup failed":
            return "installing the kit's packages failed:\n" + self.log("setup", 3000)
        if self.timed_out:
            return f"grading did not finish within {self.timeout:.0f} s"
        return "the grader ended without results:\n" + self.log("grade", 3000)

    def result(self):
        """The grader's results.json, or one that scores 0 and says why."""
        if self.status in ("graded", "build failed"):
            return self.results
        partial = self.results or {"tests": []}
        return {"score": sum(t["score"] for t in partial["tests"]),
                "max_score": sum(t["max_score"] for t in partial["tests"]),
                "execution_time": round(self.seconds, 2), "output": self.why(),
                "tests": partial["tests"]}


def per_lab(results):
    """{lab number: {"score", "max_score", "hidden"}} from a grader's results.json."""
    labs = {}
    for test in results.get("tests", []):
        m = re.match(r"Lab (\d+)[: ]", test["name"])     # a challenge too: "Lab 01 challenge"
        lab = labs.setdefault(m.group(1) if m else "kit",
                              {"score": 0, "max_score": 0, "hidden": 0})
        lab["score"] += test["score"]
        lab["max_score"] += test["max_score"]
        lab["hidden"] += bool(test.get("extra_data", {}).get("hidden"))
    return labs
