"""Helpers of the kit's own tests: building trees (the reference, the starters,
mutants) and grading them with the real grader, in a subprocess, as `make grade` does."""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "grader"))

from gradelib import platform  # noqa: E402

TARGET = platform.TARGET
BUILD = ROOT / "build" / TARGET
# One kit run: its pytest-xdist workers inherit it, so that a patched build made by
# one of them in this run is used by the others, not made again under their feet.
SESSION = os.environ.setdefault("KIT_SESSION", uuid.uuid4().hex)
# grader/pytest.sh turns MSYS2's argument rewriting off for pytest alone; the builds
# these tests start (make, then gcc) get MSYS2's usual conversion of their paths.
os.environ.pop("MSYS2_ARG_CONV_EXCL", None)


# The modules of the longest tests, run first: pytest-xdist hands tests out in this
# order, and a long test handed out last would leave one worker running alone at the end
# while the other has nothing left to take.
LONGEST_FIRST = ["test_reference.py", "test_variants.py", "test_batch.py", "test_handout.py",
                 "test_hostile.py", "test_verdicts.py", "test_boundary.py",
                 "test_gradescope.py"]


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)


def pytest_configure(config):
    # A skipped kit test says why, at the end of every run.
    if "s" not in config.option.reportchars:
        config.option.reportchars += "s"
    if not hasattr(config, "workerinput"):
        platform.prepare()


class Graded:
    """One grading run: its exit code, what it printed and its results.json."""

    def __init__(self, proc, grade_dir, seconds, run_id):
        self.returncode = proc.returncode
        self.output = proc.stdout
        self.seconds = seconds
        self.run_id = run_id
        self.grade_dir = grade_dir
        path = grade_dir / "results.json"
        self.results = json.loads(path.read_text()) if path.exists() else None

    def report(self):
        """What it printed, then its transcripts: a failed run's whole story, in the
        assertion message, since tmp_path does not outlive a few sessions."""
        parts = [self.output]
        for path in sorted((self.grade_dir / "transcripts").glob("*.txt")):
            parts.append(f"--- {path.name}\n{path.read_text(errors='replace')[:16384]}")
        if platform.UNDER_WINE and platform.WINESERVER_LOG.exists():
            tail = platform.WINESERVER_LOG.read_bytes()[-4096:].decode(errors="replace")
            parts.append(f"--- {platform.WINESERVER_LOG.name} (its end)\n{tail}")
        return "\n".join(parts)

    def test(self, name):
        """The results.json entry of the grader test function NAME."""
        for entry in self.results["tests"]:
            if entry["extra_data"]["test"].endswith("::" + name):
                return entry
        raise AssertionError(f"{name} is not in results.json:\n{self.output}")

    def line(self, title):
        """The summary line (and its message) of the test titled TITLE."""
        lines = self.output.splitlines()
        for i, line in enumerate(lines):
            if line.rstrip().endswith(title):
                block = [line]
                for more in lines[i + 1:]:
                    if not more.startswith("             "):
                        break
                    block.append(more)
                return "\n".join(block)
        raise AssertionError(f"no line for '{title}' in:\n{self.output}")


def grader_env(out_dir, grade_dir, run_id, extra=None):
    """The environment of a grading run of OUT_DIR into GRADE_DIR, marked RUN_ID."""
    # The reference is graded in its build with the sanitizers too, where make test
    # makes one.
    sanitized = BUILD / "asan" / "solutions"
    if Path(out_dir) == BUILD / "solutions" and sanitized.is_dir():
        extra = dict({"KIT_SANITIZED_OUT": str(sanitized)}, **(extra or {}))
    return dict(os.environ, KIT_TARGET=TARGET, KIT_OUT=str(out_dir),
                KIT_GRADE_DIR=str(grade_dir), KIT_RUN_ID=run_id, KIT_LAB="", **(extra or {}))


def grader_args(select=(), options=()):
    """The grader's arguments: the tests SELECT (node ids under grader/, default all),
    then OPTIONS; in parallel when make test was given GRADE_JOBS=N."""
    args = [f"grader/{s}" for s in select] or ["grader"]
    args += list(options)
    jobs = os.environ.get("KIT_GRADE_JOBS", "")
    if jobs not in ("", "0", "1"):
        args += ["-n", jobs]
    return args


def grade(out_dir, tmp_path, *select, timeout=600, env=None, options=(), boundary=False):
    """Grades the programs built in OUT_DIR, with the grader tests SELECT (node ids
    under grader/, default all), the way `make grade` does. ENV adds variables;
    OPTIONS adds pytest options (e.g. "-m", "memcheck"); BOUNDARY grades behind the
    boundary, as `make grade SANDBOX=1` does (grader/box.py)."""
    run_id = uuid.uuid4().hex
    grade_dir = tmp_path / "grade"
    env = grader_env(out_dir, grade_dir, run_id, env)
    args = grader_args(select, options)
    command = ["sh", "grader/pytest.sh", *args]
    if boundary:
        env["KIT_SANDBOX"] = "1"
        command = [sys.executable, "grader/box.py", "run", "--", *command]
    started = time.monotonic()
    proc = subprocess.run(command, cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace", timeout=timeout)
    graded = Graded(proc, grade_dir, time.monotonic() - started, run_id)
    assert graded.results is not None, f"no results.json:\n{graded.output}"
    return graded


def marked(run_id, programs_only=False):
    """PIDs of the live processes carrying RUN_ID in their environment (Linux only);
    PROGRAMS_ONLY: only those the grader started as programs (or their children)."""
    marker = f"KIT_RUN_ID={run_id}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            state = platform.stat_fields(entry)[0]
            env = (entry / "environ").read_bytes().split(b"\0")
            program = any(v.startswith(platform.MARK.encode() + b"=") for v in env)
            if state not in (b"Z", b"X") and marker in env and (program or not programs_only):
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def need_tool(name):
    """The path of the tool NAME, or a skip saying it is missing."""
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (labs/common/setup.sh installs it)")
    return path


def leftovers(run_id, wait=5.0):
    """PIDs of processes still carrying RUN_ID in their environment (Linux only): the
    processes a grading run started and did not end. Waits up to WAIT seconds for
    the killed ones to be gone."""
    deadline = time.monotonic() + wait
    while True:
        found = marked(run_id)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def build_patched(kind, patch, sanitize=False):
    """Builds the lab that PATCH changes, from the reference solutions with PATCH
    applied (SANITIZE: with the sanitizers), once per kit run; returns the OUT
    directory. Parallel workers wait for the one building it."""
    name = f"{patch.parent.name}-{patch.stem}"     # ipv4-only is a mutant of two labs
    base = BUILD / (kind + ("-asan" if sanitize else "")) / name
    out = base / "out"
    built = base / "built"
    with platform.exclusive(base.with_name(name + ".lock")):
        if built.exists() and built.read_text() == SESSION:
            return out
        tree = base / "src"
        shutil.rmtree(base, ignore_errors=True)
        shutil.copytree(ROOT / "solutions", tree)
        applied = subprocess.run(["patch", "-s", "-p1", "-d", str(tree), "-i", str(patch)],
                                 capture_output=True, text=True)
        assert applied.returncode == 0, \
            f"{patch.name} does not apply:\n{applied.stdout}{applied.stderr}"
        made = subprocess.run(["make", "--no-print-directory", f"TARGET={TARGET}",
                               f"SRC={tree.relative_to(ROOT).as_posix()}",
                               f"OUT={out.relative_to(ROOT).as_posix()}",
                               f"SANITIZE={1 if sanitize else ''}",
                               *patched_programs(patch, out)], cwd=ROOT, capture_output=True,
                              text=True)
        assert made.returncode == 0, \
            f"{patch.name} does not build:\n{made.stdout}{made.stderr}"
        built.write_text(SESSION)
    return out


# Where make grade builds a tree with the sanitizers too (native Linux and macOS) and
# grades every line in that build: the kit's tests grade a patched tree there alike.
SANITIZERS = platform.SANITIZERS


def build_graded(kind, patch):
    """Builds PATCH as make grade would grade it: with the sanitizers where they run
    (every test runs that build; gradelib.build.sanitizing), plainly elsewhere.
    Returns (OUT, the grading run's extra environment)."""
    if not SANITIZERS:
        return build_patched(kind, patch), {}
    out = build_patched(kind, patch, sanitize=True)
    return out, {"KIT_SANITIZED_OUT": str(out)}


def patched_programs(patch, out):
    """The programs (and unit test programs) of the labs PATCH changes, and of the
    later labs that link what it changes (lab 05 links lab 02's connect.c), with the unit
    tests of the earlier labs those link, as make targets under OUT; of those labs, only
    the ones whose tests the patch names in Caught-by. Building only those keeps a
    mutant's build short."""
    changed = set(re.findall(r"^\+\+\+ b/([^/\s]+)/", patch.read_text(), re.M))
    fragments = {p.parent.name: p.read_text()
                 for p in (ROOT / "labs").glob("[0-9][0-9]-*/Makefile.local")}
    labs = {lab for lab, text in fragments.items()
            if lab in changed or any(f"{c}/" in text for c in changed)}
    # A patch that names the tests catching it is graded by those alone: only their labs.
    caught = {f"{m}-" for m in re.findall(r"\btest_lab(\d\d)_",
                                         " ".join(patch_fields(patch).get("Caught-by", [])))}
    labs = {lab for lab in labs if lab[:3] in caught} or labs
    # and the unit tests of the earlier labs they link, which their grade runs too
    earlier = {need for lab in labs for need in re.findall(r"\b(\d\d-[a-z0-9-]+)/\w",
                                                          fragments[lab]) if need != lab}
    names = []
    for lab in sorted(labs):
        names += re.findall(r"call lab_(?:program|units|model),[^,]+,(\w+),", fragments[lab])
    for lab in sorted(earlier - labs):
        names += re.findall(r"call lab_units,[^,]+,(\w+),", fragments[lab])
    assert names, f"{patch.name} changes no lab the Makefile knows"
    return [platform.program_path(out.relative_to(ROOT), n).as_posix() for n in names]


def patch_fields(patch):
    """The header of a patch file (the lines before its diff), as {field: [values]}:
    "Name: value" lines, each continued by the lines that follow it."""
    fields, last = {}, None
    for line in patch.read_text().split("\n---", 1)[0].splitlines():
        m = re.match(r"^([A-Z][\w-]*): (.*)$", line)
        if m:
            last = fields.setdefault(m.group(1), [])
            last.append(m.group(2).strip())
        elif line.strip() and last is not None:
            last[-1] += " " + line.strip()
    return fields


def patch_header(patch):
    """The Mutant: and Caught-by: lines of a patch file."""
    fields = patch_fields(patch)
    return fields["Mutant"][0], fields["Caught-by"][0]


# The kinds of programs a mutant can be a bug of (platform.Host.programs).
PROGRAM_KINDS = ("windows", "posix")


def patch_targets(patch):
    """The kinds of programs a mutant is a bug of (its Targets: line: windows, posix
    or both, then the reason in brackets), default both. Not TARGET: on Windows a
    native build is Windows programs."""
    line = patch_fields(patch).get("Targets", [" ".join(PROGRAM_KINDS)])[0]
    kinds = line.split("(", 1)[0].split()
    unknown = set(kinds) - set(PROGRAM_KINDS)
    assert not unknown, f"{patch.name}: Targets: {' '.join(sorted(unknown))} is not " \
        f"a kind of programs ({' or '.join(PROGRAM_KINDS)})"
    return kinds


def patch_applies(patch, host=None):
    """Whether PATCH's bug exists in the programs HOST (default: this one) runs."""
    return (host or platform.HOST).programs in patch_targets(patch)


# Where a Windows program differs from a POSIX one, in a mutant's changed lines:
# Winsock's own names, and the calls and options whose meaning differs between them.
WINDOWS_NAMES = re.compile(
    r"\b(WSA\w*|closesocket|ioctlsocket|SOCKET_ERROR|INVALID_SOCKET|SOCKET|"
    r"SO_EXCLUSIVEADDRUSE|SO_REUSEADDR|SO_LINGER|l_onoff|l_linger|shutdown|SD_\w+|"
    r"_WIN32|errno|select|FD_\w+|fd_set|timeval)\b")


def patch_is_windows_bug(patch):
    """Whether PATCH's bug lies where Windows programs differ from POSIX ones: its
    Targets: line says windows only, its Mutant: line names Windows or Winsock, or a
    line it changes names a Winsock call, constant or type (WINDOWS_NAMES). Any other
    mutant is the same bug in every kind of programs."""
    if patch_targets(patch) == ["windows"]:
        return True
    if re.search(r"\bWin(dows|sock)\b", patch_header(patch)[0]):
        return True
    diff = patch.read_text().split("\n---", 1)[1]
    return any(WINDOWS_NAMES.search(line) for line in diff.splitlines()
               if line[:1] in "+-" and not line.startswith(("+++", "---")))
