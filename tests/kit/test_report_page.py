"""The report page of a grade (build/grade/report.html, grader/gradelib/page.py): a
mutant's failed line draws the program's recorded calls in order, the injected fault
where it struck and the step that left the expected path; the reference's page shows
no failure; whatever a program prints or writes into its call record, the page holds
no markup of its own. Where Chromium is installed, it loads the mutant's page from
disk and a screenshot of it is kept (under the kit tests' folder, a CI artifact).

The same diagram in Mermaid (grader/gradelib/mermaid.py), in the GitHub job summary
(grader/summary.py) and Gradescope's per-test output: the mutant's calls as arrows in
order with the fault's note, none for the reference, bounded, and escaped."""
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import warnings
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from conftest import BUILD, ROOT, build_graded, build_patched, grade
from gradelib import browser, calls, mermaid, page, platform

sys.path.insert(0, str(ROOT / "grader" / "course"))
import gradescope  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"
# A client whose send loop stops after the first send: under the short-send fault the
# server gets part of the line.
SEND_ONCE = ROOT / "tests" / "mutants" / "lab02" / "send-once.patch"
SEND_ONCE_TEST = "test_lab02_tcp_client.py::test_ipv4"
MARKUP = ROOT / "tests" / "kit" / "hostile" / "markup-output.patch"
# Every element the page is made of: none other may come from a program.
ELEMENTS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
            "b", "table", "tr", "th", "td", "a", "span", "section", "article", "dl", "dt",
            "dd", "pre", "code", "div", "svg", "defs", "marker", "path", "g", "line",
            "rect", "text", "polygon"}


def parsed(graded):
    """The page of a grading run, read as XML (the page is well-formed: a browser
    reads it as HTML, a test as XML)."""
    text = (graded.grade_dir / "report.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>\n"), text[:200]
    return text, ET.fromstring(text.split("\n", 1)[1])


def named_page(graded):
    """Whether the summary's last lines name the page, after results.json."""
    lines = graded.output.splitlines()
    at = max(i for i, line in enumerate(lines) if line.startswith("Results: "))
    m = re.fullmatch(r"Report page: (.*) \(open it in a browser\)", lines[at + 1])
    return m is not None and \
        (ROOT / m.group(1)).resolve() == (graded.grade_dir / "report.html").resolve()


def failure(root, name):
    """The article of the failed line whose title ends with NAME."""
    for article in root.iter("article"):
        if "".join(article.find("h3").itertext()).endswith(name):
            return article
    raise AssertionError(f"no failure titled '{name}' on the page")


@pytest.fixture(scope="module")
def send_once(tmp_path_factory):
    out, env = build_graded("mutants", SEND_ONCE)
    return grade(out, tmp_path_factory.mktemp("send-once"), SEND_ONCE_TEST, env=env)


def test_a_mutants_page_draws_its_calls(send_once):
    graded = send_once
    entry = graded.test("test_ipv4")
    assert entry["status"] == "failed", graded.report()
    assert named_page(graded), graded.output
    text, root = parsed(graded)
    article = failure(root, entry["name"])
    svg = next((s for s in article.iter(f"{SVG}svg") if s.get("class") == "sequence"), None)
    assert svg is not None, text
    steps = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "step"]
    client = [g for g in steps if g.get("data-program") == "1"]
    # The calls in the record's order: their lines rise, and the client connects,
    # sends, reads the reply to its end and closes.
    lines = [int(g.get("data-line")) for g in client if g.get("data-line")]
    assert lines == sorted(lines) and len(set(lines)) == len(lines), lines
    names = [g.get("data-call") for g in client]
    order = [names.index(n) for n in ("WSAStartup", "socket", "connect", "send", "recv",
                                      "closesocket", "exit")]
    assert order == sorted(order), names
    record = calls.read(next((graded.grade_dir / "work").glob("*/calls-1.txt")))
    assert set(lines) <= {c.number for c in record.calls}, (lines, record.lines)
    # The fault where it struck: on the first send, which took part of the line.
    faults = [g for g in svg.iter(f"{SVG}g") if g.get("class") == "fault"]
    assert faults, text
    first_send = next(g for g in client if g.get("data-call") == "send")
    assert any(f in list(first_send) for f in faults), "no fault marker on the send"
    assert "fault: short send" in "".join(first_send.itertext())
    # The step that left the path: that send, whose rest the client never sent.
    highlights = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "highlight"]
    assert len(highlights) == 1, text
    kept = entry["extra_data"]["calls"][0]
    marked = kept["steps"][kept["mark"]]
    assert marked["text"].startswith("send(") and "[fault: short send]" in marked["text"]
    children = list(svg)
    after = children[children.index(highlights[0]) + 1]
    assert after is first_send
    why = "".join(next(p for p in article.iter("p") if p.get("class") == "why").itertext())
    assert "send took" in why and "never sent" in why, why
    # The failure's parts and its replay.
    terms = [dt.text for dt in article.iter("dt")]
    assert "Hint" in terms and "Seed" in terms and "Replay" in terms, terms
    replay = next(c for c in article.iter("code") if c.get("class") == "replay").text
    assert replay.startswith("make grade LAB=02 GRADE_ARGS='-k test_ipv4' KIT_SEED="), replay
    # Beside it, the sequence the test expects (its marker, kept in results.json): the
    # client's calls of the README, first in the pair.
    want = entry["extra_data"]["expected"]
    assert want == page.expected(lab_module("test_lab02_tcp_client").pytestmark), want
    pair = next(d for d in article.iter("div") if d.get("class") == "pair")
    drawn = [s.get("class") for s in pair.iter(f"{SVG}svg")]
    assert drawn == ["expected", "sequence"], drawn
    expected_svg = next(pair.iter(f"{SVG}svg"))
    names = [g.get("data-call") for g in expected_svg.iter(f"{SVG}g") if g.get("class") == "step"]
    assert names == [s.get("call", "exit") for s in want["steps"]], names


def test_a_mutants_summary_draws_its_calls_in_mermaid(send_once):
    """The job summary and Gradescope's output of the mutant's failed line hold one
    Mermaid diagram: the client's kept calls as arrows, in the record's order, the
    fault's note under the first send, and that send in the marked band."""
    entry = send_once.test("test_ipv4")
    kept = entry["extra_data"]["calls"]
    text = summary(send_once.grade_dir / "results.json")
    (diagram,) = diagrams(text)
    assert [diagram] == diagrams(gradescope.test_output(entry))
    drawn = mermaid.arrows(diagram)
    client = [s for s in kept[0]["steps"] if "text" in s]
    assert [number(label) for *_, label in drawn] == [s["line"] for s in client], diagram
    names = [calls.parse_line(0, s["text"]).name for s in client]
    assert names.index("connect") < names.index("send") < names.index("recv") < \
        names.index("closesocket"), names
    connect = drawn[names.index("connect")]
    assert connect[:2] == ("P1", "G") and decoded(connect[3]).startswith(
        f"[{client[names.index('connect')]['line']}] connect s"), connect
    lines = diagram.splitlines()
    send = next(i for i, line in enumerate(lines) if re.match(r" *P1->>G: \[\d+\] send ", line))
    assert lines[send - 1].strip() == mermaid.HIGHLIGHT, lines
    assert decoded(lines[send + 1]).strip() == "Note left of P1: fault: short send", lines
    assert decoded(lines[send + 2]).strip().startswith("Note over P1: marked: send took")
    assert lines[send + 3].strip() == "end", lines


def test_the_references_summary_has_no_diagram(tmp_path):
    graded = grade(BUILD / "solutions", tmp_path, SEND_ONCE_TEST)
    assert graded.results["score"] == graded.results["max_score"] > 0, graded.report()
    text = summary(graded.grade_dir / "results.json")
    assert "```" not in text and "<details" not in text, text
    assert not any(diagrams(gradescope.test_output(t)) for t in graded.results["tests"])


def test_the_references_page_shows_no_failure(tmp_path):
    graded = grade(BUILD / "solutions", tmp_path, SEND_ONCE_TEST, "test_lab02_tcp_client.py::test_usage")
    assert graded.results["score"] == graded.results["max_score"] > 0, graded.report()
    text, root = parsed(graded)
    assert not list(root.iter("article")) and "<svg" not in text, text
    marks = [td.text for td in root.iter("td") if td.get("class") in ("PASS", "FAIL")]
    assert marks == ["PASS", "PASS"], marks
    assert named_page(graded), graded.output
    assert not any({"calls", "expected"} & set(t["extra_data"]) for t in graded.results["tests"])


def test_a_hostile_programs_markup_is_escaped(tmp_path):
    out = build_patched("hostile", MARKUP)
    graded = grade(out, tmp_path, "test_lab01_wsastartup.py::test_resolve_ipv4")
    entry = graded.test("test_resolve_ipv4")
    assert entry["status"] == "failed", graded.report()
    text, root = parsed(graded)
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= ELEMENTS, text
    assert not re.search(r"<\s*(script|img|svg onload|b>bold)", text, re.I), text
    assert not any(name.startswith("on") for el in root.iter() for name in el.attrib)
    # What it printed, and the lines it forged in its record, are there as text.
    assert "&lt;script&gt;alert(&#x27;out&#x27;)&lt;/script&gt;" in text
    kept = entry["extra_data"]["calls"][0]["steps"]
    assert any("alert('send')" in s.get("text", "") for s in kept), kept
    drawn = next(s for s in root.iter(f"{SVG}svg") if s.get("class") == "sequence")
    assert "<script>alert('send')</script>" in "".join(drawn.itertext())
    # and in the job summary's diagram, as Mermaid text that ends where it should
    (diagram,) = diagrams(summary(graded.grade_dir / "results.json"))
    words = [decoded(label) for *_, label in mermaid.arrows(diagram)]
    assert any("<script>alert('connect')</script>" in w for w in words), diagram
    assert "fault: <img src=x onerror=alert(3)>" in decoded(diagram), diagram


def test_the_expected_sequence_is_drawn_beside():
    """A failed test with an expected sequence: the page draws it first, in the same
    style (a failed call red and dashed, the end a square), and the calls beside it;
    a failure whose programs are not the expected's (a unit-test program) draws its
    calls alone."""
    want = page.expected(SimpleNamespace(args=(
        "tcp_client", "WSAStartup: version 2.2", "connect s1 fails: WSAECONNREFUSED",
        "closesocket s1", "exit: 2, the error line")))
    assert [s.get("call") for s in want["steps"]] == ["WSAStartup", "connect", "closesocket",
                                                      None]
    programs = page.kept([Ended([], "WSAStartup(2.2) = 0\n")])
    results = results_with("what", programs)
    results["tests"][0]["extra_data"]["expected"] = want
    root = ET.fromstring(page.render(results).split("\n", 1)[1])
    pair = next(d for d in root.iter("div") if d.get("class") == "pair")
    svgs = list(pair.iter(f"{SVG}svg"))
    assert [s.get("class") for s in svgs] == ["expected", "sequence"]
    steps = {g.get("data-call"): g for g in svgs[0].iter(f"{SVG}g") if g.get("class") == "step"}
    assert list(steps) == ["WSAStartup", "connect", "closesocket", "exit"], list(steps)
    line = steps["connect"].find(f"{SVG}line")
    assert line.get("stroke") == "#b71c1c" and line.get("stroke-dasharray"), line.attrib
    assert "connect s1 fails: WSAECONNREFUSED" in "".join(steps["connect"].itertext())
    with pytest.raises(ValueError, match="step 2 'not a step!'"):
        page.expected(SimpleNamespace(args=("tcp_client", "send s1", "not a step!")))
    want["program"] = "lab02_units"
    root = ET.fromstring(page.render(results).split("\n", 1)[1])
    assert not any(d.get("class") == "pair" for d in root.iter("div"))
    assert [s.get("class") for s in root.iter(f"{SVG}svg")] == ["sequence"]


# Each lab's test module and the programs its tests run, the hidden tests' too.
LAB_PROGRAMS = {
    "test_lab01_wsastartup": {"wsainfo", "resolve"},
    "hidden/test_lab01_hidden": {"wsainfo", "resolve"},
    "test_lab02_tcp_client": {"tcp_client"},
    "test_lab03_tcp_server": {"tcp_server"},
    "test_lab04_udp": {"udp_client", "udp_server"},
    "test_lab05_shutdown": {"sockopts", "upload", "summary_server"},
    "test_lab06_chat": {"chat_server"},
    "test_lab07_http_server": {"http_server"},
}


@pytest.mark.parametrize("name", LAB_PROGRAMS)
def test_every_expected_sequence_reads(name):
    """The expected sequences of a lab's tests: every test has one (its own or its
    module's), and each reads, names one of the lab's programs and fits its diagram's
    column."""
    module = lab_module(name)
    tests = [f for n, f in vars(module).items() if n.startswith("test_") and callable(f)]
    assert tests, name
    module_marks = [m for m in _marks(module) if m.name == "expected"]
    for test in tests:
        marks = [m for m in getattr(test, "pytestmark", []) if m.name == "expected"]
        assert marks or module_marks, (test.__name__, "has no expected sequence")
        want = page.expected(marks[0] if marks else module_marks[0])
        assert want["program"] in LAB_PROGRAMS[name] and want["steps"], test.__name__
        assert all("call" in s or "exit" in s for s in want["steps"])
        # each drawn whole, uncut
        long = [s for s in want["steps"] if len(s.get("text", s.get("exit"))) >
                int(page.EXPECTED_COLUMN / page.CHAR) - 4]
        assert not long, (test.__name__, long)


def _marks(module):
    marks = getattr(module, "pytestmark", [])
    return marks if isinstance(marks, list) else [marks]


def lab_module(name):
    """The grader's test module NAME (grader/NAME.py), loaded under a name of its own."""
    spec = importlib.util.spec_from_file_location(f"kit_{name.replace('/', '_')}",
                                                  ROOT / "grader" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():     # its marks are the grader's, registered there
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


def results_with(output, programs):
    return {"score": 0, "max_score": 2, "output": "Score: 0/2", "tests": [
        {"name": "Lab 02: a <b>line</b>", "score": 0, "max_score": 2, "status": "failed",
         "output": output, "extra_data": {"test": "test_lab02_x.py::test_x",
                                          "calls": programs}}]}


class Ended:
    """A program's end, as page.kept reads it from a Process."""

    def __init__(self, args, record, how="exit 0", program="tcp_client"):
        self.argv = platform.command(f"/b/{program}", args, wine="wine")
        self.calls, self.how = calls.Calls(record), how
        self.timed_out, self.crash = False, None

    def stop(self):
        return self

    def ended(self):
        return self.how


HOSTILE_LINE = "send(s1, <script>x</script> bytes) = 1 [fault: <img src=x onerror=y>]\n"


def test_the_page_escapes_what_programs_write():
    programs = page.kept([Ended(["<script>a</script>"],
                                "WSAStartup(2.2) = 0\n" + HOSTILE_LINE + "\x00\x1b[2J\n")])
    text = page.render(results_with("what\ngot:      <script>b</script>\n"
                                    "hint:     ]]><!--\x00", programs), {"02": "<i>t</i>"})
    root = ET.fromstring(text.split("\n", 1)[1])
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= ELEMENTS, text
    assert "<script" not in text.lower() and "<img" not in text.lower()
    assert "&lt;script&gt;b&lt;/script&gt;" in text


def test_a_long_record_is_kept_bounded():
    """A program of thousands of calls keeps a few KiB: runs of like calls as one step,
    the first steps, those around the marked one, and the last."""
    lines = ["WSAStartup(2.2) = 0", "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s1",
             "connect(s1, 127.0.0.1:4000) = 0"]
    for n in range(3000):        # alternating calls: no run to fold
        lines.append(f"recv(s1, 16384 bytes) = {n + 1}")
        lines.append(f"send(s1, {n + 1} bytes) = {n + 1}")
    lines.append("recv(s1, 16384 bytes) = SOCKET_ERROR WSAECONNRESET")
    lines.append("exit: open s1; WSAStartup 1 (0 failed); WSACleanup 0")
    (kept,) = page.kept([Ended([], "\n".join(lines) + "\n", "exit 2")])
    assert len(kept["steps"]) <= page.STEPS_KEPT + 3, len(kept["steps"])
    assert len(json.dumps(kept)) < 12 * 1024
    marked = kept["steps"][kept["mark"]]
    assert "WSAECONNRESET" in marked["text"], kept
    gaps = [s["gap"] for s in kept["steps"] if "gap" in s]
    assert gaps and sum(gaps) + sum(1 for s in kept["steps"] if "line" in s) == 6004


def test_the_marked_step():
    """What unexpected() marks: a short send whose rest never went; a failed call
    never tried again; a socket open at exit; nothing where the calls are as they
    should be but for the last call."""
    head = "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s1\nconnect(s1, 127.0.0.1:9) = 0\n"
    cases = {
        "send(s1, 30 bytes) = 7 [fault: short send]\nrecv(s1, 100 bytes) = 0\n": (2, 2),
        "send(s1, 30 bytes) = 7 [fault: short send]\nsend(s1, 23 bytes) = 23\n": (3, 0),
        "connect(s2, 127.0.0.1:9) = SOCKET_ERROR WSAECONNREFUSED\n": (2, 2),
        "recv(s1, 9 bytes) = 0\nexit: open s1; WSAStartup 1 (0 failed); WSACleanup 1\n":
            ("exit", 2),
    }
    for tail, (where, strength) in cases.items():
        got = page.unexpected(calls.Calls(head + tail), Ended([], ""))
        assert (got[0], got[2]) == (where, strength), (tail, got)


def test_no_step_of_a_test_program_is_marked():
    """A unit-test program's record mixes the tests' calls with the student's (unit.c
    calls WSACleanup until it fails): it is drawn, unmarked."""
    record = ("WSACleanup() = SOCKET_ERROR WSANOTINITIALISED\nWSAStartup(2.2) = 0\n"
              "WSACleanup() = 0\nWSACleanup() = SOCKET_ERROR WSANOTINITIALISED\n")
    (kept,) = page.kept([Ended(["Listener"], record, "exit 1", program="lab03_units")])
    assert kept["mark"] is None and len(kept["steps"]) == 4, kept
    (kept,) = page.kept([Ended([], record, "exit 1")])
    assert kept["steps"][kept["mark"]]["line"] == 4, kept


def test_a_long_record_draws_a_bounded_diagram():
    """Four programs of thousands of calls each: at most ARROWS arrows in all, the
    marked call among them, a note counting the calls left out; the summary of
    hundreds of such failures stays within GitHub's limit and counts what it left out."""
    lines = ["WSAStartup(2.2) = 0", "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s1",
             "connect(s1, 127.0.0.1:4000) = 0"]
    for n in range(3000):
        lines += [f"recv(s1, 16384 bytes) = {n + 1}", f"send(s1, {n + 1} bytes) = {n + 1}"]
    lines[1000] = "send(s1, 900 bytes) = 90 [fault: short send]"
    record = "\n".join(lines) + "\nexit: open s1; WSAStartup 1 (0 failed); WSACleanup 0\n"
    programs = page.kept([Ended([str(n)], record, "exit 2") for n in range(6)])
    assert len(programs) == page.PROGRAMS_KEPT and programs[0]["earlier"] == 2
    diagram = mermaid.diagram(programs)
    drawn = mermaid.arrows(diagram)
    assert len(drawn) == mermaid.ARROWS, diagram
    assert len(diagram) < 12 * 1024, len(diagram)
    assert any("fault: short send" in line for line in diagram.splitlines())
    marked = next(p for p in programs if p["mark"] is not None)
    assert f"[{marked['steps'][marked['mark']]['line']}]" in diagram
    assert "calls not shown here" in diagram
    results = results_with("expected: x\ngot:      y", programs)
    results["tests"] *= 300
    text = summary_of(results)
    assert len(text.encode()) <= summary_module().LIMIT, len(text)
    assert re.search(r"^\d+ more failed tests are not shown here", text, re.M)
    assert 10 < text.count("```mermaid") < 300


# What would end Mermaid's line or statement, start a comment, a directive, an entity
# code or markup, draw math, or end the Markdown block.
HOSTILE_LABELS = ["``` # Title <script>alert(1)</script>", "%%{init: {'theme': 'dark'}}%%",
                  "a;b Note over G: forged", "#lt; #60; &lt; $$x^2$$ | ` ~ \\",
                  "style x:#fff;color:red; classDef y fill:#f00;", "end ``` \u00e9\ufffd"]


def test_a_hostile_label_stays_inside_its_block():
    """Each line of a diagram of hostile labels is one the module writes, its labels
    hold only SAFE characters and entity codes, and decoded they say what the record
    said; in the summary, the block ends where the diagram does."""
    steps = [{"line": n + 1, "text": f"setsockopt(s1, {label}) = 0 [fault: {label}]"}
             for n, label in enumerate(HOSTILE_LABELS)]
    forged = "\n```\n<b>x</b>\n"
    programs = [{"program": "x`<y>;" + forged, "number": 1, "command": "x", "calls": 6,
                 "ended": "exit 0", "unrecorded": 0, "mark": 2, "why": forged,
                 "steps": steps + [{"exit": forged + HOSTILE_LABELS[1]}]}]
    block = mermaid.block(programs)
    assert block.startswith("```mermaid\nsequenceDiagram\n") and block.endswith("\n```\n")
    inner = block.split("\n")[1:-2]
    assert all(well_formed(line) for line in inner), inner
    drawn = mermaid.arrows(block)
    assert len(drawn) == len(steps), block
    assert all(len(label) <= mermaid.LABEL for *_, label in drawn), block
    for step, (_, _, _, label) in zip(steps, drawn):
        shown = decoded(label).removesuffix("...")
        assert len(shown) > 20 and f"[{step['line']}] {step['text']}".startswith(shown), label
    notes = [decoded(line) for line in inner if "Note left of" in line]
    assert [n.split(": ", 1)[1] for n in notes] == \
        [f"fault: {label}"[:len(n.split(": ", 1)[1])] for label, n in zip(HOSTILE_LABELS, notes)]
    text = summary_of(results_with("got: ```\n```mermaid\n", programs))
    (diagram,) = diagrams(text)
    assert diagram == mermaid.diagram(programs)


def test_the_failure_is_read_in_its_parts():
    what, fields = page.parts("it failed\nexpected: a\n          b\ngot:      c\n"
                              "hint:     d\nseed:     7 (replay: make grade LAB=01)")
    assert what == "it failed"
    assert fields == [("expected", "a\nb"), ("got", "c"), ("hint", "d"),
                      ("seed", "7 (replay: make grade LAB=01)")]


@pytest.mark.skipif(browser.find() is None, reason="no Chromium or Chrome installed "
                    "(Debian: apt-get install chromium; .ci/run installs it)")
def test_chromium_draws_the_mutants_page(send_once, tmp_path):
    """Headless Chromium loads the page from disk, with no network: the DOM it builds
    holds the diagram (as SVG, with its fault marker and its highlight), and its
    screenshot is kept beside the grading run (report.png)."""
    report = send_once.grade_dir / "report.html"
    shot = send_once.grade_dir / "report.png"
    dom = chromium(["--dump-dom", report.as_uri()])
    assert re.search(r'<svg[^>]*class="sequence"', dom), dom[:2000]
    assert 'class="highlight"' in dom and 'class="fault"' in dom
    assert "<script" not in dom
    chromium([f"--screenshot={shot}", "--window-size=1280,2400", report.as_uri()])
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 10000, len(data)


def chromium(args, timeout=60):
    """Runs headless Chromium with ARGS (a file's URL last); its stdout. Every process
    it starts is ended when it returns."""
    exe = browser.find()
    with tempfile.TemporaryDirectory(prefix="kit-browser-") as profile:
        proc = subprocess.Popen([exe, *browser.FLAGS, f"--user-data-dir={profile}", *args],
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, **platform.tree_options())
        try:
            out, err = proc.communicate(timeout=timeout)
        finally:
            browser.end_tree(proc)
    assert proc.returncode == 0, err.decode(errors="replace")[-2000:]
    return out.decode("utf-8", "replace")


# --- reading the Mermaid text --------------------------------------------------------------

# The lines gradelib.mermaid writes, and the characters of a label as written: those of
# mermaid.SAFE, and entity codes (#60;).
WRITTEN = re.compile(r"sequenceDiagram|    participant \w+ as (?P<a>.*)|( {4}| {6})(\w+(->>|-x)\w+|"
                     r"Note (over|left of) \w+): (?P<b>.*)|    rect rgb\(253, 224, 224\)|    end")
LABEL = re.compile(r"([A-Za-z0-9 .,:_\-+=/()\[\]!?@*]|#\d+;)*")


def well_formed(line):
    m = WRITTEN.fullmatch(line)
    label = m and (m.group("a") or m.group("b") or "")
    return m is not None and LABEL.fullmatch(label) is not None


def decoded(label):
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label)


def number(label):
    return int(re.match(r"\[(\d+)\]", label).group(1))


def diagrams(markdown):
    """The Mermaid diagrams of MARKDOWN's ```mermaid blocks, each line well formed."""
    found = re.findall(r"^```mermaid\n(.*?)^```$", markdown, re.M | re.S)
    for diagram in found:
        bad = [line for line in diagram.splitlines() if not well_formed(line)]
        assert not bad, bad
    return found


def summary(results_path):
    proc = subprocess.run([sys.executable, str(ROOT / "grader" / "summary.py"),
                           str(results_path)], capture_output=True, text=True,
                          encoding="utf-8", timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def summary_module():
    import summary as module
    return module


def summary_of(results):
    return summary_module().markdown(results)
