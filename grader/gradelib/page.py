"""The report page of a grade (build/grade/report.html): each lab, each line with its
points, and for a failed line what was expected and what came, the hint, the seed and
the command that replays it, and a sequence diagram of what the programs did: their
recorded socket calls in order, between each program and the grader's side, each
injected fault where it struck, and the first step that left the expected path.

One file that opens from disk in any browser, with nothing to load and nothing to run:
its style is in the page, the diagrams are SVG written here (a few hundred bytes a
call, against a drawing library's megabyte, and drawn the same in every browser
without a script), and there is no script. Every text that comes from a program (its
output, and its call record, which code inside the program can write) is escaped
(html.escape) before it reaches the page, so no output can add markup to it.

Two halves: kept() runs in the grading process when a test has failed and keeps a
bounded summary of each program's calls (results.json's extra_data "calls");
write() draws the page from results.json's data at the end of the run."""
import html
import os
import re

from . import calls as call_record
from . import platform
from .proc import printable

# What a failed test keeps of its programs' calls: the last PROGRAMS_KEPT programs it
# started (a test fails at or after the last it started: a test of a command line runs
# one program after another until one goes wrong),
# each as at most STEPS_KEPT steps (a run of like calls, recv x412, is one step): its
# first HEAD steps, the steps around the marked one, and its last TAIL; each record
# line cut to TEXT_KEPT characters. A few KiB a test, whatever the programs did.
PROGRAMS_KEPT = 4
STEPS_KEPT = 40
HEAD = 24
TAIL = 10
AROUND = 2
TEXT_KEPT = 160
# The kit's test programs (tests/unit, tests/models): their records mix the tests' own
# calls (unit.c's WSACleanup until it fails, by design) with the student's functions',
# so no step of theirs is marked; Check's or the model's message says what failed.
HARNESSES = ("_units", "_model")
# Calls of which a run on one socket is shown as one step.
REPEATED = ("send", "recv", "sendto", "recvfrom", "select")


# --- what a failed test keeps (in the grading process) ---------------------------------

def kept(processes):
    """What a failed test keeps of the calls of PROCESSES (the Processes it started, in
    order, all ended): a list with one dict per program ("program", "command",
    "ended", "calls", "unrecorded", "steps", "mark", "why"), or None when no program
    ran. "mark" is the index in "steps" of the first step that left the expected path
    (unexpected()), on the one program where the strongest such step is; "why" says
    what is wrong with it. A diagram is never worth a grade: should reading the
    records fail, the test keeps none (None)."""
    try:
        return _kept(processes)
    except Exception:           # noqa: BLE001 - the test's verdict stands without it
        return None


def _kept(processes):
    programs, found = [], []
    for number, proc in list(enumerate(processes, 1))[-PROGRAMS_KEPT:]:
        result = proc.stop()
        command = platform.typed_command(proc.argv)
        record = result.calls
        entry = {"program": command.split(" ")[0], "number": number,
                 "command": _cut(command, 200), "ended": _cut(result.ended(), 200),
                 "calls": 0, "unrecorded": 0, "steps": [], "mark": None, "why": None}
        if record is not None and record.exists:
            where, why, strength = unexpected(record, result)
            if entry["program"].endswith(HARNESSES):
                where = None
            entry.update(calls=len(record.calls), unrecorded=record.unrecorded)
            entry["steps"], index = steps_of(record, where)
            if index is not None:
                found.append((-strength, len(programs), index, why))
        programs.append(entry)
    if not programs:
        return None
    if len(processes) > PROGRAMS_KEPT:
        programs[0]["earlier"] = len(processes) - PROGRAMS_KEPT
    if found:
        _, at, index, why = min(found)
        programs[at].update(mark=index, why=_cut(why, 400))
    return programs


def unexpected(record, result):
    """Where RECORD (the calls of a program that ended as RESULT says) first left the
    expected path: (the index of the call, or "exit" for its end; why, in words; how
    sure, 2 for a step that is wrong in itself, 1 for the last call of a program that
    hung or crashed, 0 for the last call of any other) or (None, None, 0)."""
    calls = record.calls
    strong = []
    for i, call in enumerate(calls):
        if call.name == "send" and not call.failed:
            asked, went = _sizes(call)
            if asked is not None and went is not None and went < asked:
                after = next((c for c in calls[i + 1:] if c.socket == call.socket), None)
                if after is None or after.name != "send" or _sizes(after)[0] != asked - went:
                    strong.append((i, f"send took {went} of the {asked} bytes it was asked "
                                      f"to send, and the next send on {call.socket} did "
                                      f"not offer the other {asked - went}: they were "
                                      "never sent"))
                    break
        if call.failed and not any(c.name == call.name for c in calls[i + 1:]):
            cause = (" (the fault the grader injected here: " + call.fault + ")"
                     if call.fault else "")
            strong.append((i, f"{call.name} failed ({call.error or call.result}){cause}, "
                              "and the program did not call it again"))
            break
    soon = record.announced_too_soon()
    if soon is not None:
        strong.append((calls.index(soon), "the program announced its port before its "
                                          "socket was ready (before listen, or bind, "
                                          "succeeded)"))
    if strong:
        return (*min(strong), 2)
    if record.exit is not None and record.exit["open"]:
        return "exit", f"the program exited with {', '.join(record.exit['open'])} still open", 2
    problem = record.startup_problem()
    if problem:
        return "exit", problem, 2
    if not calls:
        return None, None, 0
    if result.timed_out or result.crash:
        return len(calls) - 1, (f"the last call recorded: the program {result.ended()}, "
                                "in this call or after it"), 1
    return len(calls) - 1, f"nothing in the calls stands out: the last call before the " \
                           f"program ended ({result.ended()})", 0


def _sizes(call):
    """(bytes asked, bytes the call took or gave) of a send or recv, or Nones."""
    asked = re.match(r"(\d+) bytes", call.args[1]) if len(call.args) > 1 else None
    went = re.match(r"(\d+)$", (call.result or "").split(" ")[0])
    return (int(asked.group(1)) if asked else None, int(went.group(1)) if went else None)


def _alike(a, b):
    """Whether call B goes on A's run: the same repeated call on the same socket,
    neither failed nor the peer's end (recv = 0), both faulted or neither."""
    return (a.name == b.name and a.name in REPEATED and a.socket == b.socket and
            not a.failed and not b.failed and bool(a.fault) == bool(b.fault) and
            "0" not in (a.result, b.result))


def steps_of(record, where):
    """RECORD's calls as steps, bounded (STEPS_KEPT), and the index of the step of call
    WHERE (an index of record.calls, or "exit"). A step is {"line", "text"} and, for a
    run of like calls, "count", "bytes" (their sum) and "faults" (how many were
    faulted); {"gap": N} stands for N calls left out; {"exit": text} is the line the
    layer writes at exit, {"unrecorded": N} the calls past the record's bound."""
    runs = []
    for i, call in enumerate(record.calls):
        last = runs[-1] if runs else None
        if last and where not in (i, last[-1]) and _alike(record.calls[last[-1]], call):
            last.append(i)
        else:
            runs.append([i])
    steps = []
    for run in runs:
        first = record.calls[run[0]]
        step = {"line": first.number, "text": _cut(printable(first.text), TEXT_KEPT)}
        if len(run) > 1:
            sizes = [_sizes(record.calls[i])[1] for i in run]
            step.update(count=len(run), bytes=sum(s or 0 for s in sizes),
                        faults=sum(1 for i in run if record.calls[i].fault))
        steps.append(step)
    if record.unrecorded:
        steps.append({"unrecorded": record.unrecorded})
    exit_line = next((line for line in record.lines if line.startswith("exit: ")), None)
    if exit_line is not None:
        steps.append({"exit": _cut(printable(exit_line), TEXT_KEPT)})
    marked = (len(steps) - 1 if where == "exit" and exit_line is not None else
              next((n for n, run in enumerate(runs) if where in run), None))
    return _bounded(steps, marked)


def _bounded(steps, marked):
    """STEPS cut to STEPS_KEPT: the first HEAD, those around MARKED and the last TAIL,
    with a gap step for each part left out. Returns (steps, MARKED's new index)."""
    if len(steps) <= STEPS_KEPT:
        return steps, marked
    keep = set(range(HEAD)) | set(range(len(steps) - TAIL, len(steps)))
    if marked is not None:
        keep |= set(range(max(0, marked - AROUND), marked + AROUND + 1))
    out, new_mark, left_out = [], None, 0
    for n, step in enumerate(steps):
        if n not in keep:
            left_out += step.get("count", 1)
            continue
        if left_out:
            out.append({"gap": left_out})
            left_out = 0
        if n == marked:
            new_mark = len(out)
        out.append(step)
    return out, new_mark


def _cut(text, limit):
    return text if len(text) <= limit else text[:limit - 3] + "..."


# --- the expected sequence (kept with the test) ---------------------------------------------

# One step of an expected sequence: a call, the socket it is about, whether it fails,
# and what it does, in the README's words ("send s1: the line, until all of it went",
# "connect s1 fails: WSAECONNREFUSED"); or "exit: ..." for the program's end.
EXPECTED_STEP = re.compile(r"(?P<call>\w+)(?: (?P<socket>s\d+))?(?P<failed> fails)?"
                           r"(?:: (?P<words>.+))?")


def expected(marker):
    """The expected sequence of a test's @pytest.mark.expected(PROGRAM, *STEPS) MARKER
    (None without one), as results.json keeps it: {"program", "steps"}, each step as
    the diagram draws it ({"line", "text", "call", "socket", "failed"}, or {"exit"}).
    A step that is not one raises ValueError, naming it."""
    if marker is None:
        return None
    program, *lines = marker.args
    steps = []
    for number, line in enumerate(lines, 1):
        m = EXPECTED_STEP.fullmatch(line)
        if m is None:
            raise ValueError(f"expected sequence of {program}: step {number} '{line}' is "
                             "not CALL [sN] [fails][: words]")
        if m.group("call") == "exit":
            steps.append({"exit": line})
            continue
        steps.append({"line": number, "text": line, "call": m.group("call"),
                      "socket": m.group("socket"), "failed": bool(m.group("failed"))})
    return {"program": program, "steps": steps}


# --- the page (at the end of the run) ----------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 100em;
       padding: 0 1em; color: #1b1b1b; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin: 0 0 .5em; }
table { border-collapse: collapse; }
td, th { padding: .15em .7em; text-align: left; vertical-align: top; }
td.points { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.PASS { color: #1b5e20; } .FAIL { color: #b71c1c; font-weight: bold; }
.SKIP, .idle { color: #666; }
article.failure { border: 1px solid #e0b4b4; border-left: 5px solid #b71c1c;
                  border-radius: 4px; padding: .8em 1em; margin: 1.2em 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .2em 1em; margin: 0; }
dt { font-weight: bold; } dd { margin: 0; }
pre, code { font: 13px/1.35 ui-monospace, monospace; }
pre { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
code.replay { background: #f3f3f3; padding: .1em .3em; }
.diagram { overflow-x: auto; margin-top: .8em; }
.why { color: #b71c1c; } .note { color: #555; font-size: .9em; }
.pair { display: flex; flex-wrap: wrap; gap: 0 1.5em; align-items: flex-start; }
.pair > div { width: min-content; max-width: 100%; } p.caption { margin: .8em 0 0; }
"""

# The diagram's measures, in pixels.
LEFT = 210          # the first lifeline
COLUMN = 340        # between lifelines
ROW = 34
# An expected sequence's: one program, whose steps say more in words.
EXPECTED_LEFT = 110
EXPECTED_COLUMN = 480
HEAD_ROWS = 62
CHAR = 7.2          # a character of the 12px monospace font
FONT = "ui-monospace, monospace"

# Calls drawn as an arrow between the program and its peer: to the peer ("out") or
# from it ("in").
OUT_CALLS = ("connect", "send", "sendto", "shutdown", "announce")
IN_CALLS = ("accept", "recv", "recvfrom")
FIELDS = ("output", "expected", "got", "stderr", "hint", "seed")
FIELD_NAMES = {"output": "Output", "expected": "Expected", "got": "Got",
               "stderr": "stderr", "hint": "Hint"}


def write(path, results, titles=None, transcript=None):
    """Writes the page of RESULTS (results.json's data) to PATH. TITLES: {lab: title};
    TRANSCRIPT(nodeid): the path of a failed test's transcript."""
    text = render(results, titles or {}, transcript, path.parent)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def render(results, titles=None, transcript=None, base=None):
    """The page of RESULTS, as text."""
    e = escape
    titles = titles or {}
    labs = {}
    for test in results["tests"]:
        labs.setdefault(lab_of(test), []).append(test)
    score = f"{results['score']}/{results['max_score']}"
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
           f"<title>Grade {e(score)}</title>", f"<style>{STYLE}</style></head><body>",
           f"<h1>Grade: {e(score)}</h1>", f"<p>{e(results.get('output', ''))}</p>"]
    out.append("<table><tr><th>lab</th><th>points</th><th></th></tr>")
    for lab, tests in labs.items():
        got, top = _totals(tests)
        state = ("not started" if all(_extra(t).get("not_started") for t in tests) else
                 "full marks" if got == top else
                 f"{sum(1 for t in tests if t['status'] != 'passed')} failed")
        out.append(f'<tr><td><a href="#lab-{e(lab)}">{e(lab)}</a></td>'
                   f'<td class="points">{got}/{top}</td><td>{e(titles.get(lab, ""))} '
                   f'<span class="note">({e(state)})</span></td></tr>')
    out.append("</table>")
    number = 0
    for lab, tests in labs.items():
        got, top = _totals(tests)
        out.append(f'<section id="lab-{e(lab)}"><h2>Lab {e(lab)}: '
                   f'{e(titles.get(lab, ""))} ({got}/{top})</h2>')
        if all(_extra(t).get("not_started") for t in tests):
            out.append('<p class="idle">Not started: its C files are still the starter\'s '
                       f'(<code>make grade LAB={e(lab)}</code> runs its tests).</p></section>')
            continue
        out.append("<table>")
        failures = []
        for test in tests:
            number += 1
            mark = _mark(test)
            name = e(test["name"].split(": ", 1)[-1])
            if mark == "FAIL":
                name = f'<a href="#t{number}">{name}</a>'
                failures.append((number, test))
            out.append(f'<tr><td class="{mark}">{mark}</td><td class="points">'
                       f'{test["score"]}/{test["max_score"]}</td><td>{name}</td></tr>')
        out.append("</table>")
        for number_, test in failures:
            out.append(_failure(number_, test, transcript, base))
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def lab_of(test):
    m = re.match(r"Lab (\w+)", test["name"])
    return m.group(1) if m else "?"


def _extra(test):
    return test.get("extra_data") or {}


def _totals(tests):
    graded = [t for t in tests if not _extra(t).get("challenge")]
    return sum(t["score"] for t in graded), sum(t["max_score"] for t in graded)


def _mark(test):
    if _extra(test).get("challenge"):
        return "PASS" if test["status"] == "passed" else "FAIL"
    if test["status"] == "passed":
        return "SKIP" if test["max_score"] == 0 and test.get("output") else "PASS"
    return "FAIL"


def escape(text):
    """TEXT for the page: markup escaped, and the characters no page may hold (a
    program's NUL, say; printable() escapes them already) replaced."""
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "\ufffd",
                  str(text))
    return html.escape(text, quote=True)


def parts(output):
    """A failure's OUTPUT (the summary's text) in its parts: (what failed, [(field,
    text)]) with the fields of FIELDS, in order."""
    what, fields, current = [], [], None
    for line in output.splitlines():
        m = re.match(r"^(%s): +(.*)$" % "|".join(FIELDS), line)
        if m:
            current = [m.group(1), m.group(2)]
            fields.append(current)
        elif current is not None:
            current[1] += "\n" + (line[10:] if line.startswith(" " * 10) else line)
        else:
            what.append(line)
    return "\n".join(what), [tuple(f) for f in fields]


def _failure(number, test, transcript, base):
    """One failed line: its message in parts, its seed and replay, its diagram."""
    e = escape
    what, fields = parts(test.get("output") or "")
    out = [f'<article class="failure" id="t{number}"><h3>FAIL {test["score"]}/'
           f'{test["max_score"]} {e(test["name"])}</h3>',
           f"<p><b>{e(what)}</b></p>" if what else "", "<dl>"]
    seed = None
    for field, text in fields:
        if field == "seed":
            seed = text
            continue
        out.append(f"<dt>{FIELD_NAMES[field]}</dt><dd><pre>{e(text)}</pre></dd>")
    if seed:
        m = re.match(r"(\d+) \(replay: (.*)\)$", seed, re.S)
        if m:
            out.append(f"<dt>Seed</dt><dd>{e(m.group(1))}</dd><dt>Replay</dt><dd>"
                       f'<code class="replay">{e(m.group(2))}</code></dd>')
        else:
            out.append(f"<dt>Seed</dt><dd>{e(seed)}</dd>")
    nodeid = _extra(test).get("test")
    path = transcript(nodeid) if transcript and nodeid else None
    if path is not None and path.exists():
        link = os.path.relpath(path, base) if base else str(path)
        out.append(f'<dt>Transcript</dt><dd><a href="{e(link.replace(os.sep, "/"))}">'
                   f"{e(link)}</a></dd>")
    out.append("</dl>")
    programs = _extra(test).get("calls")
    want = _extra(test).get("expected")
    if programs and want and want["program"] in [p["program"] for p in programs]:
        out += ['<div class="pair"><div><p class="caption"><b>Expected</b>: what the '
                f"lab's README asks of {e(want['program'])} in this test</p>",
                expected_diagram(want, f"e{number}"), "</div>",
                "<div><p class=\"caption\"><b>What happened</b>: the calls the programs "
                "made</p>", diagram(programs, f"d{number}"), "</div></div>"]
    elif programs:
        out.append(diagram(programs, f"d{number}"))
    out.append("</article>")
    return "\n".join(out)


# --- the sequence diagram ------------------------------------------------------------

def expected_diagram(want, ident):
    """The expected sequence WANT (expected()) drawn as the programs' calls are."""
    program = {"program": want["program"], "number": 1, "steps": want["steps"],
               "mark": None, "why": None}
    return diagram([program], ident, as_expected=True)


def diagram(programs, ident, as_expected=False):
    """The sequence diagram of PROGRAMS (what kept() kept), as an inline SVG inside a
    div, with the marked step's reason below it. IDENT makes its ids unique. AS_EXPECTED:
    PROGRAMS is an expected sequence (expected_diagram), drawn with no notes."""
    e = escape
    lanes = len(programs) + 1
    grader = len(programs)
    left, column = (EXPECTED_LEFT, EXPECTED_COLUMN) if as_expected else (LEFT, COLUMN)
    x = [left + i * column for i in range(lanes)]
    width = x[-1] + 110          # the last lifeline's box, half of it right of its line
    peers = targets(programs)
    talkers = [talking(program["steps"]) for program in programs]
    rows, body = [], []
    for p, program in enumerate(programs):
        if len(programs) > 1:
            rows.append(("label", p, f"{program['program']} (program {program['number']}): its "
                                      "calls in its own order"))
        if not program["steps"]:
            rows.append(("label", p, f"{program['program']}: no socket call" +
                         ("" if as_expected else " recorded")))
        for s, step in enumerate(program["steps"]):
            rows.append(("step", p, s))
    height = HEAD_ROWS + ROW * len(rows) + 24
    title = ("The socket calls the lab's README expects, in order" if as_expected else
             "The programs' socket calls, in order, between each program and the "
             "grader's side")
    head = [f'<svg xmlns="http://www.w3.org/2000/svg" '
            f'class="{"expected" if as_expected else "sequence"}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'aria-labelledby="{ident}-title" font-family="{FONT}" font-size="12">',
            f'<title id="{ident}-title">{e(title)}</title>', "<defs>"]
    for name, colour in (("arrow", "#333"), ("failed", "#b71c1c")):
        head.append(f'<marker id="{ident}-{name}" viewBox="0 0 10 10" refX="9" refY="5" '
                    'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
                    f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>')
    head.append("</defs>")
    # The lifelines: the programs, then the grader.
    bottom = height - 10
    names = [(pr["program"], "as expected" if as_expected else f"program {pr['number']}")
             for pr in programs] + [("the grader", "its servers and clients")]
    for i, (name, sub) in enumerate(names):
        body.append(f'<g class="lifeline" data-lane="{i}">'
                    f'<line x1="{x[i]}" y1="{HEAD_ROWS - 16}" x2="{x[i]}" y2="{bottom}" '
                    'stroke="#999" stroke-dasharray="4 3"/>'
                    f'<rect x="{x[i] - 95}" y="6" width="190" height="40" rx="4" '
                    f'fill="{"#e3f2fd" if i < grader else "#f1f1f1"}" stroke="#555"/>'
                    f'<text x="{x[i]}" y="23" text-anchor="middle" font-weight="bold">'
                    f"{e(_cut(name, 24))}</text>"
                    f'<text x="{x[i]}" y="39" text-anchor="middle" fill="#555">'
                    f"{e(sub)}</text></g>")
    note = None
    for r, (kind, p, what) in enumerate(rows):
        y = HEAD_ROWS + ROW * r + ROW // 2
        if kind == "label":
            body.append(f'<text x="8" y="{y + 4}" fill="#555" font-style="italic">'
                        f"{e(what)}</text>")
            continue
        program = programs[p]
        step = program["steps"][what]
        marked = program.get("mark") == what
        if marked:
            body.append(f'<rect class="highlight" x="2" y="{y - ROW // 2 + 1}" '
                        f'width="{width - 4}" height="{ROW - 2}" fill="#fde0e0" '
                        'stroke="#b71c1c" stroke-width="1.5" rx="3"/>')
            note = (program, step)
        peer = x[peers[p].get(_socket(step), grader)]
        body.append(_step(step, program["number"], what, x[p], peer, y, marked, ident,
                          talkers[p], column))
    out = ['<div class="diagram">', *head, *body, "</svg>"]
    if as_expected:
        return "\n".join(out + ["</div>"])
    if note is not None:
        program, step = note
        where = (f"line {step['line']}" if "line" in step else "its end")
        out.append(f'<p class="why">Marked: {e(program["program"])} (program '
                   f'{program["number"]}), {e(where)} of its call record: '
                   f'{e(program["why"])}.</p>')
    for program in programs:
        out.append(f'<p class="note">{e(program["command"])}: {e(program["ended"])}; '
                   f'{program["calls"]} calls recorded'
                   + (f", {program['unrecorded']} more not recorded"
                      if program["unrecorded"] else "") + ".</p>")
    if programs[0].get("earlier"):
        out.append(f'<p class="note">The test ran {programs[0]["earlier"]} programs '
                   "before these: the transcript has them.</p>")
    out.append("</div>")
    return "\n".join(out)


def _socket(step):
    call = call_of(step)
    return call.socket if call is not None else None


def call_of(step):
    """The Call a step stands for: a recorded one, or an expected one (expected())."""
    if "call" in step:
        return call_record.Call(step["line"], step["text"], step["call"],
                                [step["socket"]] if step["socket"] else [],
                                "SOCKET_ERROR" if step["failed"] else None)
    if "text" not in step:
        return None
    return call_record.parse_line(step.get("line", 0), step["text"])


def _port(address):
    m = re.search(r":(\d+)$", address or "")
    return m.group(1) if m else None


def targets(programs):
    """{socket: lane} for each program: where a socket's arrows go. A program's
    sockets talk to the grader, except one that connects (or sends) to the port
    another program announced, and a socket that program accepts from it."""
    announced = {}
    for p, program in enumerate(programs):
        for step in program["steps"]:
            call = call_of(step)
            if call is not None and call.name == "announce" and len(call.args) > 1:
                announced[_port(call.args[1])] = p
    lanes = [{} for _ in programs]
    callers = {}
    for p, program in enumerate(programs):
        for step in program["steps"]:
            call = call_of(step)
            if call is None or call.name not in ("connect", "sendto") or len(call.args) < 2:
                continue
            address = call.args[1] if call.name == "connect" else call.args[-1]
            lane = announced.get(_port(address))
            if lane is not None and lane != p:
                lanes[p][call.socket] = lane
                callers.setdefault(lane, set()).add(p)
    for lane, sources in callers.items():
        if len(sources) == 1:
            (source,) = sources
            for step in programs[lane]["steps"]:
                call = call_of(step)
                if call is not None and call.made and call.name == "accept":
                    lanes[lane][call.made] = source
    return lanes


def label(call, step):
    """The words of an arrow or a local step."""
    if "call" in step:          # an expected step says it in its own words
        return step["text"]
    s = call.socket or ""
    result = call.result or ""
    if "count" in step:
        bytes_ = f": {step['bytes']} bytes in all" if call.name != "select" else ""
        return f"{call.name} {s} x{step['count']}{bytes_}"
    if call.name in ("send", "sendto"):
        asked, went = _sizes(call)
        if call.failed or asked is None or went is None:
            return f"{call.name} {s}: {result}"
        return f"{call.name} {s}: {went} of {asked} bytes"
    if call.name in ("recv", "recvfrom"):
        if result == "0":
            return f"{call.name} {s} = 0: the peer closed"
        return f"{call.name} {s}: {result}" + ("" if call.failed else " bytes")
    if call.name == "connect":
        return f"connect {s} to {call.args[1] if len(call.args) > 1 else '?'}" + \
            (f": {result}" if call.failed else "")
    if call.name == "accept":
        return f"accept on {s}: {result}"
    if call.name == "announce":
        return f"announce {call.args[1] if len(call.args) > 1 else ''}"
    return call.text


def _step(step, program, index, x, peer_x, y, marked, ident, talking, column=COLUMN):
    """One row of the diagram: an arrow for a call between the program and its peer,
    a box on the program's lifeline for a call of its own, and its fault marker.
    PROGRAM: the program's number in the test (the order it was started in); COLUMN:
    the room between lifelines."""
    e = escape
    attrs = f'data-program="{program}" data-step="{index}"'
    if "gap" in step:
        return (f'<g class="gap" {attrs}><text x="{x + 12}" y="{y + 4}" fill="#555">'
                f"... {step['gap']} calls not kept here (the transcript has the "
                "record)</text></g>")
    if "unrecorded" in step:
        return (f'<g class="unrecorded" {attrs}><text x="{x + 12}" y="{y + 4}" '
                f'fill="#555">... {step["unrecorded"]} calls past the record\'s bound'
                "</text></g>")
    if "exit" in step:
        return (f'<g class="step" data-call="exit" {attrs}><title>{e(step["exit"])}'
                f'</title><rect x="{x - 6}" y="{y - 6}" width="12" height="12" '
                f'fill="#333"/><text x="{x + 12}" y="{y + 4}">'
                f"{e(_cut(step['exit'], int(column / CHAR) - 4))}</text></g>")
    call = call_of(step)
    if call is None:
        return ""
    colour = "#b71c1c" if call.failed else "#333"
    weight = ' font-weight="bold"' if marked else ""
    out = [f'<g class="step" data-call="{e(call.name)}" data-line="{step["line"]}" '
           f'{attrs}><title>{e(step["text"])}</title>',
           f'<text x="8" y="{y + 4}" fill="#777"{weight}>{step["line"]}</text>']
    closes = call.name == "closesocket" and call.socket in talking
    if call.name in OUT_CALLS + IN_CALLS or closes:
        start, end = (x, peer_x) if call.name not in IN_CALLS else (peer_x, x)
        end += -8 if end > start else 8
        marker = "failed" if call.failed else "arrow"
        dash = ' stroke-dasharray="6 4"' if call.failed else ""
        out.append(f'<line x1="{start}" y1="{y}" x2="{end}" y2="{y}" stroke="{colour}" '
                   f'stroke-width="1.5"{dash} marker-end="url(#{ident}-{marker})"/>')
        span = abs(peer_x - x)
        mid = (x + peer_x) / 2
        out.append(f'<text x="{mid:g}" y="{y - 5}" text-anchor="middle" fill="{colour}"'
                   f"{weight}>{e(_cut(label(call, step), int(span / CHAR) - 2))}</text>")
    else:
        out.append(f'<rect x="{x - 5}" y="{y - 8}" width="10" height="16" '
                   f'fill="{"#fbc4c4" if call.failed else "#fff"}" stroke="{colour}"/>'
                   f'<text x="{x + 12}" y="{y + 4}" fill="{colour}"{weight}>'
                   f"{e(_cut(label(call, step), int(column / CHAR) - 4))}</text>")
    if call.fault:
        times = f" (x{step['faults']})" if step.get("faults", 1) > 1 else ""
        out.append(f'<g class="fault"><polygon points="{x - 16},{y} {x - 10},{y - 6} '
                   f'{x - 4},{y} {x - 10},{y + 6}" fill="#f9a825" stroke="#8d5b00"/>'
                   f'<text x="{x + 12}" y="{y + 14}" font-size="11" fill="#8d5b00">'
                   f"{e(_cut('fault: ' + call.fault + times, 46))}</text></g>")
    out.append("</g>")
    return "".join(out)


def talking(steps):
    """The sockets of STEPS that talk to a peer: connected, accepted, or used to send
    or receive (a closesocket of one is drawn as an arrow; of a listener, as a step
    of the program's own)."""
    found = set()
    for step in steps:
        call = call_of(step)
        if call is None:
            continue
        if call.name == "accept" and call.made:
            found.add(call.made)
        elif call.name in OUT_CALLS + IN_CALLS and call.name not in ("accept", "announce"):
            found.add(call.socket)
    return found
