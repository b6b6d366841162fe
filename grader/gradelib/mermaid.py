"""A failed test's sequence diagram as Mermaid text, for the Markdown that GitHub and
Gradescope show: the students' job summary (grader/summary.py) and Gradescope's
per-test output (grader/course/gradescope.py). GitHub draws a ```mermaid block as a
diagram; where nothing draws it, it reads as the list of calls it is.

It draws what the report page draws (gradelib.page), from the same data (what
page.kept() keeps, results.json's extra_data "calls"), read the same way (page's
call_of, targets, label, talking): a participant per program and one for the grader,
each of a program's calls an arrow in the record's order (to its peer and back for
connect, send, recv and the like, to itself for a call of its own), labelled with its
line in the record; a note for each injected fault under its call, and the marked
step in a red band with a note saying why.

Bounded: at most ARROWS arrows a diagram (shared between its programs: the first
calls, the marked one and those around it, the last; a note counts the calls left
out), and every label at most LABEL characters as written, so a diagram is a few KiB
whatever the programs did, far below what Mermaid accepts (50,000 characters).

Escaped: a label is written with letters, digits, spaces and SAFE alone; every other
character is Mermaid's entity code for it (#60; for <), which Mermaid turns back into
that character as text. So nothing a program wrote can end its line or statement (a
line end, ;), start a comment or a directive (#, %%), add markup (<, &, quotes), draw
math ($), or end the Markdown block the diagram is in (a backtick)."""
import re

from . import page

ARROWS = 40
LABEL = 100
# Characters a label may hold as they are, besides letters, digits and spaces.
SAFE = ".,:_-+=/()[]!?@*"
# Mermaid reads "style ...:...#...;" and "classDef ..." as a style before it reads
# entity codes (and drops the ";" that ends one): neither word is written whole.
STYLE_WORDS = re.compile(r"(?<=styl)e|(?<=classDe)f")
HIGHLIGHT = "rect rgb(253, 224, 224)"
GRADER = "G"


def text(words, limit=LABEL):
    """WORDS as Mermaid text, at most LIMIT characters as written (cut with ...)."""
    words = str(words)
    coded = {m.start() for m in STYLE_WORDS.finditer(words)}
    out, size = [], 0
    for i, c in enumerate(words):
        safe = c == " " or c.isascii() and (c.isalnum() or c in SAFE)
        code = c if safe and i not in coded else f"#{ord(c)};"
        if size + len(code) > limit - 3:
            out.append("...")
            break
        out.append(code)
        size += len(code)
    return "".join(out)


def diagram(programs):
    """The Mermaid sequence diagram of PROGRAMS (what page.kept kept), as text."""
    lanes = page.targets(programs)
    shares = _shares([sum(1 for s in p["steps"] if "text" in s) for p in programs], ARROWS)
    out = ["sequenceDiagram"]
    for p, program in enumerate(programs):
        out.append(f"    participant P{p + 1} as " +
                   text(f"{program['program']} (program {program['number']})", 60))
    out.append(f"    participant {GRADER} as the grader")
    for p, program in enumerate(programs):
        me = f"P{p + 1}"
        if programs[0].get("earlier") and p == 0:
            out.append(f"    Note over {me}: " + text(f"the test ran {program['earlier']} "
                                                      "programs before these"))
        if len(programs) > 1:
            out.append(f"    Note over {me}: " + text(f"{program['program']} (program "
                                                      f"{program['number']}): its calls "
                                                      "in its own order"))
        if not program["steps"]:
            out.append(f"    Note over {me}: no socket call recorded")
        talkers = page.talking(program["steps"])
        for index, step in _cut(program["steps"], program.get("mark"), shares[p]):
            lines = _step(step, me, lanes[p], talkers)
            if index is not None and index == program.get("mark"):
                why = text(f"marked: {program.get('why') or ''}", 2 * LABEL)
                lines = [f"    {HIGHLIGHT}", *["  " + line for line in lines],
                         f"      Note over {me}: {why}", "    end"]
            out += lines
    return "\n".join(out) + "\n"


def block(programs):
    """The diagram of PROGRAMS as a Markdown code block GitHub draws (```mermaid)."""
    return "```mermaid\n" + diagram(programs) + "```\n"


def arrows(diagram_text):
    """The arrows of a diagram: (from, to, failed, label as written), in order."""
    return [(m.group(1), m.group(3), m.group(2) == "-x", m.group(4))
            for m in re.finditer(r"^ *(\w+)(->>|-x)(\w+): (.*)$", diagram_text, re.M)]


def _step(step, me, lanes, talkers):
    """The lines of one step of the program ME: an arrow, and its fault's note."""
    if "gap" in step:
        return [f"    Note over {me}: " + text(f"... {step['gap']} calls not shown here")]
    if "unrecorded" in step:
        return [f"    Note over {me}: " + text(f"... {step['unrecorded']} calls past the "
                                              "record's bound")]
    if "exit" in step:
        return [f"    Note over {me}: " + text(step["exit"])]
    call = page.call_of(step)
    if call is None:
        return []
    peer = f"P{lanes[call.socket] + 1}" if call.socket in lanes else GRADER
    closes = call.name == "closesocket" and call.socket in talkers
    words = text(f"[{step['line']}] {page.label(call, step)}")
    arrow = "-x" if call.failed else "->>"
    if call.name in page.IN_CALLS:
        lines = [f"    {peer}{arrow}{me}: {words}"]
    elif call.name in page.OUT_CALLS or closes:
        lines = [f"    {me}{arrow}{peer}: {words}"]
    else:
        lines = [f"    {me}{arrow}{me}: {words}"]
    if call.fault:
        times = f" (x{step['faults']})" if step.get("faults", 1) > 1 else ""
        lines.append(f"    Note left of {me}: " + text(f"fault: {call.fault}{times}"))
    return lines


def _shares(sizes, limit):
    """How many of its SIZES calls each program draws, LIMIT in all: equal shares, and
    what a short record does not need goes to the others."""
    shares, left = [0] * len(sizes), limit
    for n, i in enumerate(sorted(range(len(sizes)), key=sizes.__getitem__)):
        shares[i] = min(sizes[i], left // (len(sizes) - n))
        left -= shares[i]
    return shares


def _cut(steps, mark, share):
    """STEPS to draw, as (index, step), with at most SHARE calls: the first, the marked
    one and its neighbours, the last; the calls left out as one gap step each run."""
    calls = [i for i, step in enumerate(steps) if "text" in step]
    keep = set(range(len(steps)))
    if len(calls) > share:
        near = [] if mark is None or not share else \
            [i for i in (mark, mark - 1, mark + 1) if i in calls][:max(1, share // 4)]
        tail = (share - len(near)) // 3
        head = share - len(near) - tail
        keep = {i for i in range(len(steps)) if "text" not in steps[i] and "gap" not in steps[i]}
        keep |= set(calls[:head]) | set(calls[len(calls) - tail:] if tail else []) | set(near)
    out, left_out = [], 0
    for i, step in enumerate(steps):
        if i not in keep:
            left_out += step.get("gap", step.get("count", 1))
            continue
        if left_out:
            out.append((None, {"gap": left_out}))
            left_out = 0
        out.append((i, step))
    if left_out:
        out.append((None, {"gap": left_out}))
    return out
