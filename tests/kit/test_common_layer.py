"""labs/common: its shape (three layers, each using only those below; the platform
in one room), its Check tests one test case at a time, the call record of a program
that makes a million calls, and the faults the grader asks for, as the layer knows
them."""
import ast
import re
import shutil
import subprocess

import pytest

from conftest import BUILD, ROOT, TARGET
from gradelib import calls, platform
from gradelib.proc import Process

UNITS = platform.program_path(BUILD / "tests", "common_units")
CASES = {"Startup": None, "ResolverNeedsStartup": "resolver-needs-startup",
         "Sockets": None, "Options": None, "Reset": "reset-read-as-eof",
         "Datagrams": None, "Unreachable": "udp-unreachable-unreported",
         "Files": None, "ShortAddresses": None, "Record": None, "Errors": None,
         "Hints": "hints-not-checked"}
# The Record case runs with a record and these faults.
RECORD_FAULTS = ("short-send", "short-recv")
FLOOD = platform.program_path(BUILD / "tests", "calls_flood")

COMMON = ROOT / "labs" / "common"
# labs/common's C files by layer, from the ground up. A file may include a header of
# its own layer or one below, never one above; a new file takes its place here.
LAYERS = (
    ("the platform", {"sockcompat.h", "sockcompat.c", "sockcompat_errors.c"}),
    ("the recorder and its faults", {"calls.def", "record_line.h", "record_line.c",
                                     "record.h", "record.c", "faults.h", "faults.c",
                                     "calls.h", "calls.c"}),
    ("the helpers", {"labkit.h", "labkit.c"}),
)
LAYER = {name: level for level, (_, names) in enumerate(LAYERS) for name in names}
_INCLUDE = re.compile(r"^[ \t]*#[ \t]*include\b[ \t]*(?P<what>.*)$", re.M)
_HEADER = re.compile(r'^(?:"(?P<quoted>[^"]+)"|<(?P<system>[^>]+)>)')
# A platform conditional: only sockcompat.h and sockcompat.c may have one.
_PLATFORM_TEST = re.compile(r"^[ \t]*#[ \t]*(?:if|ifdef|ifndef|elif)\b.*\b(?:_WIN32|_WIN64|"
                            r"__MINGW32__|__MINGW64__|__CYGWIN__|_MSC_VER|__APPLE__|"
                            r"__linux__|__unix__)\b", re.M)
PLATFORM_ROOM = {"sockcompat.h", "sockcompat.c"}
GRADER = ROOT / "grader"


def common_files():
    return sorted(p for p in COMMON.iterdir() if p.suffix in (".c", ".h", ".def"))


def test_every_file_has_a_layer():
    assert {p.name for p in common_files()} == set(LAYER), \
        "labs/common's C files and LAYERS differ: put each file in its layer"


def includes(path):
    """(line number, included name or None for a computed include) of PATH."""
    text = path.read_text(encoding="utf-8")
    for m in _INCLUDE.finditer(text):
        header = _HEADER.match(m.group("what"))
        name = header and (header.group("quoted") or header.group("system"))
        yield text.count("\n", 0, m.start()) + 1, name


def layer_problems(paths):
    """What is wrong with the includes of the files at PATHS, one line each: a header
    of a layer above the file's own (a file below that knew one above would make the
    layers one), a file of labs/common with no layer, an include a macro computes."""
    wrong = []
    for path in paths:
        for number, name in includes(path):
            where = f"labs/common/{path.name}:{number}"
            if name is None:
                wrong.append(f"{where}: an include computed by a macro")
            elif name in LAYER and LAYER[name] > LAYER[path.name]:
                wrong.append(f"{where}: {LAYERS[LAYER[path.name]][0]} includes {name}, "
                             f"of {LAYERS[LAYER[name]][0]}")
            elif name not in LAYER and (COMMON / name).exists():
                wrong.append(f"{where}: {name} has no layer")
    return wrong


def test_layers_include_only_below():
    """No file of labs/common includes a header of a layer above its own."""
    wrong = layer_problems(common_files())
    assert not wrong, "\n".join(wrong)


def test_layer_problems_found(tmp_path):
    """The check above sees a platform file that includes the recorder's header, and
    one that includes what a macro names."""
    bad = tmp_path / "sockcompat_errors.c"
    bad.write_text('#include "sockcompat.h"\n#include <stdio.h>\n # include "record.h"\n'
                   "#include CALLS_HEADER\n")
    assert layer_problems([bad]) == [
        "labs/common/sockcompat_errors.c:3: the platform includes record.h, of the "
        "recorder and its faults",
        "labs/common/sockcompat_errors.c:4: an include computed by a macro"]


def nm_tool():
    """The nm that reads this target's objects, or None."""
    name = "x86_64-w64-mingw32-nm" if TARGET == "mingw" else "nm"
    return shutil.which(name)


def symbols(nm, obj):
    """(defined, undefined) external symbols of the object OBJ."""
    out = subprocess.run([nm, "-g", str(obj)], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        fields = line.split()
        if len(fields) == 2 and fields[0] == "U":
            undefined.add(fields[1])
        elif len(fields) == 3:
            defined.add(fields[2])
    return defined, undefined


def symbol_table():
    """{source file: (defined, undefined)} of labs/common's built objects."""
    nm = nm_tool()
    if nm is None:
        pytest.skip("no nm for this target's objects (binutils)")
    objects = {p.name: BUILD / "common" / (p.stem + ".o") for p in common_files()
               if p.suffix == ".c"}
    missing = [str(o) for o in objects.values() if not o.exists()]
    assert not missing, f"not built (make test builds them): {missing}"
    return {name: symbols(nm, obj) for name, obj in objects.items()}


def test_layers_link_only_below():
    """The same at link time, from the built objects: no object of labs/common calls
    a function (or reads a variable) that a layer above it defines, as a prototype
    written by hand would let it."""
    table = symbol_table()
    owner = {sym: name for name, (defined, _) in table.items() for sym in defined}
    wrong = [f"labs/common/{name} uses {sym}, defined by {owner[sym]} "
             f"({LAYERS[LAYER[owner[sym]]][0]})"
             for name, (_, undefined) in table.items() for sym in sorted(undefined)
             if sym in owner and LAYER[owner[sym]] > LAYER[name]]
    assert not wrong, "\n".join(wrong)
    assert "wsa_socket" in table["sockcompat.c"][0] and "rec_socket" in table["calls.c"][0]


def test_students_header_is_the_platform():
    """sockcompat.h, the header students read, names nothing a layer above defines
    (the recorder's rec_ calls, the record, the faults, the helpers)."""
    table = symbol_table()
    above = {sym for name, (defined, _) in table.items() if LAYER[name] > 0 for sym in defined}
    header = (COMMON / "sockcompat.h").read_text(encoding="utf-8")
    named = sorted(sym for sym in above if re.search(rf"\b{re.escape(sym)}\b", header))
    assert not named, f"sockcompat.h names what the layers above define: {named}"
    assert "rec_socket" in above and "kit_announce" in above


def test_platform_in_sockcompat_only():
    """Only sockcompat.h and sockcompat.c test the platform."""
    found = {p.name: [text.count("\n", 0, m.start()) + 1 for m in _PLATFORM_TEST.finditer(text)]
             for p in common_files() for text in [p.read_text(encoding="utf-8")]}
    elsewhere = {name: lines for name, lines in found.items()
                 if lines and name not in PLATFORM_ROOM}
    assert not elsewhere, f"platform conditionals outside sockcompat.*: {elsewhere}"
    assert found["sockcompat.h"] and found["sockcompat.c"]


def test_every_case_is_listed():
    source = (ROOT / "tests" / "unit" / "common_test.c").read_text()
    import re
    assert set(re.findall(r'tcase_create\("(\w+)"\)', source)) == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_common_layer(case, request, tmp_path):
    if CASES[case]:
        platform.wine_differs(request, CASES[case])
    result = Process(UNITS, [case], cwd=tmp_path, timeout=30,
                     env=case_env(case, tmp_path)).wait()
    assert result.returncode == 0 and not result.timed_out, \
        f"{result.ended()}\n{result.text}{result.errors}"


def case_env(case, tmp_path):
    """The variables a case runs with: the Record case's record and faults."""
    if case != "Record":
        return {}
    return calls.environment(tmp_path / "calls.txt", 42, RECORD_FAULTS)


def record_of_case(tmp_path, seed):
    path = tmp_path / f"calls-{seed}.txt"
    path.unlink(missing_ok=True)
    env = calls.environment(path, seed, RECORD_FAULTS)
    result = Process(UNITS, ["Record"], cwd=tmp_path, timeout=30, env=env).wait()
    assert result.returncode == 0, f"{result.ended()}\n{result.text}{result.errors}"
    return calls.read(path)


def test_same_seed_same_faults(tmp_path):
    """A program's fault decisions depend only on the seed and its calls."""
    def faults(record):
        return [(c.name, c.args[1:], c.result, c.fault) for c in record.faults()]
    first = record_of_case(tmp_path, 1234)
    again = record_of_case(tmp_path, 1234)
    assert faults(first) and faults(first) == faults(again)


def test_record_is_bounded(tmp_path):
    """A million calls: the record keeps its first RECORD_LIMIT lines (calls.def, as
    the grader reads it), then says how many it did not record, and how the program
    ended."""
    path = tmp_path / "calls.txt"
    env = calls.environment(path, 1)
    result = Process(FLOOD, [], cwd=tmp_path, timeout=60, env=env, calls=path).wait()
    assert result.returncode == 0 and not result.timed_out, result.ended()
    record = result.calls
    assert len(record.lines) == calls.RECORD_LIMIT + 2
    assert record.unrecorded == 1000001 - calls.RECORD_LIMIT     # and the WSACleanup
    assert record.exit == {"open": [], "startups": 1, "failed": 0, "cleanups": 1}


# --- the faults the grader asks for ----------------------------------------------------

def _is_faults_marker(func):
    """True for pytest.mark.faults."""
    return (isinstance(func, ast.Attribute) and func.attr == "faults" and
            isinstance(func.value, ast.Attribute) and func.value.attr == "mark" and
            isinstance(func.value.value, ast.Name) and func.value.value.id == "pytest")


def _names(node, constants):
    """The strings NODE writes: a literal, a tuple or list of them, or a module's
    constant that holds them; nothing for anything else (a variable passed on)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [name for elt in node.elts for name in _names(elt, constants)]
    if isinstance(node, ast.Name) and node.id in constants:
        return _names(constants[node.id], constants)
    return []


def faults_asked(path):
    """{fault name: line} for the faults PATH's tests ask for, in
    @pytest.mark.faults(...) and in faults=... of any call."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    constants = {target.id: node.value for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
    asked = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        given = node.args if _is_faults_marker(node.func) else \
            [k.value for k in node.keywords if k.arg == "faults"]
        for name in (n for value in given for n in _names(value, constants)):
            asked.setdefault(name, node.lineno)
    return asked


def grader_faults():
    """{fault name: where} for every fault the grader's tests ask for."""
    asked = {}
    for path in sorted(GRADER.glob("*.py")) + sorted((GRADER / "hidden").glob("*.py")):
        for name, line in faults_asked(path).items():
            asked.setdefault(name, f"{path.relative_to(ROOT)}:{line}")
    return asked


def test_faults_asked_are_found(tmp_path):
    """The scan finds a marker's names, a call's, and a module constant's."""
    path = tmp_path / "test_x.py"
    path.write_text("import pytest\nTWO = ('b', 'c')\n\n\n@pytest.mark.faults('a')\n"
                    "def test_x(run, faults=None):\n    run('p', faults=TWO)\n"
                    "    run('q', faults=faults)\n")
    assert faults_asked(path) == {"a": 5, "b": 7, "c": 7}


def run_with_faults(tmp_path, value):
    """calls_flood's few calls with KIT_FAULTS=VALUE: its Result."""
    path = tmp_path / "calls.txt"
    env = {"KIT_CALLS": platform.program_file(path), "KIT_SEED": "1",
           "KIT_FAULTS": value, "KIT_REFUSER": "127.0.0.1:9"}
    return Process(FLOOD, ["4"], cwd=tmp_path, timeout=30, env=env).wait()


def test_faults_the_grader_asks_for_exist(tmp_path):
    """Every fault the grader's tests ask for (grader/*.py, grader/hidden/*.py) is
    one calls.def defines, and the built layer takes it; a name it does not define
    ends a program at its first call (exit 64), naming the ones it does."""
    asked = grader_faults()
    assert asked, "no @pytest.mark.faults or faults= found in grader/: the scan is broken"
    unknown = {name: where for name, where in asked.items() if name not in calls.FAULTS}
    assert not unknown, f"faults the layer does not define (labs/common/calls.def): {unknown}"
    for name in asked:
        result = run_with_faults(tmp_path, name)
        assert result.returncode == 0, f"KIT_FAULTS={name}: {result.ended()}\n{result.errors}"
    result = run_with_faults(tmp_path, "no-such-fault")
    assert result.returncode == 64, result.ended()
    assert f"unknown fault (known: {', '.join(calls.FAULTS)})" in result.errors
