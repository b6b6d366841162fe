"""The grader asks about the platform in one room: no module of grader/ outside
gradelib/platform/ reads sys.platform, os.name, the standard library's platform module
or the kit's Host; they use the names gradelib.platform exports (platform.ON_LINUX,
platform.SANITIZERS, platform.kill_tree, ...). Read from the source with ast, so a read
in a branch no test reaches is found too."""
import ast

import pytest

from conftest import ROOT

GRADER = ROOT / "grader"
ROOM = GRADER / "gradelib" / "platform"

# What each module's attribute names, read there, says about the platform.
MODULE_READS = {"sys": {"platform", "getwindowsversion"}, "os": {"name"}}
# The kit's own host: the Host every platform decision is a function of, and this one.
HOST_NAMES = {"HOST", "Host"}


def platform_reads(source, filename="<source>"):
    """(line, what) for each place SOURCE reads the platform itself."""
    tree = ast.parse(source, filename)
    modules = {}        # local name -> "sys" or "os"
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in MODULE_READS:
                    modules[alias.asname or alias.name] = alias.name
                elif alias.name == "platform":
                    found.append((node.lineno, "imports the standard library's platform"))
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in MODULE_READS.get(node.module if not node.level else "", ()):
                    found.append((node.lineno, f"imports {node.module}.{alias.name}"))
                elif alias.name in HOST_NAMES:
                    found.append((node.lineno, f"imports {alias.name}"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value.id if isinstance(node.value, ast.Name) else None
        if owner in modules and node.attr in MODULE_READS[modules[owner]]:
            found.append((node.lineno, f"reads {modules[owner]}.{node.attr}"))
        elif node.attr in HOST_NAMES:
            found.append((node.lineno, f"reads {ast.unparse(node)}"))
    return sorted(found)


def grader_modules():
    """Every Python file of grader/ outside gradelib/platform/."""
    return sorted(p for p in GRADER.rglob("*.py")
                  if "__pycache__" not in p.parts and not p.is_relative_to(ROOM))


def test_only_the_platform_room_reads_the_platform():
    modules = grader_modules()
    assert len(modules) > 20 and GRADER / "conftest.py" in modules
    reads = [f"{path.relative_to(ROOT)}:{line}: {what}"
             for path in modules for line, what in platform_reads(path.read_text(), str(path))]
    assert not reads, ("ask gradelib.platform instead (add a name there if it has none):\n"
                       + "\n".join(reads))


@pytest.mark.parametrize("source, what", [
    ("import sys\nx = sys.platform == 'win32'", "reads sys.platform"),
    ("import sys as s\nx = s.platform", "reads sys.platform"),
    ("import os\nposix = os.name == 'posix'", "reads os.name"),
    ("from sys import platform", "imports sys.platform"),
    ("from os import name", "imports os.name"),
    ("import platform\nplatform.system()", "imports the standard library's platform"),
    ("from gradelib import platform\nx = platform.HOST.on_linux", "reads platform.HOST"),
    ("from gradelib.platform import hosts\nh = hosts.HOST", "reads hosts.HOST"),
    ("from gradelib.platform import HOST", "imports HOST"),
    ("from .platform.hosts import Host\nh = Host()", "imports Host"),
])
def test_each_kind_of_read_is_found(source, what):
    assert [w for _, w in platform_reads(source)] == [what]


@pytest.mark.parametrize("source", [
    "from gradelib import platform\nx = platform.ON_LINUX and platform.kill_tree",
    "import os\nos.environ.get('HOST'); os.path.join('a', 'b')",
    "import sys\nsys.path.insert(0, '.'); sys.executable",
    "class Server:\n    name = 'x'\ns = Server()\ns.name",
    "headers = {b'Host': b'127.0.0.1'}",
])
def test_asking_the_room_is_not_a_read(source):
    assert platform_reads(source) == []
