"""Scoring: points per behaviour, the summary students read, and the files graders
read (build/grade/results.json in Gradescope's format, and JUnit XML beside it).

Works with pytest-xdist: each worker attaches what it knows to the test report, and
the controlling process, which sees every report, does the scoring.
"""
import json
import os
import re
import time
from pathlib import Path

import pytest

from . import page, platform
from .proc import printable

# KIT_GRADE_DIR lets the kit's own tests grade several trees at once.
GRADE_DIR = Path(os.environ.get("KIT_GRADE_DIR") or platform.ROOT / "build" / "grade")
TRANSCRIPTS = GRADE_DIR / "transcripts"
# The report page (gradelib.page), written at the end of a run.
PAGE = GRADE_DIR / "report.html"
# Written into a students' handout in place of grader/hidden/: how many hidden tests
# each lab has, so that the summary can say what it does not grade.
HIDDEN_COUNTS = Path(__file__).resolve().parents[1] / "hidden-tests.json"
# The output kept per test in results.json; the transcript on disk has the rest.
RESULT_OUTPUT_LIMIT = 4096


def points_of(item):
    marker = item.get_closest_marker("points")
    return marker.args[0] if marker else 0


def is_challenge(item):
    """Whether ITEM is a lab's optional challenge: its points are a bonus, shown apart
    from the lab's score, which reaches full marks without it."""
    return item.get_closest_marker("challenge") is not None


def lab_of(nodeid):
    m = re.search(r"test_lab(\d+)_", nodeid)
    return m.group(1) if m else "kit"


def is_hidden(nodeid):
    """Whether NODEID is a hidden test: one in grader/hidden/, which the students'
    handout leaves out and the autograders run (docs/grading.md, "Hidden tests")."""
    return "hidden/" in nodeid.split("::")[0].replace("\\", "/")


def title_of(item):
    doc = getattr(item.function, "__doc__", None) or item.name
    return doc.strip().splitlines()[0]


def lab_title(item):
    doc = item.module.__doc__ or ""
    return doc.strip().splitlines()[0] if doc.strip() else lab_of(item.nodeid)


class Scoreboard:
    """Collects one entry per test, in the controlling process."""

    def __init__(self, config):
        self.config = config
        self.entries = {}
        self.order = []
        self.started = time.monotonic()

    # Called for each phase's report (setup, call, teardown), possibly from workers.
    def record(self, report):
        props = dict(report.user_properties)
        if "points" not in props:
            return
        entry = self.entries.get(report.nodeid)
        if entry is None:
            entry = {"nodeid": report.nodeid, "name": props["title"], "lab": props["lab"],
                     "lab_title": props["lab_title"], "max_score": props["points"],
                     "status": "passed", "output": "", "duration": 0.0,
                     "challenge": bool(props.get("challenge")),
                     "not_started": bool(props.get("not_started")),
                     "build": props.get("build"),
                     "index": props.get("index", len(self.order))}
            self.entries[report.nodeid] = entry
            self.order.append(report.nodeid)
            self.order.sort(key=lambda nodeid: self.entries[nodeid]["index"])
        entry["duration"] += report.duration
        if getattr(report, "wasxfail", None) is not None and (report.skipped or
                                                               report.when == "call"):
            # A known platform difference (platform.wine_differs): the behaviour
            # cannot be seen here, so it is worth nothing here, rather than nothing
            # earned. Should it pass after all, the strict xfail fails it (one that
            # Wine shows only at times, WINE_DIFFERS_AT_TIMES, is ungraded either way).
            reason = report.wasxfail.removeprefix("reason: ")
            if not reason.startswith("not graded"):
                reason = "not graded on this platform: " + reason
            entry.update(max_score=0, status="passed", ungraded=True, output=reason)
        elif report.failed or (report.skipped and report.when != "teardown"):
            if entry["status"] == "passed":
                entry["status"] = "failed"
                entry["output"] = failure_text(report)
                if props.get("replay"):     # the test's seed, to replay it
                    entry["output"] += "\n" + props["replay"]
        # A failed test's programs' calls, for the report page (gradelib.page.kept):
        # on its teardown's report, once its programs have ended.
        drawn = getattr(report, "kit_calls", None)
        if drawn and entry["status"] == "failed":
            entry["calls"] = drawn
            entry["expected"] = getattr(report, "kit_expected", None)
        self.write_results()

    def score(self, entry):
        return entry["max_score"] if entry["status"] == "passed" else 0

    def graded(self, entries):
        return [e for e in entries if not e["challenge"]]

    def bonus(self, entries):
        """The challenges' points among ENTRIES: earned, and offered."""
        challenges = [e for e in entries if e["challenge"]]
        return sum(self.score(e) for e in challenges), sum(e["max_score"] for e in challenges)

    def labs(self):
        labs = {}
        for nodeid in self.order:
            entry = self.entries[nodeid]
            labs.setdefault(entry["lab"], []).append(entry)
        return labs

    def totals(self, entries=None):
        """The score and the full marks of ENTRIES (default: all), challenges aside."""
        entries = self.graded(self.entries.values() if entries is None else entries)
        return sum(self.score(e) for e in entries), sum(e["max_score"] for e in entries)

    def write_results(self):
        """results.json after every test, so a run that is cut short still leaves one."""
        GRADE_DIR.mkdir(parents=True, exist_ok=True)
        data = self.results_data()
        tmp = GRADE_DIR / "results.json.tmp"
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=True) + "\n", encoding="ascii")
        os.replace(tmp, GRADE_DIR / "results.json")

    def results_data(self):
        """What results.json holds."""
        score, total = self.totals()
        tests = [self.result(e) for e in map(self.entries.get, self.order)]
        return {"score": score, "max_score": total, "execution_time": round(
                    time.monotonic() - self.started, 2),
                "output": f"Score: {score}/{total} (target {platform.TARGET}, "
                          f"tree {os.environ.get('KIT_SRC', 'labs')})",
                "boundary": boundary_entry(), "tests": tests}

    def write_page(self):
        """The report page (gradelib.page), at the end of the run: the line that names
        it, or that says why it was not written (a page is never worth a grade)."""
        titles = {}
        for entry in self.entries.values():
            titles.setdefault(entry["lab"], entry["lab_title"])
        try:
            page.write(PAGE, self.results_data(), titles, transcript_path)
        except Exception as error:       # noqa: BLE001 - the grade is written already
            return f"Report page: not written ({type(error).__name__}: {error})"
        return f"Report page: {shown(PAGE)} (open it in a browser)"

    def result(self, e):
        """ENTRY as a test of results.json. A challenge scores 0 of 0 there, its bonus
        in extra_data, so that every total read from the file leaves it out."""
        extra = {"test": e["nodeid"].split("/")[-1], "duration": round(e["duration"], 3),
                 "hidden": is_hidden(e["nodeid"])}
        name, score, top = f"Lab {e['lab']}: {e['name']}", self.score(e), e["max_score"]
        if e["challenge"]:
            extra.update(challenge=True, bonus=score, bonus_max=top)
            name, score, top = f"Lab {e['lab']} challenge (bonus {score}/{top}): {e['name']}", 0, 0
        if e["not_started"]:
            extra["not_started"] = True
        if e.get("build"):       # which build its programs came from (gradelib.build)
            extra["build"] = e["build"]
        if e.get("calls"):       # what the report page draws (gradelib.page)
            extra["calls"] = e["calls"]
            if e.get("expected"):
                extra["expected"] = e["expected"]
        return {"name": name, "score": score, "max_score": top, "status": e["status"],
                "output": clip(e["output"]), "extra_data": extra}

    def summary(self, write):
        labs = self.labs()
        for lab, entries in labs.items():
            write(f"\n== Lab {lab}: {entries[0]['lab_title']}")
            got, top = self.totals(entries)
            if all(e["not_started"] for e in entries):
                write(f"  ---- {got:>3}/{top:<3} not started: {NOT_STARTED_WHY} "
                      f"(make grade LAB={lab} runs its tests)")
                continue
            self.lines(self.graded(entries), write)
            challenges = [e for e in entries if e["challenge"]]
            if challenges:
                write("  challenge (bonus points, not in the lab's score):")
                self.lines(challenges, write)
            write(f"  Lab {lab}: {got}/{top}" + self.bonus_text(entries))
        score, total = self.totals()
        if len(labs) > 1:
            write("\nLabs:")
            for lab, entries in labs.items():
                got, top = self.totals(entries)
                state = ("  not started" if all(e["not_started"] for e in entries) else
                         "  full marks" if got == top else "")
                write(f"  {lab}  {got:>3}/{top:<3}{self.bonus_text(entries)}{state}"
                      f"  {entries[0]['lab_title']}")
        write(f"\nScore: {score}/{total}" + self.bonus_text(self.entries.values()))
        note = hidden_note(self.labs())
        if note:
            write(note)
        failed = [e for e in self.entries.values()
                  if e["status"] != "passed" and not e["not_started"]]
        if failed:
            write(f"Transcripts of the {len(failed)} failed tests: "
                  f"{shown(TRANSCRIPTS)}/")
        write(f"Results: {shown(GRADE_DIR / 'results.json')}")
        write(self.write_page())
        write(f"Boundary: {platform.boundary.current().describe()}")


    def lines(self, entries, write):
        for e in entries:
            mark = "PASS" if e["status"] == "passed" else "FAIL"
            if e.get("ungraded"):
                mark = "SKIP"
            write(f"  {mark} {self.score(e):>3}/{e['max_score']:<3} {e['name']}")
            if (e["status"] != "passed" or e.get("ungraded")) and e["output"]:
                for line in clip(e["output"], 1500).splitlines():
                    write("             " + line)

    def bonus_text(self, entries):
        got, top = self.bonus(entries)
        return f" (+ challenge {got}/{top})" if top else ""


# Why a lab's tests did not run (gradelib.starters).
NOT_STARTED_WHY = "its C files are still the starter's"


def boundary_entry():
    """What contained the student's code in this run, for results.json."""
    chosen = platform.boundary.current()
    return {"kind": chosen.kind, "description": chosen.describe(),
            "user": chosen.uid}


def hidden_note(labs):
    """What a handout's grader does not grade: the hidden tests of the labs LABS."""
    try:
        counts = json.loads(HIDDEN_COUNTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    counts = {lab: n for lab, n in sorted(counts.items()) if lab in labs and n}
    if not counts:
        return None
    n = sum(counts.values())
    each = ", ".join(f"lab {lab}: {k}" for lab, k in counts.items())
    return (f"Not graded here: {n} hidden test{'s' if n != 1 else ''} ({each}), "
            f"which the autograder runs when you submit.")


def clip(text, limit=RESULT_OUTPUT_LIMIT):
    """TEXT cut to LIMIT characters, with control characters escaped."""
    text = printable(text)
    if len(text) > limit:
        text = text[:limit] + f"\n... ({len(text) - limit} more characters in the transcript)"
    return text


def failure_text(report):
    """The student-facing message of a failed or skipped report."""
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple):
        return "not run: " + str(longrepr[2]).removeprefix("Skipped: ")
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        message = crash.message
        # Our Failure messages start with the class path; show only the words.
        message = re.sub(r"^(\w+\.)*(Failure|AssertionError|Failed): ", "", message)
        return _peer_error(message) or message
    return str(longrepr)


# What a socket error on the grader's side of a connection says about the program.
PEER_ERRORS = {
    "ConnectionRefusedError": "Nothing was listening: the server had exited, or closed "
                              "its listening socket, or never listened.",
    "TimeoutError": "The program stopped answering: it is waiting in a call that does not "
                    "return (serving another client? waiting for data that never comes?).",
    "ConnectionResetError": "The program reset the connection: it closed its socket "
                            "with data still unread, or exited.",
    "BrokenPipeError": "The program closed the connection while the grader was still "
                       "sending: it stopped reading too early.",
    "ConnectionAbortedError": "The connection was aborted on the program's side.",
}
PEER_ERRORS["timeout"] = PEER_ERRORS["TimeoutError"]


def _peer_error(message):
    """A socket error raised in a test: said in the student's terms, with a hint."""
    m = re.match(r"^(?:\w+\.)*(\w+): (.*)", message, re.S)
    if not m or m.group(1) not in PEER_ERRORS:
        return None
    return (f"the grader's connection to the program failed: {m.group(2).strip()}\n"
            f"hint:     {PEER_ERRORS[m.group(1)]}")


def file_name(nodeid):
    """A file name for a test, unique across labs: lab01_wsastartup-test_resolve_ipv4."""
    module, _, name = nodeid.rpartition("::")
    module = module.rsplit("/", 1)[-1].removesuffix(".py").removeprefix("test_")
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{module}-{name}").strip("_")


def transcript_path(nodeid):
    return TRANSCRIPTS / f"{platform.TARGET}-{file_name(nodeid)}.txt"


def shown(path):
    try:
        return str(path.relative_to(platform.ROOT))
    except ValueError:
        return str(path)
