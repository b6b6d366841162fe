"""make mutation LAB=NN: mutation analysis of the grader's tests of one lab.

Makes mutants of the lab's reference solution (solutions/NN-topic/*.c), each one edit
found by a C parser (libclang, through Python's clang module), runs the lab's grader
tests on each (only the tests that run the changed line), and reports as PIT does:
each mutant killed (by which test), survived, not covered by any test, timed out
(counted as killed) or stillborn (it does not compile: left out); the score over the
mutants that are not equivalent; and each survivor with its diff. The equivalent
mutants, those no correct test could tell from the reference, are listed with the
reason in tests/mutants/labNN/equivalent.txt, and left out of the score.

    make mutation LAB=03 [JOBS=2] [MUTANTS=ID,ID] [MUTATION_ARGS=...]
    python3 grader/course/mutation.py --lab 03 [--jobs 2] [--only ID,ID] [--list]

docs/grading.md ("Measuring the tests: mutation analysis") says more.
"""
import argparse
import concurrent.futures
import ctypes
import difflib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import kit
import runs
from gradelib import platform  # found on the path kit (above) sets

ROOT = kit.KIT
HERE = Path(__file__).resolve().parent
WORK = ROOT / "build" / "mutation"

# Exit codes: 0 the analysis ran (whatever the score); 2 bad input (the message names
# it); 3 the reference does not build, or libclang cannot parse it; 4 no C parser
# (Python's clang module, or libclang, is missing); 130 interrupted.
EXIT_DONE = 0
EXIT_USAGE = kit.EXIT_USAGE
EXIT_REFERENCE = 3
EXIT_NO_PARSER = 4
EXIT_INTERRUPTED = 130

# A mutant's tests may take this many times the reference's time for the same tests,
# plus TIME_SLACK seconds (starting pytest, and a program's own timeout, which the
# grader reports as the test's failure); past that it is ended, and counted as timed
# out (killed).
TIME_FACTOR = 2.0
TIME_SLACK = 20.0

HOW_TO_INSTALL = (
    "The mutation analysis parses C with libclang, through Python's clang module, "
    "which students never need, so 'make setup' leaves it out. Install it:\n"
    "    Debian/Ubuntu:  sudo apt-get install python3-clang\n"
    "    elsewhere:      python3 -m pip install libclang\n"
    "KIT_LIBCLANG=/path/to/libclang.so names the library when it is not found.")

# Interpreters tried, in turn, when the one running this has no clang module: the
# first python3 on PATH is often a pyenv or venv one, and Debian's module is the
# system Python's.
PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3", "/opt/homebrew/bin/python3")
LIBCLANG_GLOBS = ("/usr/lib/llvm-*/lib/libclang.so*", "/usr/lib/*/libclang-*.so*",
                  "/usr/lib/libclang.so*", "/opt/homebrew/opt/llvm/lib/libclang.dylib",
                  "/usr/local/opt/llvm/lib/libclang.dylib")


class Problem(Exception):
    """Something that stops the analysis: the message names it, CODE is the exit code."""

    def __init__(self, message, code=EXIT_USAGE):
        super().__init__(message)
        self.code = code


def say(*parts):
    print(*parts, flush=True)


# --- the lab --------------------------------------------------------------------------

class Lab:
    """One lab: its folder name (03-tcp-server), its reference files, its programs and
    unit tests (as make targets), and its grader files (hidden ones included)."""

    def __init__(self, spec, work=None):
        labs = kit.all_labs(ROOT)
        numbers = " ".join(lab[:2] for lab in labs)
        spec = (spec or "").strip()
        if not spec:
            raise Problem(f"LAB is not given: make mutation LAB=NN (the labs are {numbers})")
        found = [lab for lab in labs if spec.isdigit() and lab[:2] == spec.zfill(2)]
        if not found:
            raise Problem(f"LAB={spec} is not a lab: the labs are {numbers}")
        self.name = found[0]
        self.number = self.name[:2]
        self.reference = ROOT / "solutions" / self.name
        if not self.reference.is_dir():
            raise Problem(f"LAB={spec}: there is no reference solution "
                          f"solutions/{self.name}/ to make mutants of")
        self.sources = sorted(self.reference.glob("*.c"))
        # The reference as the run found it: every mutant is an edit of these texts.
        self.texts = {p.name: p.read_bytes() for p in sorted(self.reference.iterdir())
                      if p.is_file()}
        fragment = (ROOT / "labs" / self.name / "Makefile.local").read_text(encoding="utf-8")
        # Its programs, unit tests and model's driver (tests/models/), as make targets.
        self.programs = re.findall(r"call lab_(?:program|units|model),[^,]+,(\w+),", fragment)
        self.unit_sources = re.findall(r"\btests/(?:unit|models)/\w+\.c\b", fragment)
        # What its programs link from earlier labs (lab 03's listener): the reference's
        # files, as every tree the mutants are built in holds them.
        self.linked = sorted({ROOT / "solutions" / f"{e}{ext}" for e in re.findall(
            r"call lab_program,[^,]+,\w+,[^,]+,([\w/. -]+)\)", fragment)
            for e in e.split() for ext in (".c", ".h")})
        self.test_files = sorted((ROOT / "grader").glob(f"test_lab{self.number}_*.py")) + \
            sorted((ROOT / "grader" / "hidden").glob(f"test_lab{self.number}_*.py"))
        self.work = Path(work).resolve() if work else WORK / f"lab{self.number}"
        self.equivalents = ROOT / "tests" / "mutants" / f"lab{self.number}" / "equivalent.txt"

    def targets(self, out):
        """The make targets of the lab's programs, unit tests and model's driver, under
        OUT."""
        return [rel(out / "bin" / name) for name in self.programs]

    def digest(self):
        """What the coverage of the reference depends on: the reference, the tests,
        the grader, the layer and this tool. A change to any makes it again."""
        paths = [*self.sources, *self.reference.glob("*.h"), *self.linked, *self.test_files,
                 *map(ROOT.joinpath, self.unit_sources), ROOT / "tests" / "unit" / "unit.c",
                 *sorted((ROOT / "tests" / "models").glob("model.[ch]")),
                 ROOT / "grader" / "conftest.py", *sorted((ROOT / "grader" / "gradelib").rglob("*.py")),
                 *sorted((ROOT / "labs" / "common").glob("*.[ch]")), ROOT / "Makefile",
                 ROOT / "labs" / self.name / "Makefile.local", Path(__file__), HERE / "gcov_dump.c",
                 HERE / "mutation_plugin.py"]
        h = hashlib.sha256()
        for path in sorted(set(paths)):
            h.update(rel(path).encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()


def rel(path):
    """PATH relative to the kit, as make and the grader take it (absolute outside it)."""
    path = Path(path)
    if path.is_absolute() and path.is_relative_to(ROOT):
        return path.relative_to(ROOT).as_posix()
    return path.as_posix()


# --- the parser -------------------------------------------------------------------------

def load_clang(argv):
    """Python's clang module with libclang loaded. Where this interpreter has no clang
    module and another Python has, the tool starts again under that one."""
    try:
        import clang.cindex as cindex
    except ImportError:
        cindex = None
    if cindex is None:
        if not os.environ.get("KIT_MUTATION_PYTHON"):
            for python in PYTHONS:
                if Path(python).exists() and os.path.realpath(python) != \
                        os.path.realpath(sys.executable) and subprocess.run(
                            [python, "-c", "import clang.cindex"], capture_output=True).returncode == 0:
                    sys.stdout.flush()
                    os.execve(python, [python, __file__, *argv],
                              dict(os.environ, KIT_MUTATION_PYTHON=python))
        raise Problem(f"no C parser: Python's clang module is not installed (for "
                      f"{sys.executable}).\n{HOW_TO_INSTALL}", EXIT_NO_PARSER)
    chosen = os.environ.get("KIT_LIBCLANG", "").strip()
    candidates = [chosen] if chosen else [None] + sorted(
        (p for pattern in LIBCLANG_GLOBS for p in map(str, Path("/").glob(pattern.lstrip("/")))),
        reverse=True)
    errors = []
    for candidate in candidates:
        if candidate is not None:
            if not Path(candidate).exists():
                errors.append(f"{candidate}: no such file")
                continue
            cindex.Config.library_file = candidate
        try:
            cindex.Index.create()
            return cindex
        except Exception as e:      # clang.cindex.LibclangError, OSError
            errors.append(str(e).splitlines()[0])
    raise Problem(f"no C parser: Python's clang module cannot load libclang "
                  f"({'; '.join(errors[:2])}).\n{HOW_TO_INSTALL}", EXIT_NO_PARSER)


class Source:
    """One C file of the reference, parsed: its text (bytes) and where in it each
    cursor is written. Locations are file locations: for code in a macro's arguments,
    where the argument is written (recv(s, buf, len - 1, 0): the '-' itself), and for
    code in a macro's body, where the macro is used; each edit is checked against the
    text, so none lands inside a macro's body."""

    def __init__(self, cindex, path, include_dirs):
        self.cindex = cindex
        self.path = path
        self.name = path.name
        self.text = path.read_bytes()
        index = cindex.Index.create()
        args = ["-std=gnu11", "-xc"] + [f"-I{d}" for d in include_dirs]
        self.tu = index.parse(str(path), args=args,
                              options=cindex.TranslationUnit.PARSE_DETAILED_PROCESSING_RECORD)
        errors = [d for d in self.tu.diagnostics if d.severity >= cindex.Diagnostic.Error]
        if errors:
            raise Problem(f"libclang cannot parse {rel(path)}: {errors[0]}", EXIT_REFERENCE)
        lib = cindex.conf.lib
        self._file_location = lib.clang_getFileLocation
        self._file_location.argtypes = [cindex.SourceLocation, ctypes.POINTER(ctypes.c_void_p),
                                        ctypes.POINTER(ctypes.c_uint),
                                        ctypes.POINTER(ctypes.c_uint),
                                        ctypes.POINTER(ctypes.c_uint)]
        self._file_location.restype = None
        handle = self.tu.get_file(str(path))
        self.file_handle = ctypes.cast(handle.obj, ctypes.c_void_p).value
        self.lines = [0]            # the offset where each line starts
        for i, byte in enumerate(self.text):
            if byte == 10:
                self.lines.append(i + 1)

    def offset(self, location):
        """LOCATION's byte offset in this file, or None when it is in another file."""
        f, line, col, off = ctypes.c_void_p(), ctypes.c_uint(), ctypes.c_uint(), ctypes.c_uint()
        self._file_location(location, ctypes.byref(f), ctypes.byref(line), ctypes.byref(col),
                            ctypes.byref(off))
        if not f.value or f.value != self.file_handle:
            return None
        return off.value

    def span(self, cursor):
        """(start, end) of CURSOR's text in this file, or None."""
        start, end = self.offset(cursor.extent.start), self.offset(cursor.extent.end)
        if start is None or end is None or end <= start:
            return None
        return start, end

    def at(self, start, end):
        return self.text[start:end].decode("utf-8", "replace")

    def line_col(self, offset):
        """The 1-based line and column (bytes) of OFFSET."""
        lo, hi = 0, len(self.lines) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.lines[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.lines[lo] + 1


# --- mutants ----------------------------------------------------------------------------

class Mutant:
    """One edit of one file: the text from START to END becomes REPLACEMENT. Its id,
    FILE:LINE:COL:OPERATOR, is the same on every run of the same reference."""

    FIELDS = ("id", "file", "start", "end", "replacement", "operator", "function", "line",
              "col", "end_line", "original", "given")

    def __init__(self, **fields):
        for name in self.FIELDS:
            setattr(self, name, fields[name])

    @classmethod
    def at(cls, source, start, end, replacement, operator, function, given):
        line, col = source.line_col(start)
        return cls(id=f"{source.name}:{line}:{col}:{operator}", file=source.name, start=start,
                   end=end, replacement=replacement, operator=operator, function=function,
                   line=line, col=col, end_line=source.line_col(max(start, end - 1))[0],
                   original=source.at(start, end), given=given)

    def fields(self):
        return {name: getattr(self, name) for name in self.FIELDS}

    def apply(self, text):
        return text[:self.start] + self.replacement.encode() + text[self.end:]

    def edit(self):
        """The edit in a few words: `<` -> `<=`."""
        def short(s):
            s = " ".join(s.split())
            return s if len(s) <= 60 else s[:57] + "..."
        return f"`{short(self.original)}` -> `{short(self.replacement)}`"

    def diff(self, text):
        """The unified diff of the mutant against TEXT, its file in the reference."""
        old = text.decode("utf-8", "replace").splitlines(keepends=True)
        new = self.apply(text).decode("utf-8", "replace").splitlines(keepends=True)
        return "".join(difflib.unified_diff(old, new, f"a/{self.file}", f"b/{self.file}", n=1))


# The operators: what each binary operator becomes (PIT's conditionals boundary and
# negate conditionals, its math mutator, and && and || swapped), and the names used
# in a mutant's id.
BINARY = {"<": ["<=", ">="], "<=": ["<", ">"], ">": [">=", "<="], ">=": [">", "<"],
          "==": ["!="], "!=": ["=="], "+": ["-"], "-": ["+"], "*": ["/"], "/": ["*"],
          "%": ["*"], "&&": ["||"], "||": ["&&"], "&": ["|"], "|": ["&"], "^": ["&"],
          "<<": [">>"], ">>": ["<<"],
          "+=": ["-="], "-=": ["+="], "*=": ["/="], "/=": ["*="], "|=": ["&="], "&=": ["|="],
          "<<=": [">>="], ">>=": ["<<="]}
OPERATOR_NAMES = {"<": "lt", "<=": "le", ">": "gt", ">=": "ge", "==": "eq", "!=": "ne",
                  "+": "add", "-": "sub", "*": "mul", "/": "div", "%": "mod", "&&": "and",
                  "||": "or", "&": "bitand", "|": "bitor", "^": "xor", "<<": "shl",
                  ">>": "shr", "+=": "add-assign", "-=": "sub-assign", "*=": "mul-assign",
                  "/=": "div-assign", "|=": "or-assign", "&=": "and-assign",
                  "<<=": "shl-assign", ">>=": "shr-assign"}
COMPOUND = {op for op in OPERATOR_NAMES if op.endswith("=") and op not in ("<=", ">=", "==", "!=")}
RELATIONAL = {"<", "<=", ">", ">=", "==", "!=", "&&", "||"}
INTEGER = re.compile(r"^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([uUlL]*)$")
# A call's argument is a length when the callee names its parameter so: recv's len,
# memcpy's n (glibc: __n), snprintf's maxlen, setsockopt's optlen, fwrite's n.
LENGTH_PARAMETER = re.compile(r"^_*(n|len|length|size|count|bytes|nbytes|max|maxlen|\w*len"
                              r"|\w*size|\w*_n)$", re.I)
# Comparisons whose arguments swapped give the same answer to == 0 and != 0: their
# arguments are not swapped there (a mutant every test must miss).
SYMMETRIC = {"strcmp", "strncmp", "memcmp", "strcasecmp", "strncasecmp", "_stricmp",
             "_strnicmp"}
# Calls whose removal leaks what they close, named apart from other deleted calls.
CLOSERS = {"closesocket", "fclose", "close"}


def make_mutants(cindex, lab):
    """Every mutant of LAB's reference, in a stable order, without two that make the
    same program text. Kept in the lab's folder, and made again when the reference
    or this tool changes."""
    cache = lab.work / "mutants-cache.json"
    h = hashlib.sha256(Path(__file__).read_bytes())
    for name, text in lab.texts.items():
        h.update(name.encode() + b"\0" + text + b"\0")
    if cache.exists():
        try:
            data = json.loads(cache.read_text())
            if data["digest"] == h.hexdigest():
                return [Mutant(**m) for m in data["mutants"]]
        except (ValueError, KeyError, TypeError):
            pass
    mutants = parse_mutants(cindex, lab)
    lab.work.mkdir(parents=True, exist_ok=True)
    cache.write_text(json.dumps({"digest": h.hexdigest(),
                                 "mutants": [m.fields() for m in mutants]}))
    return mutants


def parse_mutants(cindex, lab):
    mutants = []
    include = [ROOT / "labs" / "common", lab.reference, *{p.parent for p in lab.linked}]
    for path in lab.sources:
        source = Source(cindex, path, include)
        found = Finder(cindex, source).run()
        seen = {}
        for m in sorted(found, key=lambda m: (m.start, m.end, m.operator)):
            result = m.apply(source.text)
            if result == source.text or result in seen:
                continue
            seen[result] = m
            mutants.append(m)
    ids = {}
    for m in mutants:
        if m.id in ids:
            ids[m.id] += 1
            m.id += f"~{ids[m.id]}"
        else:
            ids[m.id] = 1
    return mutants


def squeeze(text):
    """TEXT with every run of white space one space."""
    return " ".join(text.split())


class Finder:
    """Walks one file's syntax tree and makes its mutants."""

    def __init__(self, cindex, source):
        self.ci = cindex
        self.K = cindex.CursorKind
        self.source = source
        self.mutants = []
        self.symmetric = set()      # where a call of SYMMETRIC is compared with == or !=

    def add(self, start, end, replacement, operator, function):
        if function:
            given = self.given.get(function, False)
        else:       # file scope: the line as the starter has it
            line = self.source.line_col(start)[0]
            text = self.source.text.splitlines()[line - 1].decode("utf-8", "replace")
            given = squeeze(text) in self.starter_lines
        self.mutants.append(Mutant.at(self.source, start, end, replacement, operator, function,
                                      given))

    def run(self):
        starter = self.source.path.parents[2] / "labs" / self.source.path.parent.name / \
            self.source.name
        text = starter.read_text(encoding="utf-8", errors="replace") if starter.exists() else ""
        self.starter_lines = {squeeze(line) for line in text.splitlines()}
        starter_text = squeeze(text)
        # A function the starter has as the reference does is given: a student does
        # not write it (a mistake in it is no student's).
        self.given = {}
        top = []
        for cursor in self.source.tu.cursor.get_children():
            loc = cursor.location
            if loc.file is None or os.path.realpath(loc.file.name) != \
                    os.path.realpath(str(self.source.path)):
                continue
            top.append(cursor)
            span = self.source.span(cursor)
            if cursor.kind == self.K.FUNCTION_DECL and cursor.is_definition() and span:
                self.given[cursor.spelling] = squeeze(self.source.at(*span)) in starter_text
        for cursor in top:
            if cursor.kind == self.K.MACRO_DEFINITION:
                self.macro(cursor)
            else:
                self.walk(cursor, cursor.spelling if cursor.kind == self.K.FUNCTION_DECL else "")
        return self.mutants

    def walk(self, cursor, function):
        K = self.K
        kind = cursor.kind
        if kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR):
            self.binary(cursor, function)
        elif kind == K.UNARY_OPERATOR:
            self.unary(cursor, function)
        elif kind == K.INTEGER_LITERAL:
            self.literal(cursor, function)
        elif kind == K.CHARACTER_LITERAL:
            self.character(cursor, function)
        elif kind == K.CXX_UNARY_EXPR:
            self.sizeof(cursor, function)
        elif kind == K.CALL_EXPR:
            self.call(cursor, function)
        if kind == K.COMPOUND_STMT:
            for statement in cursor.get_children():
                self.statement(statement, function)
        elif kind in (K.IF_STMT, K.WHILE_STMT, K.FOR_STMT, K.DO_STMT):
            children = list(cursor.get_children())
            bodies = {K.IF_STMT: children[1:], K.WHILE_STMT: children[1:],
                      K.DO_STMT: children[:1], K.FOR_STMT: children[-1:]}[kind]
            for body in bodies:
                if body.kind != K.COMPOUND_STMT:
                    self.statement(body, function)
            condition = {K.IF_STMT: children[:1], K.WHILE_STMT: children[:1],
                         K.DO_STMT: children[1:2]}.get(kind, [])
            for c in condition:
                self.condition(c, function)
        elif kind == K.CONDITIONAL_OPERATOR:
            self.condition(next(cursor.get_children()), function)
        for child in cursor.get_children():
            self.walk(child, function)

    def operator(self, cursor):
        """(offset, text) of a binary operator: the one token between its operands,
        or None (an operator in a macro's body, or a comment beside it)."""
        children = list(cursor.get_children())
        if len(children) != 2:
            return None
        lhs, rhs = self.source.span(children[0]), self.source.span(children[1])
        if lhs is None or rhs is None or lhs[1] >= rhs[0]:
            return None
        between = self.source.at(lhs[1], rhs[0])
        op = between.strip()
        if op not in OPERATOR_NAMES and op != "=":
            return None
        return lhs[1] + between.index(op), op

    def binary(self, cursor, function):
        found = self.operator(cursor)
        if found is None or found[1] == "=":
            return
        at, op = found
        if (op in COMPOUND) != (cursor.kind == self.K.COMPOUND_ASSIGNMENT_OPERATOR):
            return
        if op in ("==", "!="):
            for side in map(self.bare, cursor.get_children()):
                if side.kind == self.K.CALL_EXPR and self.callee(side) in SYMMETRIC:
                    self.symmetric.add(self.source.span(side))
        for new in BINARY[op]:
            self.add(at, at + len(op), new, f"{OPERATOR_NAMES[op]}-to-{OPERATOR_NAMES[new]}",
                     function)

    def unary(self, cursor, function):
        span = self.source.span(cursor)
        if span is None:
            return
        start, end = span
        text = self.source.text
        if text.startswith(b"!", start) and not text.startswith(b"!=", start):
            self.add(start, start + 1, "", "del-not", function)
        elif text.startswith(b"++", start) or text[end - 2:end] == b"++":
            at = start if text.startswith(b"++", start) else end - 2
            self.add(at, at + 2, "--", "inc-to-dec", function)
        elif text.startswith(b"--", start) or text[end - 2:end] == b"--":
            at = start if text.startswith(b"--", start) else end - 2
            self.add(at, at + 2, "++", "dec-to-inc", function)

    def literal(self, cursor, function):
        span = self.source.span(cursor)
        if span is None:
            return
        self.number(span[0], span[1], function)

    def character(self, cursor, function):
        """A character constant, one off: '0' -> ('0' + 1)."""
        span = self.source.span(cursor)
        if span is None or not re.match(r"^'(\\.|[^\\'])+'$", self.source.at(*span)):
            return
        text = self.source.at(*span)
        self.add(span[0], span[1], f"({text} + 1)", "const-plus1", function)
        self.add(span[0], span[1], f"({text} - 1)", "const-minus1", function)

    def number(self, start, end, function):
        m = INTEGER.match(self.source.at(start, end))
        if not m:
            return
        digits, suffix = m.groups()
        value = int(digits, 0)
        for delta, name in ((1, "const-plus1"), (-1, "const-minus1")):
            new = value + delta
            if new < 0 and "u" in suffix.lower():
                continue
            text = (hex(new) if digits.lower().startswith("0x") and new >= 0 else str(new))
            self.add(start, end, text + suffix, name, function)

    def macro(self, cursor):
        """#define NAME NUMBER: the number, one off."""
        tokens = list(cursor.get_tokens())
        if len(tokens) < 2:
            return
        name_end = self.source.offset(tokens[0].extent.end)
        if name_end is None or self.source.text[name_end:name_end + 1] == b"(":
            return          # a function-like macro
        body = [t for t in tokens[1:] if t.spelling not in ("(", ")")]
        if len(body) != 1 or body[0].kind != self.ci.TokenKind.LITERAL:
            return
        start = self.source.offset(body[0].extent.start)
        end = self.source.offset(body[0].extent.end)
        if start is not None and end is not None:
            self.number(start, end, "")

    def sizeof(self, cursor, function):
        span = self.source.span(cursor)
        if span is None or not self.source.at(*span).startswith("sizeof"):
            return
        self.add(span[0], span[1], f"({self.source.at(*span)} - 1)", "sizeof-minus1", function)

    def bare(self, cursor):
        """CURSOR without the casts and parentheses around it."""
        K = self.K
        while cursor.kind in (K.UNEXPOSED_EXPR, K.CSTYLE_CAST_EXPR, K.PAREN_EXPR):
            children = [c for c in cursor.get_children() if c.kind != K.TYPE_REF]
            if len(children) != 1:
                break
            cursor = children[0]
        return cursor

    def callee(self, cursor):
        """The name a call is written with (a macro's, for the layer's calls)."""
        span = self.source.span(cursor)
        return re.match(r"^\w*", self.source.at(*span)).group(0) if span else ""

    def call(self, cursor, function):
        args = list(cursor.get_arguments())
        spans = [self.source.span(a) for a in args]
        if any(s is None for s in spans):
            return
        # Swapped arguments: each two neighbours of the same type that differ.
        swaps = 0 if self.source.span(cursor) in self.symmetric else len(args) - 1
        for i in range(swaps):
            (a0, a1), (b0, b1) = spans[i], spans[i + 1]
            if a1 > b0 or args[i].type.get_canonical().spelling != \
                    args[i + 1].type.get_canonical().spelling:
                continue
            first, second = self.source.at(a0, a1), self.source.at(b0, b1)
            if first == second:
                continue
            self.add(a0, b1, second + self.source.at(a1, b0) + first,
                     f"swap-args-{i + 1}-{i + 2}", function)
        # A length, one short.
        callee = cursor.referenced
        params = list(callee.get_arguments()) if callee is not None else []
        integer = {"INT", "UINT", "LONG", "ULONG", "LONGLONG", "ULONGLONG", "SHORT", "USHORT"}
        for arg, span, param in zip(args, spans, params):
            if not LENGTH_PARAMETER.match(param.spelling or "") or \
                    arg.type.get_canonical().kind.name not in integer:
                continue
            inner = self.bare(arg)
            text = self.source.at(*span)
            if inner.kind == self.K.CXX_UNARY_EXPR or INTEGER.match(text.strip("() ")):
                continue        # sizeof-minus1 and const-minus1 make these
            self.add(span[0], span[1], f"({text} - 1)", "len-minus1", function)

    def statement(self, cursor, function):
        """A statement deleted: a call, an assignment, break, continue, return."""
        K = self.K
        kind = cursor.kind
        span = self.source.span(cursor)
        if span is None:
            return
        inner = self.bare(cursor)
        if inner.kind == K.CALL_EXPR:
            name = re.match(r"^(?:\(void\)\s*)?(\w*)", self.source.at(*span)).group(1)
            self.add(span[0], span[1], "(void)0", "del-close" if name in CLOSERS
                     else "del-call", function)
        elif kind in (K.BINARY_OPERATOR, K.COMPOUND_ASSIGNMENT_OPERATOR, K.UNARY_OPERATOR,
                      K.BREAK_STMT, K.CONTINUE_STMT, K.RETURN_STMT, K.GOTO_STMT):
            if kind == K.BINARY_OPERATOR and not self.assignment(cursor):
                return
            if kind == K.UNARY_OPERATOR and not re.match(r"^(\+\+|--)|.*(\+\+|--)$",
                                                           self.source.at(*span)):
                return
            self.add(span[0], span[1], "(void)0", "del-stmt", function)

    def assignment(self, cursor):
        found = self.operator(cursor)
        return found is not None and found[1] == "="

    def condition(self, cursor, function):
        """A condition that no relational mutant changes, negated: if (ptr) -> if (!(ptr))."""
        inner = self.bare(cursor)
        if inner.kind == self.K.BINARY_OPERATOR:
            found = self.operator(inner)
            if found is not None and found[1] in RELATIONAL:
                return
        if inner.kind == self.K.UNARY_OPERATOR:
            span = self.source.span(inner)
            if span is not None and self.source.text.startswith(b"!", span[0]):
                return          # del-not makes it
        span = self.source.span(cursor)
        if span is None:
            return
        self.add(span[0], span[1], f"!({self.source.at(*span)})", "negate-cond", function)


# --- the tests --------------------------------------------------------------------------

def grader_env(**extra):
    """The environment of a grader run: the caller's, without what says which tree the
    grader grades or how, plus EXTRA."""
    env = {k: v for k, v in os.environ.items() if k not in runs.NOT_INHERITED}
    env.update(KIT_TARGET="native", PYTHONPATH=os.pathsep.join(
        [str(HERE)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    env.update({k: str(v) for k, v in extra.items() if v is not None})
    return env


def pytest_python():
    """A Python that can import pytest, found once, as grader/pytest.sh finds one (it
    is started for every mutant: the shell script's search would cost a second each
    time)."""
    if "python" not in _python:
        for python in [os.environ.get("PYTHON"), sys.executable, "python3", *PYTHONS]:
            if python and shutil.which(python) and subprocess.run(
                    [python, "-c", "import pytest"], capture_output=True).returncode == 0:
                _python["python"] = shutil.which(python)
                break
        else:
            raise Problem("no Python that can import pytest: install it (make setup)",
                          EXIT_REFERENCE)
    return _python["python"]


_python = {}


def pytest_command(*args, jobs=1):
    """The grader's command line (with the plugin), JOBS tests at a time."""
    python = pytest_python()
    parallel = []
    if jobs > 1 and subprocess.run([python, "-c", "import xdist"],
                                   capture_output=True).returncode == 0:
        parallel = ["-n", str(jobs)]
    return [python, "-m", "pytest", "-p", "no:cacheprovider", "-p", "mutation_plugin", "-q",
            *parallel, *args]


class Tests:
    """The lab's tests, and what the reference's coverage build says of each: whether it
    passes, how long it takes, and the lines and functions of each file it runs."""

    def __init__(self, lab, jobs, fresh=False, select=""):
        self.lab = lab
        self.jobs = jobs
        self.select = select
        self.dir = lab.work / "coverage"
        # One measure per choice of tests (--tests): each is kept apart.
        self.cache = lab.work / ("coverage.json" if not select else
                                 f"coverage-{hashlib.sha1(select.encode()).hexdigest()[:8]}.json")
        digest = lab.digest() + "\0" + select
        data = None
        if self.cache.exists() and not fresh:
            data = json.loads(self.cache.read_text())
            if data.get("digest") != digest:
                data = None
        if data is None:
            data = self.measure()
            data["digest"] = digest
            self.cache.write_text(json.dumps(data))
        else:
            say(f"mutation: the reference's coverage of lab {lab.number} is that of the last "
                f"run (nothing it depends on has changed): {rel(self.cache)}")
        self.tests = data["tests"]          # {nodeid: {passed, seconds, lines, functions}}
        self.left_out = data["left_out"]    # {nodeid: why}
        self.executable = {f: set(lines) for f, lines in data["executable"].items()}
        for t in self.tests.values():
            t["lines"] = {f: set(lines) for f, lines in t["lines"].items()}
            t["functions"] = {f: set(names) for f, names in t["functions"].items()}

    def measure(self):
        lab = self.lab
        say(f"mutation: measuring which test runs which line: lab {lab.number}'s tests on "
            f"the reference built with --coverage")
        started = time.monotonic()
        shutil.rmtree(self.dir, ignore_errors=True)
        out = self.dir / "out"
        self.build_coverage(out)
        gcov = self.dir / "gcov"
        log = self.dir / "log.jsonl"
        listing = self.dir / "tests.json"
        env = grader_env(KIT_LAB=lab.number, KIT_OUT=rel(out), KIT_SANITIZED_OUT=rel(out),
                         KIT_GRADE_DIR=str(self.dir / "grade"), KIT_RUN_ID=uuid.uuid4().hex,
                         KIT_PASS_ENV="GCOV_PREFIX", KIT_MUTATION_GCOV=str(gcov),
                         KIT_MUTATION_LOG=str(log), KIT_MUTATION_COLLECT=str(listing))
        # The whole lab two tests at a time (pytest-xdist, where it is installed); a few
        # chosen tests one at a time, which starts sooner.
        chosen = ["-k", self.select] if self.select else []
        proc = run_pytest([*chosen, "grader"], env, timeout=3600,
                          jobs=1 if self.select else self.jobs)
        if self.select and proc.returncode == 5:        # pytest: no test collected
            raise Problem(f"--tests '{self.select}' chooses none of lab {lab.number}'s tests")
        if not listing.exists():
            raise Problem(f"the grader cannot run lab {lab.number}'s tests (pytest: "
                          f"{proc.returncode}):\n{proc.output[-3000:]}", EXIT_REFERENCE)
        # Every test but the build line, which only make grade's build can grade.
        tests = [t for t in json.loads(listing.read_text())
                 if not t["nodeid"].endswith("::test_builds")]
        if not tests:
            raise Problem(f"lab {lab.number} has no tests", EXIT_REFERENCE)
        nodeids = [t["nodeid"] for t in tests]
        outcomes = read_log(log)
        failing = [n for n in nodeids if outcomes.get(n, {}).get("outcome") != "passed"]
        if failing:
            # Once more, alone: a test may fail on a machine that is busy for a moment.
            say(f"mutation: {len(failing)} test(s) failed on the reference; running them again")
            log.unlink(missing_ok=True)
            env.pop("KIT_MUTATION_COLLECT")
            run_pytest(failing, env, timeout=1800)
            outcomes.update(read_log(log))
        left_out = {}
        for n in nodeids:
            o = outcomes.get(n)
            if o is None:
                left_out[n] = "did not run on the reference" + \
                    (f" (pytest ended with {proc.returncode})" if proc.returncode else "")
            elif o["outcome"] == "xfail":
                left_out[n] = "not graded on the reference here (an expected failure)"
            elif o["outcome"] != "passed":
                left_out[n] = "fails on the reference's coverage build, twice"
        data = {"tests": {}, "left_out": left_out, "executable": {}}
        executable = {}
        for t in tests:
            n = t["nodeid"]
            if n in left_out:
                continue
            lines, functions = self.read_coverage(gcov / test_key(n), out, executable)
            data["tests"][n] = {"seconds": outcomes[n]["seconds"],
                                "lines": {f: sorted(v) for f, v in lines.items()},
                                "functions": {f: sorted(v) for f, v in functions.items()}}
        data["executable"] = {f: sorted(v) for f, v in executable.items()}
        say(f"mutation: coverage measured in {time.monotonic() - started:.0f} s"
            + (f"; left out: {len(left_out)} test(s)" if left_out else ""))
        return data

    def build_coverage(self, out):
        """The reference with gcc --coverage, at -O0 (each line its own code), with the
        layer's waiting calls wrapped so that a server the grader kills keeps its
        coverage (gcov_dump.c)."""
        lab = self.lab
        dump = self.dir / "gcov_dump.o"
        dump.parent.mkdir(parents=True, exist_ok=True)
        compiled = subprocess.run(["gcc", "-std=gnu11", "-O1", "-Ilabs/common", "-c", "-o",
                                   str(dump), "grader/course/gcov_dump.c"], cwd=ROOT,
                                  capture_output=True, text=True)
        if compiled.returncode != 0:
            raise Problem(f"grader/course/gcov_dump.c does not compile:\n{compiled.stderr}",
                          EXIT_REFERENCE)
        wrapped = ",".join(f"--wrap=rec_{c}" for c in
                           ("accept", "connect", "send", "recv", "sendto", "recvfrom", "select"))
        # The layer as every build has it (build/native/common), made first with the
        # usual flags: only the lab's own files are measured.
        listed = make(["--eval", "mutation-common: ; @echo $(COMMON_OUT) $(COMMON_OBJS)",
                       "mutation-common"])
        common = listed.stdout.split()
        made = make(common[1:]) if listed.returncode == 0 and common else listed
        if made.returncode == 0:
            made = make(["SRC=solutions", f"OUT={rel(out)}", f"BUILD={rel(self.dir / 'build')}",
                         f"COMMON_OUT={common[0]}", "CFLAGS=-g -O0 --coverage",
                         f"LDFLAGS=--coverage -Wl,{wrapped} {dump}", *lab.targets(out)])
        if made.returncode != 0:
            raise Problem(f"the reference of lab {lab.number} does not build with --coverage:\n"
                          f"{made.stdout[-3000:]}", EXIT_REFERENCE)

    def read_coverage(self, folder, out, executable):
        """{file: lines run} and {file: functions run} of one test, from the .gcda files
        its programs wrote under FOLDER (GCOV_PREFIX), read by gcov."""
        lines, functions = {}, {}
        # The lab's objects, and those of its unit tests and model's driver (obj/tests/),
        # which may include a file of the lab (lab 01's unit tests include resolve.c).
        found = []
        for objects in ((out / "obj" / self.lab.name).resolve(), (out / "obj" / "tests").resolve()):
            mirror = folder / str(objects).lstrip("/")
            found += [(objects, gcda) for gcda in sorted(mirror.glob("*.gcda"))] \
                if mirror.is_dir() else []
        for objects, gcda in found:
            mirror = gcda.parent
            shutil.copy(objects / gcda.with_suffix(".gcno").name, mirror)
            proc = subprocess.run(["gcov", "--json-format", "--stdout", gcda.name], cwd=mirror,
                                  capture_output=True, text=True)
            for doc in proc.stdout.splitlines():
                if not doc.startswith("{"):
                    continue
                for f in json.loads(doc).get("files", []):
                    name = Path(f["file"]).name
                    if not (self.lab.reference / name).exists():
                        continue
                    executable.setdefault(name, set()).update(l["line_number"] for l in f["lines"])
                    lines.setdefault(name, set()).update(
                        l["line_number"] for l in f["lines"] if l["count"] > 0)
                    functions.setdefault(name, set()).update(
                        fn["name"] for fn in f["functions"] if fn["execution_count"] > 0)
        return lines, functions

    def covering(self, mutant):
        """The tests that run MUTANT's code: its lines, where gcov counts them; else
        its function (a declaration's size); else its file (a #define)."""
        f = mutant.file
        lines = set(range(mutant.line, mutant.end_line + 1)) & self.executable.get(f, set())
        if lines:
            found = [n for n, t in self.tests.items() if lines & t["lines"].get(f, set())]
        elif mutant.function:
            found = [n for n, t in self.tests.items() if mutant.function in t["functions"].get(f, ())]
        else:
            found = [n for n, t in self.tests.items() if t["lines"].get(f)]
        return sorted(found, key=lambda n: (self.tests[n]["seconds"], n))


def test_key(nodeid):
    return hashlib.sha1(nodeid.encode()).hexdigest()[:16]


def read_log(path):
    """{nodeid: {outcome, seconds}} from the plugin's log: passed, failed (a phase
    failed or was skipped), or xfail."""
    outcomes = {}
    if not path.exists():
        return outcomes
    for line in path.read_text().splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        o = outcomes.setdefault(r["nodeid"], {"outcome": "passed", "seconds": 0.0, "ran": False})
        o["seconds"] += r["seconds"]
        if r["when"] == "call" or r["outcome"] != "passed":
            o["ran"] = True
        if r["xfail"]:
            o["outcome"] = "xfail"
        elif r["outcome"] == "failed" or (r["outcome"] == "skipped" and r["when"] != "teardown"):
            if o["outcome"] == "passed":
                o["outcome"] = "failed"
    return {n: o for n, o in outcomes.items() if o["ran"]}


# --- running ------------------------------------------------------------------------------

_running = {}               # every process started, and the mark of its programs
_first_build = threading.Lock()
_stopping = threading.Event()
_lock = threading.Lock()


class Stopped(Exception):
    """The analysis is being stopped (Ctrl-C, SIGTERM): no process more is started."""


class Ran:
    """How a process run ended: its status, its output (stdout and stderr together),
    whether it was ended for taking too long, and how long it took."""

    def __init__(self, returncode, output, timed_out, seconds):
        self.returncode, self.output = returncode, output
        self.timed_out, self.seconds = timed_out, seconds
        self.stdout = output


def call(args, env=None, timeout=None, run_id=None):
    """Runs ARGS in the kit's folder, in a session of its own, so that stop_all can end
    it and all it started; after TIMEOUT seconds it is ended so (end_run)."""
    started = time.monotonic()
    with _lock:
        if _stopping.is_set():
            raise Stopped()
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, **platform.tree_options())
        _running[proc] = run_id
    timed_out = False
    try:
        output, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        end_run(proc, run_id)
        output, _ = proc.communicate()
    except BaseException:       # Ctrl-C or SIGTERM in this thread: this one first
        end_run(proc, run_id)
        raise
    finally:
        with _lock:
            _running.pop(proc, None)
    if _stopping.is_set():
        raise Stopped()
    return Ran(proc.returncode, output.decode("utf-8", "replace"), timed_out,
               time.monotonic() - started)


def make(args):
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")}
    return call(["make", "--no-print-directory", "TARGET=native", *args], env=env)


def run_pytest(nodeids, env, timeout, jobs=1):
    """Runs the grader on NODEIDS, JOBS at a time, ending it (and every program it
    started) after TIMEOUT seconds."""
    return call(pytest_command(*nodeids, jobs=jobs), env=env, timeout=timeout,
                run_id=env.get("KIT_RUN_ID"))


def end_run(proc, run_id):
    """Ends a grader run: SIGTERM first (the grader then ends every program it
    started and writes its reports), SIGKILL after 10 s, with any process carrying
    the run's mark; then collects it."""
    platform.kill_tree(proc, mark=run_id, mark_name=platform.RUN_MARK, grace=10)
    platform.wait_exit(proc, 5)
    platform.reap(proc)


class Result:
    """What happened to one mutant."""

    def __init__(self, mutant, status, test=None, tests=(), seconds=0.0, note=""):
        self.mutant = mutant
        self.status = status        # killed, timed out, survived, not covered, stillborn, error
        self.test = test            # the test that killed it
        self.tests = list(tests)    # the tests that ran
        self.seconds = seconds
        self.note = note
        self.equivalent = None      # the reason, when the list names it


class Worker:
    """A tree of its own (the lab's reference files, a build, a sanitized build made
    when first needed, a grade folder) in which one mutant at a time is built and
    tested."""

    def __init__(self, lab, number):
        self.lab = lab
        self.dir = lab.work / f"worker-{number}"
        self.src = self.dir / "src"
        self.out = self.dir / "out"
        self.asan = self.dir / "asan"
        self.asan_ready = False
        self.written = {}

    def prepare(self, template=None):
        """The tree as the reference, built: kept from an earlier run where there is
        one (make builds what changed), else a copy of TEMPLATE's (a worker prepared
        already: its build comes with it), else made."""
        tree = self.src / self.lab.name
        if not tree.is_dir():
            shutil.rmtree(self.dir, ignore_errors=True)
            if template is not None:
                shutil.copytree(template.dir, self.dir, symlinks=True)
            else:
                tree.mkdir(parents=True)
        for path in self.lab.linked:        # lab 03's listener, as the reference has it
            copy = self.src / path.parent.name / path.name
            if not copy.exists() or copy.read_bytes() != path.read_bytes():
                copy.parent.mkdir(exist_ok=True)
                shutil.copy(path, copy)
        self.written = {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()}
        self.write(None)
        made = self.build(self.out)
        if made.returncode != 0:
            raise Problem(f"the reference of lab {self.lab.number} does not build:\n"
                          f"{made.stdout[-3000:]}", EXIT_REFERENCE)

    def build(self, out, sanitize=False):
        return make([f"SRC={rel(self.src)}", f"OUT={rel(out)}", f"SANITIZE={1 if sanitize else ''}",
                     *self.lab.targets(out)])

    def first_error(self, log):
        """The compiler's first error, with the file's name as in the reference."""
        errors = [l for l in log.splitlines() if re.search(r": (fatal )?error: ", l)]
        line = (errors or [l for l in log.splitlines() if l.strip()][-1:] or ["?"])[0]
        return line.replace(rel(self.src / self.lab.name) + "/", "").strip()

    def write(self, mutant):
        """The tree as the reference with MUTANT in it (None: the reference). The
        object of each C file that changed is removed, so that make builds it again
        (every object, when a header changed)."""
        for name, want in self.lab.texts.items():
            if mutant is not None and name == mutant.file:
                want = mutant.apply(want)
            if self.written.get(name) == want:
                continue
            (self.src / self.lab.name / name).write_bytes(want)
            self.written[name] = want
            for out in (self.out, self.asan):
                objects = out / "obj" / self.lab.name
                for obj in [objects / (Path(name).stem + ".o")] if name.endswith(".c") \
                        else objects.glob("*.o"):
                    obj.unlink(missing_ok=True)

    def test(self, mutant, tests):
        """Builds MUTANT and runs the tests that reach it, fastest first, until one
        fails."""
        covering = tests.covering(mutant)
        self.write(mutant)
        started = time.monotonic()
        made = self.build(self.out)
        if made.returncode != 0:
            return Result(mutant, "stillborn", seconds=time.monotonic() - started,
                          note=self.first_error(made.stdout))
        if not covering:
            return Result(mutant, "not covered", seconds=time.monotonic() - started)
        # As make grade runs them: every test in the build with the sanitizers.
        if not self.asan_ready:
            with _first_build:  # the sanitized layer is built once, by one worker
                self.build(self.asan, sanitize=True)
            self.asan_ready = True
        made = self.build(self.asan, sanitize=True)
        if made.returncode != 0:
            return Result(mutant, "stillborn", seconds=time.monotonic() - started,
                          note="with the sanitizers: " + self.first_error(made.stdout))
        outcome = self.run(covering, tests, sanitize=True)
        if outcome.status != "survived":
            outcome.mutant = mutant
            outcome.seconds = time.monotonic() - started
            return outcome
        ran = outcome.tests
        return Result(mutant, "survived", tests=ran, seconds=time.monotonic() - started)

    def run(self, nodeids, tests, sanitize):
        log = self.dir / "log.jsonl"
        log.unlink(missing_ok=True)
        grade = self.dir / "grade"
        env = grader_env(KIT_OUT=rel(self.out), KIT_SANITIZED_OUT=rel(self.asan) if sanitize else None,
                         KIT_GRADE_DIR=str(grade), KIT_RUN_ID=uuid.uuid4().hex,
                         KIT_MUTATION_LOG=str(log), KIT_MUTATION_STOP="1")
        bound = TIME_FACTOR * sum(tests.tests[n]["seconds"] for n in nodeids) + TIME_SLACK
        ran = run_pytest(nodeids, env, bound)
        outcomes = read_log(log)
        done = [n for n in nodeids if n in outcomes]
        killer = next((n for n in nodeids if outcomes.get(n, {}).get("outcome") == "failed"), None)
        if killer:
            return Result(None, "killed", test=killer, tests=done)
        if ran.timed_out:
            return Result(None, "timed out", tests=done,
                          note=f"ended after {bound:.0f} s ({TIME_FACTOR:g} x the reference's "
                               f"time for these tests + {TIME_SLACK:g} s)")
        if len(done) < len(nodeids) or any(outcomes[n]["outcome"] != "passed" for n in done):
            tail = "\n".join(ran.output.strip().splitlines()[-5:])
            return Result(None, "error", tests=done,
                          note=f"the grader ended ({ran.returncode}) before running every test: {tail}")
        return Result(None, "survived", tests=done)


# --- the list of equivalent mutants -----------------------------------------------------

def read_equivalents(path):
    """{id: reason} from PATH: each entry an id at the start of a line, its reason after
    it (indented lines continue it); '#' starts a comment line."""
    entries = {}
    if not path.exists():
        return entries
    last = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line[0].isspace():
            if last is None:
                raise Problem(f"{rel(path)}:{number}: an indented line continues an entry, "
                              f"and there is none above it")
            entries[last] += " " + line.strip()
            continue
        m = re.match(r"^(\S+\.c:\d+:\d+:[\w~-]+)\s+(\S.*)$", line)
        if not m:
            raise Problem(f"{rel(path)}:{number}: expected 'FILE:LINE:COL:OPERATOR  reason', "
                          f"got '{line.strip()}'")
        if m.group(1) in entries:
            raise Problem(f"{rel(path)}:{number}: {m.group(1)} is listed twice")
        last = m.group(1)
        entries[last] = m.group(2).strip()
    return entries


# --- the report -------------------------------------------------------------------------

def score_of(results):
    counts = {s: 0 for s in ("killed", "timed out", "survived", "not covered", "stillborn",
                             "equivalent", "error")}
    for r in results:
        counts["equivalent" if r.equivalent is not None else r.status] += 1
    killed = counts["killed"] + counts["timed out"]
    total = killed + counts["survived"] + counts["not covered"] + counts["error"]
    return counts, killed, total


def report(lab, mutants, results, tests, texts, stale, elapsed, jobs):
    """The report: printed, and written to build/mutation/labNN/report.txt and
    report.json."""
    counts, killed, total = score_of(results)
    percent = 100.0 * killed / total if total else 100.0

    def given(status):
        n = sum(1 for r in results if r.status == status and r.equivalent is None and
                r.mutant.given)
        return f"{n} in code the starter gives as it is" if n else ""

    lines = [f"== Mutation analysis of lab {lab.number} (solutions/{lab.name}): "
             f"{count(len(results), 'mutant')} of {len(mutants)}, {count(len(tests.tests), 'test')}, "
             f"{elapsed:.0f} s with {jobs} job(s)",
             f"  killed       {counts['killed'] + counts['timed out']:4d}"
             + (f"  ({counts['timed out']} of them timed out: ended after "
                f"{TIME_FACTOR:g} x the reference's time for the same tests + "
                f"{TIME_SLACK:g} s, counted as killed)" if counts["timed out"] else ""),
             f"  survived     {counts['survived']:4d}" + (f"  ({given('survived')})"
                                                          if given('survived') else ""),
             f"  not covered  {counts['not covered']:4d}  (no test runs the line"
             + (f"; {given('not covered')}" if given('not covered') else "") + ")",
             f"  stillborn    {counts['stillborn']:4d}  (do not compile with the kit's "
             f"flags: left out)",
             f"  equivalent   {counts['equivalent']:4d}  (listed in {rel(lab.equivalents)}: "
             f"left out)"]
    if counts["error"]:
        lines.append(f"  error        {counts['error']:4d}  (the grader did not finish: "
                     f"counted as not killed)")
    lines.append(f"  score        {killed}/{total} = {percent:.1f}% of the mutants that are "
                 f"not equivalent")
    if tests.left_out:
        lines.append("  tests left out (they do not pass on the reference's coverage build):")
        lines += [f"    {n}: {why}" for n, why in sorted(tests.left_out.items())]
    for problem in stale:
        lines.append(f"  {rel(lab.equivalents)}: {problem}")
    for status in ("survived", "not covered", "error"):
        chosen = [r for r in results if r.status == status and r.equivalent is None]
        if not chosen:
            continue
        lines.append("")
        lines.append({"survived": "Survivors (not equivalent):",
                      "not covered": "Not covered (no test runs the line):",
                      "error": "Errors:"}[status])
        for r in chosen:
            m = r.mutant
            ran = f"; ran {len(r.tests)} test(s): {', '.join(short(n) for n in r.tests)}" \
                if r.tests else ""
            given = " (given: the starter has it as is)" if m.given else ""
            lines.append(f"  {m.id}  in {m.function or '(file scope)'}{given}: {m.edit()}{ran}")
            if r.note:
                lines.append(f"    {r.note}")
            lines += ["    " + l for l in m.diff(texts[m.file]).splitlines()[2:]]
    by_test = {}
    for r in results:
        if r.status == "killed" and r.equivalent is None:
            by_test[r.test] = by_test.get(r.test, 0) + 1
    if by_test:
        lines.append("")
        lines.append("Killed, by the first test that failed:")
        lines += [f"  {count:4d}  {short(n)}" for n, count in
                  sorted(by_test.items(), key=lambda kv: (-kv[1], kv[0]))]
    text = "\n".join(lines)
    say("\n" + text)
    detail = ["", "Every mutant:"]
    for r in results:
        m = r.mutant
        what = {"killed": f"killed by {short(r.test or '')}"}.get(r.status, r.status)
        if r.equivalent is not None:
            what = f"equivalent ({r.status}): {r.equivalent}"
        detail.append(f"  {m.id:44s} {what}  [{m.function or 'file scope'}: {m.edit()}]"
                      + (f"  {r.note}" if r.note and r.status != "killed" else ""))
    lab.work.mkdir(parents=True, exist_ok=True)
    (lab.work / "report.txt").write_text(text + "\n" + "\n".join(detail) + "\n", encoding="utf-8")
    data = {"lab": lab.number, "counts": counts, "killed": killed, "total": total,
            "score": round(percent, 1), "stale": stale, "left_out": tests.left_out,
            "test_count": len(tests.tests), "elapsed": round(elapsed, 1), "jobs": jobs,
            "mutants": [{"id": r.mutant.id, "file": r.mutant.file, "line": r.mutant.line,
                         "col": r.mutant.col, "operator": r.mutant.operator,
                         "function": r.mutant.function, "given": r.mutant.given,
                         "edit": r.mutant.edit(),
                         "status": r.status, "equivalent": r.equivalent, "test": r.test,
                         "tests": r.tests, "seconds": round(r.seconds, 2), "note": r.note,
                         "diff": r.mutant.diff(texts[r.mutant.file])} for r in results]}
    (lab.work / "report.json").write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    say(f"\nmutation: every mutant, and the diffs, in {rel(lab.work / 'report.txt')} and "
        f"{rel(lab.work / 'report.json')}")
    return data


def count(n, noun):
    return f"{n} {noun}{'' if n == 1 else 's'}"


def short(nodeid):
    """A test's node id without grader/: test_lab01_wsastartup.py::test_resolve_ipv4."""
    return nodeid.split("grader/", 1)[-1]


# --- main ---------------------------------------------------------------------------------

def jobs_of(value):
    value = (value or "").strip()
    if not value:
        return 1
    if not value.isdigit() or int(value) < 1:
        raise Problem(f"JOBS={value} is not a number of jobs (1, 2, ...)")
    return int(value)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="make mutation", description=__doc__.split("\n")[0])
    parser.add_argument("--lab", default="", help="the lab (LAB=NN)")
    parser.add_argument("--jobs", default="", help="mutants tested at a time (JOBS=N)")
    parser.add_argument("--only", default="", help="these mutants only: ids, by commas (MUTANTS=)")
    parser.add_argument("--list", action="store_true", help="list the mutants, test none")
    parser.add_argument("--equivalents", default=None,
                        help="the list of equivalent mutants (default tests/mutants/labNN/equivalent.txt)")
    parser.add_argument("--tests", default="",
                        help="some of the lab's tests only: a pytest -k expression (e.g. hidden)")
    parser.add_argument("--work", default=None,
                        help="the folder of the run's trees and reports (default build/mutation/labNN)")
    parser.add_argument("--rescore", action="store_true",
                        help="read the list of equivalents again and report the last run, "
                             "without running anything")
    parser.add_argument("--fresh", action="store_true",
                        help="measure the reference's coverage again, even if nothing changed")
    args = parser.parse_args(argv)
    try:
        return analyse(args, argv)
    except Problem as problem:
        print(f"mutation: {problem}", file=sys.stderr)
        return problem.code
    except (KeyboardInterrupt, Stopped):
        stop_all()
        print("mutation: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def interrupted(signum, frame):
    raise KeyboardInterrupt()


def stop_all():
    """Ends every process the analysis started (make, the grader and its programs)."""
    with _lock:
        _stopping.set()
        running = list(_running.items())
    for proc, run_id in running:
        end_run(proc, run_id)


def analyse(args, argv):
    lab = Lab(args.lab, args.work)
    jobs = jobs_of(args.jobs)
    if (os.environ.get("TARGET") or "native") != "native":
        raise Problem("the mutation analysis runs natively (TARGET=native): it measures the "
                      "tests, which are the same on every target; TARGET=mingw has nothing "
                      "to add")
    equivalents_path = Path(args.equivalents) if args.equivalents else lab.equivalents
    equivalents = read_equivalents(equivalents_path)
    if not platform.ON_LINUX:
        raise Problem(f"the mutation analysis runs on Linux only (gcc's coverage read by "
                      f"gcov, the processes in /proc), not on {platform.SYSTEM}")
    cindex = load_clang(argv)
    mutants = make_mutants(cindex, lab)
    texts = lab.texts
    by_id = {m.id: m for m in mutants}
    chosen = mutants
    if args.only.strip():
        ids = [i for i in re.split(r"[\s,]+", args.only.strip()) if i]
        unknown = [i for i in ids if i not in by_id]
        if unknown:
            raise Problem(f"MUTANTS: {', '.join(unknown)} is no mutant of lab {lab.number} "
                          f"('make mutation LAB={lab.number} MUTATION_ARGS=--list' lists them)")
        chosen = [by_id[i] for i in ids]
    if args.list:
        for m in chosen:
            say(f"{m.id:44s} {m.function or '(file scope)'}: {m.edit()}")
        lab.work.mkdir(parents=True, exist_ok=True)
        listing = [{"id": m.id, "file": m.file, "line": m.line, "col": m.col,
                    "operator": m.operator, "function": m.function, "given": m.given,
                    "original": m.original, "replacement": m.replacement} for m in chosen]
        (lab.work / "mutants.json").write_text(json.dumps(listing, indent=1) + "\n")
        say(f"mutation: {count(len(chosen), 'mutant')} of lab {lab.number} (and in "
            f"{rel(lab.work / 'mutants.json')})")
        return EXIT_DONE
    stale = [f"{i} is listed as equivalent, and no longer exists (the reference changed): "
             f"remove it, or list the mutant it became" for i in equivalents if i not in by_id]
    if args.rescore:
        return rescore(lab, mutants, by_id, equivalents, stale)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, interrupted)
    started = time.monotonic()
    lab.work.mkdir(parents=True, exist_ok=True)
    tests = Tests(lab, jobs, fresh=args.fresh, select=args.tests.strip())
    if not tests.tests:
        raise Problem(f"no test of lab {lab.number} passes on the reference", EXIT_REFERENCE)
    say(f"mutation: {count(len(chosen), 'mutant')} of lab {lab.number}, {count(len(tests.tests), 'test')}, "
        f"{jobs} at a time")
    workers = [Worker(lab, i + 1) for i in range(min(jobs, len(chosen)) or 1)]
    for w in workers:
        w.prepare(workers[0] if w is not workers[0] else None)
    free = list(workers)
    results = {}
    width = len(str(len(chosen)))

    def one(mutant):
        with _lock:
            worker = free.pop()
        try:
            return worker.test(mutant, tests)
        except Stopped:
            return Result(mutant, "error", note="interrupted")
        finally:
            with _lock:
                free.append(worker)

    pool = concurrent.futures.ThreadPoolExecutor(len(workers))
    try:
        futures = {pool.submit(one, m): m for m in chosen}
        for future in concurrent.futures.as_completed(futures):
            r = future.result()
            results[r.mutant.id] = r
            what = f"by {short(r.test)}" if r.test else r.note
            say(f"[{len(results):{width}d}/{len(chosen)}] {r.status:11s} {r.mutant.id}  "
                f"{what}  ({r.seconds:.1f} s)")
    except BaseException:
        # Ctrl-C, SIGTERM: no mutant more, and every grader run ended at once.
        _stopping.set()
        pool.shutdown(wait=False, cancel_futures=True)
        stop_all()
        raise
    pool.shutdown()
    ordered = [results[m.id] for m in chosen]
    apply_equivalents(ordered, equivalents, stale)
    report(lab, mutants, ordered, tests, texts, stale, time.monotonic() - started, len(workers))
    return EXIT_DONE


def apply_equivalents(results, equivalents, stale):
    """Marks each result the list names as equivalent, unless it was killed or did not
    compile: that is said in STALE."""
    for r in results:
        if r.mutant.id in equivalents:
            if r.status in ("killed", "timed out"):
                stale.append(f"{r.mutant.id} is listed as equivalent, and is now killed (by "
                             f"{short(r.test or '')}): it is not equivalent; remove it")
            elif r.status == "stillborn":
                stale.append(f"{r.mutant.id} is listed as equivalent, and no longer compiles")
            else:
                r.equivalent = equivalents[r.mutant.id]


def rescore(lab, mutants, by_id, equivalents, stale):
    """The last run's results (report.json) with the list of equivalents read again:
    the report once more, without building or testing anything."""
    path = lab.work / "report.json"
    if not path.exists():
        raise Problem(f"--rescore: lab {lab.number} has no earlier run to read "
                      f"({rel(path)}): run make mutation LAB={lab.number} first")
    data = json.loads(path.read_text())
    results, gone = [], 0
    for entry in data["mutants"]:
        mutant = by_id.get(entry["id"])
        if mutant is None:
            gone += 1
            continue
        results.append(Result(mutant, entry["status"], entry["test"], entry["tests"],
                              entry["seconds"], entry["note"]))
    if gone:
        stale.append(f"{gone} result(s) of the last run are of mutants that no longer exist "
                     f"(the reference changed): run the analysis again")
    apply_equivalents(results, equivalents, stale)
    tests = argparse.Namespace(tests=range(data.get("test_count", 0)),
                               left_out=data.get("left_out", {}))
    report(lab, mutants, results, tests, lab.texts, stale, data.get("elapsed", 0.0),
           data.get("jobs", 1))
    return EXIT_DONE


if __name__ == "__main__":
    sys.exit(main())
