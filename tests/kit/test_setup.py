"""labs/common/setup.sh and the Makefile on MSYS2, run here in a faked MSYS2: stubs of
uname and pacman on PATH, and MSYSTEM set as each MSYS2 shell sets it. Nothing is
installed; the stubs record what would have been. (The Windows CI job runs the real
script in the real UCRT64 shell.)"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(sys.platform == "win32",
                                reason="fakes a POSIX PATH; Windows CI runs the real script")

SETUP = ROOT / "labs" / "common" / "setup.sh"
UCRT = "mingw-w64-ucrt-x86_64"
PACKAGES = [f"{UCRT}-gcc", f"{UCRT}-check", f"{UCRT}-pkgconf", f"{UCRT}-python",
            f"{UCRT}-python-pytest", f"{UCRT}-python-hypothesis", "make", "patch"]
SH = shutil.which("sh")


class FakeMsys2:
    """A PATH with stub uname, pacman, gcc and python3, as an MSYS2 shell has them."""

    def __init__(self, tmp_path, uname="MINGW64_NT-10.0-19045", pacman=True,
                 installed=(), install_fails=False, ucrt64_tools=True):
        self.bin = tmp_path / "usr" / "bin"
        self.ucrt64 = tmp_path / "ucrt64" / "bin"
        self.log = tmp_path / "pacman.log"
        self.bin.mkdir(parents=True)
        self.ucrt64.mkdir(parents=True)
        (tmp_path / "installed").write_text("".join(p + "\n" for p in installed))
        if uname:
            stub(self.bin / "uname", f'echo "{uname}"')
        if pacman:
            stub(self.bin / "pacman", f"""
echo "$*" >> "{self.log}"
case $1 in
    -Q) grep -qx "$2" "{tmp_path / 'installed'}" ;;
    -S) exit {1 if install_fails else 0} ;;
esac""")
        tools = self.ucrt64 if ucrt64_tools else self.bin
        for tool in ("gcc", "python3"):
            stub(tools / tool, "exit 0")

    def path(self):
        # The shell's own tools (printf, grep) come after the stubs, as /usr/bin does
        # in MSYS2; nothing there is called uname or pacman but the stubs.
        return f"{self.ucrt64}:{self.bin}:{Path(SH).parent}:/usr/bin:/bin"

    def installs(self):
        """The pacman -S command lines the script ran."""
        lines = self.log.read_text(encoding="utf-8").splitlines() if self.log.exists() else []
        return [line for line in lines if line.startswith("-S")]


def stub(path, body):
    path.write_text("#!/bin/sh\n" + body.strip() + "\n")
    path.chmod(0o755)


def run_setup(fake, msystem, *args, extra=None):
    env = {"PATH": fake.path(), "HOME": str(fake.bin.parent)}
    if msystem is not None:
        env["MSYSTEM"] = msystem
    env.update(extra or {})
    proc = subprocess.run([SH, str(SETUP), *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def test_ucrt64_with_everything_installed_installs_nothing(tmp_path):
    fake = FakeMsys2(tmp_path, installed=PACKAGES)
    code, out, err = run_setup(fake, "UCRT64")
    assert code == 0, err
    assert "already installed" in out and "ready (TARGET=native)" in out
    assert fake.installs() == []
    assert "warning" not in out + err


def test_ucrt64_installs_what_is_missing_with_pacman(tmp_path):
    fake = FakeMsys2(tmp_path, installed=[p for p in PACKAGES if "python" not in p])
    code, out, err = run_setup(fake, "UCRT64")
    assert code == 0, err
    wanted = f"{UCRT}-python {UCRT}-python-pytest {UCRT}-python-hypothesis"
    assert fake.installs() == [f"-S --needed --noconfirm {wanted}"]
    assert f"installing: {wanted}" in out


def test_failed_pacman_says_to_update_msys2(tmp_path):
    fake = FakeMsys2(tmp_path, install_fails=True)
    code, out, err = run_setup(fake, "UCRT64")
    assert code == 2
    assert "pacman -Syu" in err


def test_another_gcc_first_on_path_is_named(tmp_path):
    fake = FakeMsys2(tmp_path, installed=PACKAGES, ucrt64_tools=False)
    code, out, err = run_setup(fake, "UCRT64")
    assert code == 0
    assert f"'gcc' here is {fake.bin / 'gcc'}, not UCRT64's" in out
    assert "'python3' here is" in out


@pytest.mark.parametrize("msystem, uname, why", [
    ("MSYS", "MSYS_NT-10.0-19045", "this is the MSYS shell: its gcc builds programs for "
                                   "MSYS2's own POSIX layer"),
    ("MINGW64", "MINGW64_NT-10.0-19045", "this is the MINGW64 shell: it builds with the "
                                         "older C runtime (msvcrt)"),
    ("MINGW32", "MINGW32_NT-10.0-19045", "this is the MINGW32 shell"),
    ("CLANG64", "MINGW64_NT-10.0-19045", "this is the CLANG64 shell: it builds with clang"),
    ("CLANGARM64", "MINGW64_NT-10.0-22631-ARM64", "this is the CLANGARM64 shell"),
    (None, "MSYS_NT-10.0-19045", "started outside MSYS2's shells (from cmd, PowerShell"),
    ("", "MSYS_NT-10.0-19045", "so MSYSTEM is not set"),
])
def test_wrong_shell_is_named_with_the_way_to_ucrt64(tmp_path, msystem, uname, why):
    fake = FakeMsys2(tmp_path, uname=uname)
    code, out, err = run_setup(fake, msystem)
    assert code == 1
    assert why in err, err
    assert "open 'MSYS2 UCRT64' from the Start menu" in err
    assert r"C:\msys64\ucrt64.exe" in err
    assert "make setup" in err and "docs/setup-windows.md" in err
    assert fake.installs() == []


def test_git_bash_is_not_msys2(tmp_path):
    fake = FakeMsys2(tmp_path, pacman=False)
    code, out, err = run_setup(fake, "MINGW64")
    assert code == 1
    assert "no pacman, so it is not MSYS2 (Git for Windows' Git Bash" in err


def test_started_from_cmd_without_msys2_on_path(tmp_path):
    # cmd or PowerShell running MSYS2's sh.exe: no uname on PATH, but Windows' OS.
    fake = FakeMsys2(tmp_path, uname=None, pacman=False)
    # Only the stubs on PATH: nothing else to find uname in.
    code, out, err = run_setup(fake, None, extra={"OS": "Windows_NT", "PATH": str(fake.bin)})
    assert code == 1
    assert "started outside MSYS2's shells" in err


def test_mingw_target_is_for_linux(tmp_path):
    fake = FakeMsys2(tmp_path, installed=PACKAGES)
    code, out, err = run_setup(fake, "UCRT64", "mingw")
    assert code == 1 and "TARGET=mingw is for Linux" in err


def test_unknown_target_is_refused(tmp_path):
    code, out, err = run_setup(FakeMsys2(tmp_path), "UCRT64", "arm")
    assert code == 1 and "TARGET must be native or mingw, not 'arm'" in err


# --- the Makefile in the wrong shell ---------------------------------------------------

def make(fake, msystem, *goals):
    """make -n GOALS as typed in an MSYS2 shell: TARGET native, nothing from the make
    that runs these tests, and the programs built into a folder of their own."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TARGET", "SRC", "OUT", "LAB")}
    env.update(PATH=fake.path() + ":" + os.environ["PATH"], MSYSTEM=msystem)
    out = fake.bin.parent / "out"
    return subprocess.run(["make", "--no-print-directory", "-n", "TARGET=native",
                           f"OUT={out}", *goals], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_make_refuses_to_build_outside_ucrt64(tmp_path):
    proc = make(FakeMsys2(tmp_path), "MINGW64", "all")
    assert proc.returncode != 0
    assert "this is not the MSYS2 UCRT64 shell (MSYSTEM is 'MINGW64'): run 'make setup'" \
        in proc.stderr


def test_make_setup_still_runs_in_the_wrong_shell(tmp_path):
    proc = make(FakeMsys2(tmp_path), "MSYS", "setup")
    assert proc.returncode == 0, proc.stderr
    assert "sh labs/common/setup.sh native" in proc.stdout


def test_make_builds_in_ucrt64(tmp_path):
    proc = make(FakeMsys2(tmp_path), "UCRT64", "all")
    assert proc.returncode == 0, proc.stderr
    assert "wsainfo.exe" in proc.stdout


# --- pytest's arguments through MSYS2 --------------------------------------------------

# A Windows python3 as MSYS2 starts it: MSYS2 rewrites an argument that looks like a
# POSIX path list (a "/" and a "::") into a Windows one, "/" to "\" and "::" to ";",
# unless MSYS2_ARG_CONV_EXCL is "*" or a prefix of it ("a;b": a or b). It answers the
# import check, and writes the arguments pytest would get, one a line, to ARGV.
CONVERTING_PYTHON = r"""
[ "$1" = -c ] && exit 0
: > "{argv}"
for arg in "$@"; do
    keep=
    case "${{MSYS2_ARG_CONV_EXCL:-}}" in
        '*') keep=1 ;;
        ?*) rest="$MSYS2_ARG_CONV_EXCL;"
            while [ -n "$rest" ]; do
                prefix=${{rest%%;*}}; rest=${{rest#*;}}
                case $arg in "$prefix"*) [ -n "$prefix" ] && keep=1 ;; esac
            done ;;
    esac
    case $keep:$arg in
        :*/*::*) printf '%s\n' "$arg" | sed 's|::|;|g; s|/|\\|g' >> "{argv}" ;;
        *) printf '%s\n' "$arg" >> "{argv}" ;;
    esac
done
"""

NODE_ID = "grader/test_lab01_wsastartup.py::test_wsainfo_default"


def converting_msys2(tmp_path):
    fake = FakeMsys2(tmp_path, installed=PACKAGES)
    argv = tmp_path / "argv"
    stub(fake.ucrt64 / "python3", CONVERTING_PYTHON.format(argv=argv))
    return fake, argv


def test_the_fake_msys2_rewrites_a_node_id_as_msys2_does(tmp_path):
    # Without the exclusion, the node ID reaches pytest as pytest-dev/pytest#10867 shows.
    fake, argv = converting_msys2(tmp_path)
    subprocess.run([SH, str(fake.ucrt64 / "python3"), "-m", "pytest", NODE_ID],
                   env={"PATH": fake.path()}, check=True, timeout=60)
    assert argv.read_text().splitlines() == \
        ["-m", "pytest", r"grader\test_lab01_wsastartup.py;test_wsainfo_default"]


def test_a_node_id_reaches_pytest_unchanged_through_msys2(tmp_path):
    fake, argv = converting_msys2(tmp_path)
    env = {"PATH": fake.path(), "HOME": str(fake.bin.parent), "MSYSTEM": "UCRT64"}
    args = ["grader/test_lab04_udp.py::test_udp_server_echo[ipv6]", "-k", "a::b", "-rA"]
    proc = subprocess.run([SH, "grader/pytest.sh", NODE_ID, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert argv.read_text().splitlines() == \
        ["-m", "pytest", "-p", "no:cacheprovider", NODE_ID, *args]


def test_the_kits_own_builds_keep_msys2s_conversion():
    # pytest.sh sets the exclusion for pytest alone; the builds a kit test starts
    # (make, gcc) must not inherit it.
    assert "MSYS2_ARG_CONV_EXCL" not in os.environ
