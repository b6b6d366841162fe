"""Memory errors in the student's terms: a sanitizer's report read into which error,
where in the student's code (function, file and line) and what it touched, and the
check, after every test, that none of the test's programs stopped at one.

AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print a report on
stderr and end the program (gradelib.build.SANITIZER_ENV); platform.memory_error
names the error. This module reads the rest of the report: its stack, whose frames
in the kit's layer, the C library and the sanitizer itself are left out, so that the
first frame shown is the student's."""
import re
import time

from . import expect, platform

# A frame of a sanitizer's stack: "#1 0x55e2 in main labs/01-wsastartup/resolve.c:116".
FRAME = re.compile(r"^\s*#(\d+) 0x[0-9a-f]+ in (\S+)(?: (\S+?):(\d+)(?::\d+)?)?\s*$")
# A source file of a lab: NN-topic/FILE.c under the tree (labs/, solutions/, a copy).
LAB_SOURCE = re.compile(r"(?:^|/)(\d\d-[\w.-]+)/([\w.-]+\.[ch])$")
# UBSan's first line: "labs/05-x/transfer.c:61:21: runtime error: WHAT".
UB_LINE = re.compile(r"^(\S+?):(\d+):\d+: runtime error: (.+)$", re.M)
ASAN_LINE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)")
ACCESS = re.compile(r"^(READ|WRITE) of size (\d+)", re.M)
# A SEGV's access: "The signal is caused by a READ memory access." and, for NULL, a hint.
SEGV_ACCESS = re.compile(r"caused by a (READ|WRITE) memory access")
ZERO_PAGE = "address points to the zero page"
# Where the address lies: "0 bytes to the right of 9-byte region".
REGION = re.compile(r"is located (\d+) bytes to the (left|right) of (\d+)-byte region")
INSIDE = re.compile(r"is located (\d+) bytes inside of (\d+)-byte region")
GLOBAL = re.compile(r"is located (\d+) bytes to the (left|right) of global variable "
                    r"'([^']+)'")
# A stack variable the access overflowed: "[32, 48) 'buf' (line 40) <== Memory access ...".
STACK_VARIABLE = re.compile(r"\[\d+, \d+\) '([^']+)'(?: \(line (\d+)\))? <== Memory access "
                            r"at offset \d+ (\w+(?: \w+)?) this variable")
LEAK = re.compile(r"^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object", re.M)
# The start of a report: once stderr shows it, the program is ending; a test waits for
# the report to be complete before it stops the program.
REPORT_START = re.compile(rb"ERROR: (?:AddressSanitizer|LeakSanitizer)|: runtime error: ")
# How long a program that has started its report gets to finish it.
REPORT_WAIT = 5.0
# How many frames of the student's code a message shows.
FRAMES_SHOWN = 3


class Frame:
    def __init__(self, function, path, line):
        self.function, self.path, self.line = function, path, line

    @property
    def student(self):
        """Whether the frame is in a lab's own source (not the kit's layer, the C
        library or the sanitizer's interceptors)."""
        return bool(self.path and LAB_SOURCE.search(self.path))

    def where(self):
        return f"{self.function} ({shown_path(self.path)}:{self.line})"


def shown_path(path):
    """A source path as the student knows it: relative to the kit's root."""
    root = str(platform.ROOT).rstrip("/") + "/"
    return path[len(root):] if path.startswith(root) else path


def stacks(text):
    """The report's stacks, in order: each a list of Frames."""
    found, current = [], []
    for line in text.splitlines():
        m = FRAME.match(line)
        if m:
            if m.group(1) == "0" and current:
                found.append(current)
                current = []
            name = m.group(2).removeprefix("__interceptor_")
            current.append(Frame(name, m.group(3), m.group(4)))
        elif current and not line.strip():
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found


def _in_student_code(stack):
    """'in F (FILE:LINE)', then a line 'called from G (FILE:LINE)' for each of the next
    frames of the student's code in STACK (FRAMES_SHOWN in all); first the library
    function the student's code called, when the error was in there (fprintf,
    memcpy)."""
    mine = [i for i, f in enumerate(stack) if f.student]
    if not mine:
        return None
    first = stack[mine[0]]
    text = f"in {first.where()}"
    library = stack[mine[0] - 1] if mine[0] > 0 else None
    if library is not None and library.function:
        text = f"in {library.function}, called from {first.where()}"
    for i in mine[1:FRAMES_SHOWN]:
        text += f"\n  called from {stack[i].where()}"
    return text


def _origin(stack):
    """Where the student's code allocated or freed a block: 'in F (FILE:LINE)'."""
    mine = [f for f in stack if f.student]
    return f"in {mine[0].where()}" if mine else None


class Report:
    """A sanitizer's report read from a program's stderr."""

    def __init__(self, stderr):
        text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
        self.text = text
        self.kind = self.sanitizer = None
        ub = UB_LINE.search(text)
        asan = ASAN_LINE.search(text)
        if ub and (not asan or ub.start() < asan.start()):
            self.sanitizer, self.kind = "UndefinedBehaviorSanitizer", ub.group(3).strip()
            self.ub_where = f"{shown_path(ub.group(1))}:{ub.group(2)}"
        elif asan:
            self.sanitizer, self.kind = asan.group(1), asan.group(2)
        self.stacks = stacks(text[ub.start() if self.sanitizer ==
                                  "UndefinedBehaviorSanitizer" else
                                  asan.start() if asan else 0:]) if self.kind else []

    def __bool__(self):
        return self.kind is not None

    def headline(self):
        """The error in a few words: 'AddressSanitizer found heap-buffer-overflow'."""
        if self.sanitizer == "UndefinedBehaviorSanitizer":
            return f"UndefinedBehaviorSanitizer: {self.kind}"
        if self.sanitizer == "LeakSanitizer":
            return "LeakSanitizer found memory leaks"
        return f"AddressSanitizer found {self.kind}"

    def details(self):
        """What was touched, where in the student's code, and where the memory came
        from: a few lines."""
        lines = []
        if self.sanitizer == "LeakSanitizer":
            leaks = LEAK.findall(self.text)
            total = sum(int(n) for _, n, _ in leaks)
            lines.append(f"{total} bytes in {sum(int(k) for _, _, k in leaks)} "
                         "allocation(s) never freed")
            for stack in self.stacks[:2]:
                where = _in_student_code(stack)
                if where:
                    lines.append("allocated " + where)
            return "\n".join(dict.fromkeys(lines))
        access = ACCESS.search(self.text)
        what = (f"a {access.group(1)} of {access.group(2)} byte"
                f"{'s' if access.group(2) != '1' else ''}") if access else None
        segv = SEGV_ACCESS.search(self.text) if self.kind == "SEGV" else None
        if segv:
            what = f"a {segv.group(1)} through " + ("a NULL pointer" if ZERO_PAGE in
                                                    self.text else "a bad pointer")
        region, inside = REGION.search(self.text), INSIDE.search(self.text)
        globs = GLOBAL.findall(self.text)
        # Past the end of one global is also before the start of the next: the first.
        glob = next((g for g in globs if g[1] == "right"), globs[0] if globs else None)
        variable = STACK_VARIABLE.search(self.text)
        if region:
            off, size = int(region.group(1)), int(region.group(3))
            what = (what or "an access") + (
                f" reached byte {size + off} of a {size}-byte block (bytes 0 to {size - 1})"
                if region.group(2) == "right" else
                f" reached {off} bytes before the start of a {size}-byte block")
        elif inside and self.kind == "heap-use-after-free":
            what = (what or "an access") + f" inside a {inside.group(2)}-byte block " \
                                           "already freed"
        elif glob:
            off, side, name = glob
            what = (what or "an access") + (f" went past the end of the global '{name}'"
                                             if side == "right" else
                                             f" reached {off} bytes before the start of "
                                             f"the global '{name}'")
        elif variable:
            what = (what or "an access") + f" that {variable.group(3)} the local " \
                                           f"variable '{variable.group(1)}'"
        if what:
            lines.append(what)
        where = _in_student_code(self.stacks[0]) if self.stacks else None
        if where:
            lines.append(where)
        elif self.sanitizer == "UndefinedBehaviorSanitizer":
            lines.append(f"at {self.ub_where}")
        for stack, verb in zip(self.stacks[1:], self._later_stacks()):
            origin = _origin(stack)
            if origin:
                lines.append(f"the block was {verb} {origin}")
        return "\n".join(dict.fromkeys(lines))

    def _later_stacks(self):
        """What the stacks after the first say, in the report's order."""
        verbs = re.findall(r"^(freed|previously allocated|allocated) by thread", self.text,
                           re.M)
        return ["allocated" if v.endswith("allocated") else "freed" for v in verbs]


HINTS = {
    "heap-buffer-overflow": "Read and write only inside what you allocated: a string "
                            "needs strlen + 1 bytes, and an index runs from 0 to size - 1.",
    "stack-buffer-overflow": "An array on the stack was read or written past its end: "
                             "bound every copy and index by the array's size (sizeof), "
                             "and leave room for the NUL.",
    "global-buffer-overflow": "A global or static array was read or written past its "
                              "end: bound every index by its size.",
    "heap-use-after-free": "The memory was used after free(): free it only once nothing "
                           "uses it, and set the pointer to NULL.",
    "double-free": "The same block was freed twice: free each allocation once.",
    "stack-use-after-return": "A pointer to a local variable outlived its function: "
                              "return the data, or use memory the caller owns.",
    "SEGV": "The program read or wrote through a bad pointer (NULL, freed, or never "
            "set): check what the pointer points to at the line shown.",
    "LeakSanitizer": "Memory allocated at the line shown is never freed: free it on "
                     "every path, the failed ones too, before the program ends.",
    "UndefinedBehaviorSanitizer": "The line shown has undefined behaviour (an int that "
                                  "overflows, a shift too far, an index out of bounds, a "
                                  "misaligned or NULL pointer): compute in a type that "
                                  "holds the result, and check before you index or shift.",
}


def hint(report):
    return HINTS.get(report.kind) or HINTS.get(report.sanitizer) or (
        "The sanitizer's report (in the transcript, under build/grade/) names the line: "
        "read and write only inside what you allocated, and free each allocation once.")


def report_of(result):
    """The sanitizer's Report in a program's RESULT, or None."""
    if result.returncode is None or result.returncode == 0:
        return None
    if not REPORT_START.search(result.stderr):
        return None
    report = Report(result.stderr)
    return report or None


def settle(proc, wait=REPORT_WAIT):
    """Waits up to WAIT s for a program that has begun a sanitizer's report to finish
    it and exit, so that stopping it does not cut the report short."""
    if proc.poll() is None and REPORT_START.search(bytes(proc.err.data)):
        proc.exited(wait)


def finished(processes, wait=REPORT_WAIT):
    """The Results of those of PROCESSES that have ended, a program that has begun a
    sanitizer's report given up to WAIT s to finish it and exit. The others are left
    running, for the test's end to stop: only a program that ended can have ended at
    a report."""
    deadline = time.monotonic() + wait
    for proc in processes:
        settle(proc, max(0.0, deadline - time.monotonic()))
    return [proc.stop() for proc in processes if proc.poll() is not None]


def check(processes, seen=None):
    """Fails with the first memory error any of PROCESSES (a test's programs) stopped
    at, in the student's terms; SEEN is the failure the test itself raised, if any,
    shown as what followed."""
    for result in finished(processes):
        report = report_of(result)
        if report is None:
            continue
        got = report.details()
        if seen is not None:
            then = str(seen).split("\n", 1)[0].strip()
            if then and "memory error" not in then:
                got += f"\n(and then the test saw: {then})"
        raise expect.Failure(f"{expect._name(result)} stopped at a memory error: "
                             f"{report.headline()}", got=got or None,
                             hint=hint(report)) from seen
