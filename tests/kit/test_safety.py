"""Safety by default: the grader talks to loopback only, and runs each program in a
clean directory of its own under the grade directory (build/grade/work/ for `make
grade`) with a small environment, so that a submission cannot write into the
student's tree or read the grader's secrets by accident."""
import ast
import ipaddress
import os
import subprocess
import sys

from conftest import ROOT, TARGET, build_patched, grade, patch_fields
from gradelib import platform, report

LOOPBACK = {"127.0.0.1", "::1"}
# What a native program may find in its environment (platform.program_env).
NATIVE_ENV = {"PATH", "HOME", "TEMP", "TMP", "LC_ALL", "KIT_RUN_ID", platform.MARK,
              "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "USERPROFILE", "COMSPEC", "PATHEXT",
              # the call record, the seed and the faults (gradelib.calls.environment)
              "KIT_CALLS", "KIT_SEED", "KIT_FAULTS", "KIT_REFUSER"}


# String methods whose arguments are separators, not addresses ("::" in a node id).
TEXT_METHODS = {"split", "rsplit", "partition", "rpartition", "join", "replace", "find",
                "startswith", "endswith", "count", "index", "strip"}


# The names of the grader's lists of addresses it refuses (expect.WILDCARDS).
REFUSED_LISTS = {"WILDCARDS"}


def string_constants(path):
    """The string literals of a Python file, but the arguments of string methods and
    the lists of addresses the grader refuses."""
    tree = ast.parse(path.read_text(), str(path))
    skipped = {id(arg) for node in ast.walk(tree)
               if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
               and node.func.attr in TEXT_METHODS for arg in node.args}
    skipped |= {id(item) for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id in REFUSED_LISTS for t in node.targets)
                for item in ast.walk(node.value)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and id(node) not in skipped:
            yield node.lineno, node.value


def test_grader_names_no_address_but_loopback():
    """Every IP address written in the grader is 127.0.0.1 or ::1 (but those it
    refuses, in WILDCARDS)."""
    found = []
    for path in sorted((ROOT / "grader").rglob("*.py")):
        for line, text in string_constants(path):
            try:
                address = ipaddress.ip_address(text.strip("[]"))
            except ValueError:
                continue
            if str(address) not in LOOPBACK:
                found.append(f"{path.relative_to(ROOT)}:{line}: {text}")
    assert not found, "addresses other than loopback in the grader:\n" + "\n".join(found)


HOOK_CHECK = r"""
import socket, sys
sys.path.insert(0, "grader")
from gradelib import safety
safety.install()
refused = []
for family, action, address in [
        (socket.AF_INET, "connect", ("192.0.2.1", 9)),      # TEST-NET-1: never reached
        (socket.AF_INET, "bind", ("0.0.0.0", 0)),
        (socket.AF_INET, "bind", ("", 0)),
        (socket.AF_INET6, "bind", ("::", 0)),
        (socket.AF_INET, "sendto", ("192.0.2.1", 9))]:
    s = socket.socket(family, socket.SOCK_DGRAM if action == "sendto" else socket.SOCK_STREAM)
    try:
        if action == "sendto":
            s.sendto(b"x", address)
        else:
            getattr(s, action)(address)
    except safety.NotLoopback as e:
        refused.append(str(e))
    s.close()
assert len(refused) == 5, refused
for host in ("127.0.0.1", "::1"):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.bind((host, 0))
    s.close()
print("\n".join(refused))
"""


def test_grader_refuses_other_addresses():
    """The grader's audit hook refuses, before any packet, every bind, connect or
    sendto to an address other than loopback."""
    proc = subprocess.run([sys.executable, "-c", HOOK_CHECK], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert "loopback only" in proc.stdout


def test_programs_run_in_a_clean_directory_with_a_small_environment(tmp_path):
    patch = ROOT / "tests" / "kit" / "safety" / "writes-files.patch"
    fields = patch_fields(patch)
    test = fields["Runs-in"][0]
    written = fields["Writes"][0]
    out = build_patched("safety", patch)
    workdir = tmp_path / "grade" / "work" / report.file_name(f"grader/{test}")
    workdir.mkdir(parents=True)
    (workdir / "stale.txt").write_text("from an earlier run")
    before = set(os.listdir(ROOT))
    graded = grade(out, tmp_path, test, env={"KIT_SECRET_SENTINEL": "do-not-pass"})
    assert graded.test(test.split("::")[-1])["status"] == "passed", graded.output
    assert (workdir / written).exists(), list(workdir.iterdir())
    assert not (workdir / "stale.txt").exists(), "the working directory was not cleaned"
    assert set(os.listdir(ROOT)) == before, "something was written into the kit's tree"
    assert not list(ROOT.glob(f"*/{written}")) and not list(ROOT.glob(f"*/*/{written}"))
    env = (workdir / written).read_text(errors="replace").splitlines()
    # Windows' names ignore case (Path, SystemRoot); its "=C:" entries are the current
    # directories of drives, not variables.
    names = {line.split("=", 1)[0].upper() for line in env
             if "=" in line and not line.startswith("=")}
    assert "KIT_SECRET_SENTINEL" not in names
    assert "LC_ALL=C" in env
    if TARGET == "native":
        assert names <= NATIVE_ENV, f"more than the small environment: {names - NATIVE_ENV}"


def test_a_program_waiting_for_enter_goes_on(tmp_path):
    """stdin is a pipe the grader closes: a program that waits for Enter gets the end
    of input at once, instead of waiting out its timeout (or the terminal's keys)."""
    patch = ROOT / "tests" / "kit" / "safety" / "waits-for-enter.patch"
    test = patch_fields(patch)["Runs-in"][0]
    graded = grade(build_patched("safety", patch), tmp_path, test)
    entry = graded.test(test.split("::")[-1])
    assert entry["status"] == "passed", graded.output
    assert entry["extra_data"]["duration"] < 5, entry
