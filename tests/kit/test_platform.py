"""Unit tests of grader/gradelib/platform/ for every host it knows, run here: each
Windows and Wine decision is a function of a Host, so only the system calls behind
them (ctypes, taskkill, killpg) are left untested off Windows."""
import ctypes
import os
import re
import signal
import subprocess
from pathlib import Path, PurePosixPath

import pytest

from conftest import ROOT
from gradelib import expect, platform
from gradelib.platform import Host

LINUX = Host("linux", "native")
MACOS = Host("darwin", "native")
WINE = Host("linux", "mingw")
WINDOWS = Host("win32", "native")      # MSYS2 UCRT64's Python
MSYS_PYTHON = Host("cygwin", "native")  # MSYS2's own Python, the wrong one
WINDOWS_LIKE = [WINE, WINDOWS]


# --- what each host is ---------------------------------------------------------------

@pytest.mark.parametrize("host, on_windows, under_wine, windows_programs, exe", [
    (LINUX, False, False, False, ""), (MACOS, False, False, False, ""),
    (WINE, False, True, True, ".exe"), (WINDOWS, True, False, True, ".exe"),
    # TARGET=mingw on Windows runs the .exe files as they are: no Wine there.
    (Host("win32", "mingw"), True, False, True, ".exe")])
def test_host_facts(host, on_windows, under_wine, windows_programs, exe):
    assert (host.on_windows, host.under_wine, host.windows_programs, host.exe) == \
        (on_windows, under_wine, windows_programs, exe)
    assert host.programs == ("windows" if windows_programs else "posix")


def test_module_names_are_this_host():
    assert platform.HOST == Host()
    assert (platform.ON_WINDOWS, platform.UNDER_WINE, platform.WINDOWS_PROGRAMS,
            platform.EXE) == (platform.HOST.on_windows, platform.HOST.under_wine,
                              platform.HOST.windows_programs, platform.HOST.exe)



@pytest.mark.parametrize("host, sanitizers, leak_checks", [
    (LINUX, True, True), (MACOS, True, False), (WINE, False, True), (WINDOWS, False, False),
    (Host("win32", "mingw"), False, False)])
def test_what_each_host_checks_memory_with(host, sanitizers, leak_checks):
    assert (host.sanitizers, host.leak_checks) == (sanitizers, leak_checks)


def test_more_module_names_are_this_host():
    assert (platform.SYSTEM, platform.ON_LINUX, platform.SANITIZERS, platform.LEAK_CHECKS) == \
        (platform.HOST.system, platform.HOST.on_linux, platform.HOST.sanitizers,
         platform.HOST.leak_checks)

# --- paths and command lines ---------------------------------------------------------

@pytest.mark.parametrize("host, name", [(LINUX, "resolve"), (MACOS, "resolve"),
                                        (WINE, "resolve.exe"), (WINDOWS, "resolve.exe")])
def test_program_path_has_exe_suffix_for_windows_programs(host, name):
    path = platform.program_path("build/native/labs", "resolve", host)
    assert PurePosixPath(path.as_posix()) == PurePosixPath("build/native/labs/bin") / name


def test_wine_runs_the_program():
    assert platform.command("bin/resolve.exe", ["::1", 80], WINE, wine="/usr/lib/wine/wine64") \
        == ["/usr/lib/wine/wine64", "bin/resolve.exe", "::1", "80"]


@pytest.mark.parametrize("host", [LINUX, MACOS, WINDOWS])
def test_native_runs_the_program_itself(host):
    path = r"C:\kit\build\native\labs\bin\resolve.exe" if host.on_windows else "bin/resolve"
    assert platform.command(path, ["::1", 80], host, wine="/never/used") == [path, "::1", "80"]


def test_wine_binary_is_found_when_needed(monkeypatch):
    monkeypatch.setattr(platform.wine, "wine_binary", lambda: "/opt/wine/bin/wine64")
    assert platform.command("x.exe", [], WINE)[0] == "/opt/wine/bin/wine64"


def test_wine_without_its_preloader_is_refused(tmp_path):
    # As Debian installs them: the loader, a name on PATH for it, no preloader.
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "wine64").touch()
    (tmp_path / "wine64").symlink_to(lib / "wine64")
    for wine in (lib / "wine64", tmp_path / "wine64"):
        assert platform.wine_preloader(wine) == lib / "wine64-preloader"
        problem = platform.wine_problem(WINE, wine=str(wine))
        assert str(lib / "wine64-preloader") in problem
        assert "wine64-preloader package" in problem
        assert platform.wine_problem(LINUX, wine=str(wine)) is None
    (lib / "wine64-preloader").touch()
    assert platform.wine_problem(WINE, wine=str(tmp_path / "wine64")) is None
    # A loader named wine runs itself through wine-preloader.
    assert platform.wine_preloader(lib / "wine") == lib / "wine-preloader"


@pytest.mark.parametrize("host, argv", [
    (LINUX, ["/kit/build/native/labs/bin/resolve", "::1", "80"]),
    (WINE, ["/usr/lib/wine/wine64", "/kit/build/mingw/labs/bin/resolve.exe", "::1", "80"]),
    (WINDOWS, [r"C:\msys64\home\ada\kit\build\native\labs\bin\resolve.exe", "::1", "80"]),
    (WINDOWS, ["C:/msys64/home/ada/kit/build/native/labs/bin/resolve.EXE", "::1", "80"])])
def test_command_in_the_students_terms(host, argv):
    assert platform.typed_command(argv, host) == "resolve ::1 80"
    assert platform.program_argv(argv, host)[1:] == ["::1", "80"]


def test_linux_keeps_an_exe_in_a_programs_name():
    assert platform.typed_command(["bin/odd.exe", "1"], LINUX) == "odd.exe 1"


def test_failure_names_the_program_as_typed(monkeypatch):
    monkeypatch.setattr(platform.hosts, "HOST", WINE)
    result = type("R", (), {"argv": ["/usr/lib/wine/wine64", "/k/bin/wsainfo.exe", "1.1"],
                            "timed_out": False, "crash": None, "returncode": 1,
                            "errors": "", "text": "", "ended": lambda self: "exit 1"})()
    with pytest.raises(expect.Failure, match=r"^'wsainfo 1.1' should exit with 0"):
        expect.exits(result, 0)


# --- the environment a program gets --------------------------------------------------

def test_program_env_is_small():
    env = platform.program_env(host=LINUX, environ={"PATH": "/usr/bin", "SECRET_TOKEN": "x",
                                                    "HOME": "/home/ada"})
    assert env == {"PATH": "/usr/bin", "HOME": "/home/ada", "LC_ALL": "C"}


def test_windows_env_keeps_what_winsock_needs_whatever_its_case():
    environ = {"Path": r"C:\msys64\ucrt64\bin;C:\Windows\system32", "SystemRoot": r"C:\Windows",
               "windir": r"C:\Windows", "GITHUB_TOKEN": "x"}
    env = platform.program_env(host=WINDOWS, environ=environ)
    assert env["SystemRoot"] == r"C:\Windows"
    assert env["Path"].startswith(r"C:\msys64\ucrt64\bin")
    assert "windir" in env and "GITHUB_TOKEN" not in env


def test_posix_env_names_keep_their_case():
    env = platform.program_env(host=LINUX, environ={"Path": "x", "PATH": "/bin"})
    assert "Path" not in env and env["PATH"] == "/bin"


def test_wine_env_has_the_kits_prefix_and_no_debug_output():
    env = platform.program_env({"EXTRA": "1"}, host=WINE, environ={"PATH": "/usr/bin"})
    assert env["WINEPREFIX"] == str(ROOT / "build" / "mingw" / "wine")
    assert env["WINEDEBUG"] == "-all"
    assert env["EXTRA"] == "1"
    assert "WINEPREFIX" not in platform.program_env(host=WINDOWS, environ={})


# --- the Python that runs the grader -------------------------------------------------

@pytest.mark.parametrize("system", ["cygwin", "msys"])
def test_msys2s_own_python_is_refused_with_the_fix(system):
    problem = platform.python_problem(Host(system, "native"), "/usr/bin/python3")
    assert "/usr/bin/python3" in problem and "UCRT64" in problem
    assert "make setup" in problem


@pytest.mark.parametrize("host", [LINUX, MACOS, WINE, WINDOWS])
def test_other_pythons_can_grade(host):
    assert platform.python_problem(host, "python3") is None



def test_make_runs_in_msys2_on_windows_only():
    assert platform.msys2_root(WINDOWS, environ={}) == r"C:\msys64"
    assert platform.msys2_root(WINDOWS, environ={"KIT_MSYS2": r"D:\msys2"}) == r"D:\msys2"
    for host in (LINUX, MACOS, WINE):
        assert platform.msys2_root(host, environ={"KIT_MSYS2": r"D:\msys2"}) is None

# --- starting and ending processes ---------------------------------------------------

@pytest.mark.parametrize("host", [LINUX, MACOS, WINE])
def test_posix_programs_get_a_session_of_their_own(host):
    assert platform.popen_options(host) == {"start_new_session": True}


def test_windows_programs_start_suspended_in_a_process_group_of_their_own():
    options = platform.popen_options(WINDOWS)
    # CREATE_NEW_PROCESS_GROUP | CREATE_SUSPENDED, as winbase.h defines them.
    assert options == {"creationflags": 0x00000200 | 0x00000004}
    if hasattr(subprocess, "CREATE_NEW_PROCESS_GROUP"):     # on Windows, Python knows it
        assert options["creationflags"] == \
            subprocess.CREATE_NEW_PROCESS_GROUP | platform.CREATE_SUSPENDED


def test_windows_error_mode_has_no_dialogs():
    # SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX, as winbase.h defines them.
    assert platform.ERROR_MODE == 0x0003


def test_job_object_ends_the_tree_and_crashed_programs():
    info = platform.job_limits()
    flags = info.BasicLimitInformation.LimitFlags
    assert flags & 0x2000, "JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE"
    assert flags & 0x0400, "JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION"
    assert flags == platform.JOB_LIMIT_FLAGS == 0x2400
    assert platform.JOB_OBJECT_EXTENDED_LIMIT_INFORMATION == 9


@pytest.mark.skipif(ctypes.sizeof(ctypes.c_void_p) != 8, reason="the layout is x64's")
def test_nothing_leaves_a_job():
    """The boundary on Windows: a program's Job allows no breakaway, silent or asked."""
    flags = platform.job_limits().BasicLimitInformation.LimitFlags
    assert not flags & platform.jobs.JOB_OBJECT_LIMIT_BREAKAWAY_OK
    assert not flags & platform.jobs.JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK


def test_job_limits_layout_is_winnts():
    # JOBOBJECT_EXTENDED_LIMIT_INFORMATION on x64: 64 bytes of basic limits, 48 of
    # I/O counters, four SIZE_Ts. A wrong layout would set the flags in the wrong place.
    assert ctypes.sizeof(platform.JobLimits) == 144
    assert platform.jobs._BasicLimits.LimitFlags.offset == 16
    assert platform.JobLimits.ProcessMemoryLimit.offset == 112


def test_taskkill_ends_the_whole_tree_by_force():
    argv = platform.taskkill_command(4242, environ={"SYSTEMROOT": r"C:\Windows"})
    assert argv == [r"C:\Windows\System32\taskkill.exe", "/T", "/F", "/PID", "4242"]
    assert platform.taskkill_command(1, environ={})[0] == r"C:\Windows\System32\taskkill.exe"


class FakeProcess:
    pid = 4242

    def poll(self):
        return None


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
@pytest.mark.parametrize("host", [LINUX, WINE])
def test_posix_kill_ends_the_process_group(host, monkeypatch):
    killed = []
    monkeypatch.setattr(os, "killpg", lambda pid, sig: killed.append((pid, sig)),
                        raising=False)
    platform.kill_tree(FakeProcess(), host)
    assert killed == [(4242, signal.SIGKILL)]



@pytest.mark.parametrize("host", [LINUX, MACOS, WINE])
def test_posix_tools_get_a_session_of_their_own(host):
    assert platform.tree_options(host) == {"start_new_session": True}


def test_windows_tools_get_a_process_group_of_their_own_and_run_at_once():
    assert platform.tree_options(WINDOWS) == {"creationflags": 0x00000200}


@pytest.mark.parametrize("host", [MACOS, WINDOWS])
def test_a_programs_processes_are_itself_where_proc_is_not_read(host):
    assert platform.tree_members(4242, "abc", host) == [4242]


class FakeGroup(FakeProcess):
    """A process group that ends by itself once asked (SIGTERM), as a grader does."""

    def __init__(self):
        self.signals, self.returncode = [], None

    def killpg(self, pid, sig):
        self.signals.append((pid, sig))
        if sig == signal.SIGTERM:
            self.returncode = 0
        elif self.returncode is not None:
            raise ProcessLookupError(pid)

    def poll(self):
        return self.returncode


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_grace_asks_the_tree_to_end_before_killing_it(monkeypatch):
    group = FakeGroup()
    monkeypatch.setattr(os, "killpg", group.killpg, raising=False)
    platform.kill_tree(group, MACOS, grace=20)
    # Asked, seen gone (the group is empty), then killed whatever is left.
    assert group.signals == [(4242, signal.SIGTERM), (4242, 0), (4242, signal.SIGKILL)]

def test_windows_kill_without_a_job_runs_taskkill(monkeypatch):
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: ran.append(argv))
    monkeypatch.setattr(os, "killpg", lambda *a: pytest.fail("killpg on Windows"),
                        raising=False)
    platform.kill_tree(FakeProcess(), WINDOWS)
    assert len(ran) == 1 and ran[0][1:] == ["/T", "/F", "/PID", "4242"]



def test_windows_ends_a_tree_by_force_whatever_the_grace(monkeypatch):
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: ran.append(argv))
    monkeypatch.setattr(os, "killpg", lambda *a: pytest.fail("killpg on Windows"),
                        raising=False)
    platform.kill_tree(FakeProcess(), WINDOWS, grace=20)
    assert [argv[1:] for argv in ran] == [["/T", "/F", "/PID", "4242"]]

class FakeKernel32:
    """Records the kernel32 (and ntdll) calls the grader makes, in place of Windows, in
    one list; FAILING names calls that fail (0, or NTSTATUS 0xC0000001)."""

    def __init__(self, job=0x42, assign_ok=True, failing=()):
        self.calls = []
        self._job = job
        self._failing = set(failing) | (set() if assign_ok else {"AssignProcessToJobObject"})

    def __getattr__(self, name):
        def call(*args):
            self.calls.append((name, *args))
            if name == "NtResumeProcess":
                return 0xC0000001 if name in self._failing else 0
            if name in self._failing:
                return 0
            return {"CreateJobObjectW": self._job}.get(name, 1)
        return call


def fake_windows(monkeypatch, **kw):
    """A FakeKernel32 in place of kernel32 and ntdll, and a suspended FakeProcess."""
    k32 = FakeKernel32(**kw)
    monkeypatch.setattr(platform.jobs, "_kernel32", lambda: k32)
    monkeypatch.setattr(platform.jobs, "_ntdll", lambda: k32)
    proc = FakeProcess()
    proc._handle = 0x99
    return k32, proc


def test_windows_programs_start_without_error_dialogs(monkeypatch):
    k32, _ = fake_windows(monkeypatch)
    platform.before_start(WINDOWS)
    assert k32.calls == [("SetErrorMode", 0x0003)]


def test_windows_program_goes_into_a_job_that_ends_its_tree(monkeypatch):
    k32, proc = fake_windows(monkeypatch)
    platform.after_start(proc, WINDOWS)
    assert proc._kit_job == 0x42
    # In its Job before it runs: it was started suspended, and resumes only then.
    names = [c[0] for c in k32.calls]
    assert names == ["CreateJobObjectW", "SetInformationJobObject", "AssignProcessToJobObject",
                     "NtResumeProcess"]
    assert k32.calls[3] == ("NtResumeProcess", 0x99)
    _, job, info_class, info, size = k32.calls[1]
    assert (job, info_class, size) == (0x42, 9, ctypes.sizeof(platform.JobLimits))
    assert ctypes.cast(info, ctypes.POINTER(platform.JobLimits)).contents \
        .BasicLimitInformation.LimitFlags == 0x2400
    assert k32.calls[2] == ("AssignProcessToJobObject", 0x42, 0x99)
    # Ending it ends the job, and lets its handle go.
    platform.kill_tree(proc, WINDOWS)
    assert k32.calls[4:] == [("TerminateJobObject", 0x42, 1), ("CloseHandle", 0x42)]
    assert proc._kit_job is None


@pytest.mark.parametrize("failing, calls", [
    ("CreateJobObjectW", ["CreateJobObjectW"]),
    ("SetInformationJobObject", ["CreateJobObjectW", "SetInformationJobObject", "CloseHandle"]),
    ("AssignProcessToJobObject", ["CreateJobObjectW", "SetInformationJobObject",
                                  "AssignProcessToJobObject", "CloseHandle"])])
def test_windows_program_whose_job_fails_runs_and_is_ended_by_taskkill(monkeypatch, failing,
                                                                      calls):
    k32, proc = fake_windows(monkeypatch, failing=[failing])
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: ran.append(argv))
    with pytest.warns(UserWarning, match=f"without a Job object .*{failing} failed"):
        platform.after_start(proc, WINDOWS)
    assert proc._kit_job is None
    assert [c[0] for c in k32.calls] == calls + ["NtResumeProcess"]
    platform.kill_tree(proc, WINDOWS)
    assert [argv[1:] for argv in ran] == [["/T", "/F", "/PID", "4242"]]


def test_windows_program_that_does_not_resume_is_ended(monkeypatch):
    k32, proc = fake_windows(monkeypatch, failing=["NtResumeProcess"])
    with pytest.raises(OSError, match=r"NtResumeProcess failed \(NTSTATUS 0xC0000001\)"):
        platform.after_start(proc, WINDOWS)
    assert k32.calls[-1] == ("TerminateProcess", 0x99, 1)


def test_windows_job_that_does_not_terminate_falls_back_to_taskkill(monkeypatch):
    k32, proc = fake_windows(monkeypatch, failing=["TerminateJobObject"])
    ran = []
    monkeypatch.setattr(subprocess, "run", lambda argv, **kw: ran.append(argv))
    platform.after_start(proc, WINDOWS)
    platform.kill_tree(proc, WINDOWS)
    assert [c[0] for c in k32.calls[4:]] == ["TerminateJobObject", "CloseHandle"]
    assert [argv[1:] for argv in ran] == [["/T", "/F", "/PID", "4242"]]


def test_windows_calls_stay_off_posix(monkeypatch):
    monkeypatch.setattr(platform.jobs, "_kernel32", lambda: pytest.fail("kernel32 off Windows"))
    monkeypatch.setattr(platform.jobs, "_ntdll", lambda: pytest.fail("ntdll off Windows"))
    proc = FakeProcess()
    platform.before_start(LINUX)
    platform.after_start(proc, WINE)
    assert not hasattr(proc, "_kit_job")


# --- how a program ended -------------------------------------------------------------

@pytest.mark.parametrize("host", [LINUX, MACOS])
def test_signal_is_a_crash(host):
    assert platform.describe_exit(-signal.SIGSEGV, b"", host) == \
        "crashed: SIGSEGV (segmentation fault)"
    assert platform.describe_exit(-signal.SIGABRT, b"", host) == "crashed: SIGABRT (abort)"


@pytest.mark.parametrize("host", [LINUX, WINE, WINDOWS])
def test_ordinary_exit_is_no_crash(host):
    assert platform.describe_exit(0, b"", host) is None
    assert platform.describe_exit(2, b"wsainfo: WSAStartup: ...", host) is None
    assert platform.describe_exit(3, b"resolve: timeout\n", host) is None
    assert platform.describe_exit(None, b"", host) is None


@pytest.mark.parametrize("code, what", sorted(platform.EXCEPTIONS.items()))
def test_windows_exception_codes(code, what):
    expected = f"crashed: Windows exception 0x{code:08X} ({what})"
    assert platform.describe_exit(code, b"", WINDOWS) == expected
    # Python may give the code as a negative 32-bit number: still no signal.
    assert platform.describe_exit(code - (1 << 32), b"", WINDOWS) == expected


def test_exception_codes_are_exit_codes_on_linux():
    assert platform.describe_exit(0xC0000005 & 0xFF, b"", LINUX) is None


def test_missing_dll_is_named():
    assert "DLL" in platform.describe_exit(0xC0000135, b"", WINDOWS)


def test_wine_crash_is_read_from_stderr():
    stderr = (b"wine: Unhandled page fault on write access to 0000000000000000 at "
              b"address 00000001400015C2 (thread 0024), starting debugger...\r\n")
    assert platform.describe_exit(5, stderr, WINE) == \
        "crashed: Windows exception (Unhandled page fault on write access to 0000000000000000)"
    assert platform.describe_exit(5, stderr, WINDOWS) is None


@pytest.mark.parametrize("host", WINDOWS_LIKE)
def test_msvcrt_abort_is_a_crash(host):
    for stderr in (b"Assertion failed: c==5, file ab.c, line 3\r\n",
                   b"This application has requested the Runtime to terminate it in an "
                   b"unusual way.\r\n"):
        assert platform.describe_exit(3, stderr, host) \
            .startswith("crashed: abort() or a failed assert")
    assert platform.describe_exit(3, b"Assertion failed", LINUX) is None


# --- output --------------------------------------------------------------------------

def test_crlf_output_compares_as_lf():
    assert platform.normalise_newlines(b"a\r\nb\n\r\n") == b"a\nb\n\n"
    # A lone CR is data, not a line end.
    assert platform.normalise_newlines(b"a\rb") == b"a\rb"


# --- Wine's prefix -------------------------------------------------------------------

def test_wine_prefix_turns_the_crash_debugger_off():
    boot, debugger = platform.wine_prefix_commands("wine64")
    assert boot == ["wine64", "wineboot", "-i"]
    assert debugger[:3] == ["wine64", "reg", "add"]
    assert debugger[3].endswith(r"\AeDebug")
    assert debugger[4:] == ["/v", "Debugger", "/t", "REG_SZ", "/d", "", "/f"]


def test_wineserver_outlives_its_last_process_briefly():
    assert platform.wine_server_command("/usr/lib/wine/wineserver") == \
        ["/usr/lib/wine/wineserver", f"-p{platform.WINESERVER_PERSIST}"]
    assert 0 < platform.WINESERVER_PERSIST <= 60


def test_the_keeper_says_when_wine_is_ready_then_waits_for_its_stdin():
    assert platform.wine_keeper_command("wine64") == \
        ["wine64", "cmd", "/q", "/k", "echo", platform.KEEPER_READY]


@pytest.mark.parametrize("host", [LINUX, WINDOWS])
def test_prepare_does_nothing_without_wine(host, monkeypatch):
    monkeypatch.setattr(subprocess, "run", lambda *a, **k: pytest.fail("ran"))
    platform.prepare(host)


@pytest.fixture
def fake_wine(tmp_path, monkeypatch):
    """A Wine installation and prefix under TMP_PATH (nothing runs: the tests fake the
    commands), with no keeper yet."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "wineserver").touch()
    monkeypatch.setattr(platform.wine, "wine_binary", lambda: str(tmp_path / "bin" / "wine64"))
    monkeypatch.setattr(platform.wine, "WINEPREFIX", tmp_path / "mingw" / "wine")
    monkeypatch.setattr(platform.wine, "WINESERVER_LOG", tmp_path / "mingw" / "wineserver.log")
    monkeypatch.setitem(platform.wine._keeper, "proc", None)


def test_wineservers_own_messages_go_to_its_log(fake_wine, monkeypatch):
    monkeypatch.setattr(platform.wine, "_start_keeper", lambda wine, env: None)
    platform.wine.WINEPREFIX.mkdir(parents=True)
    platform.wine.WINEPREFIX.joinpath(platform.PREFIX_MADE).touch()
    stderr = {}

    def run(argv, **options):
        err = options["stderr"]
        stderr[Path(argv[0]).name] = getattr(err, "name", err)
    monkeypatch.setattr(subprocess, "run", run)
    platform.prepare(WINE)
    assert stderr == {"wineserver": str(platform.wine.WINESERVER_LOG)}
    started = platform.wine.WINESERVER_LOG.read_text().splitlines()[-1]
    assert started.startswith("== ") and started.endswith(
        f"wineserver -p{platform.WINESERVER_PERSIST}")


def test_a_new_prefix_is_saved_before_the_graders_server_starts(fake_wine, monkeypatch):
    ran = []
    monkeypatch.setattr(platform.wine, "_start_keeper", lambda wine, env: ran.append("keeper"))
    monkeypatch.setattr(subprocess, "run",
                        lambda argv, **options: ran.append(Path(argv[0]).name + " " + argv[1]))
    platform.prepare(WINE)
    # The prefix first, on a server of Debian's defaults, which ends (saving the
    # registry a run's prefix copies) the moment no Wine process runs; then the
    # grader's own server, before any program of the grader's starts one of those.
    assert ran == ["wine64 wineboot", "wine64 reg", "wineserver -w",
                   f"wineserver -p{platform.WINESERVER_PERSIST}", "keeper"]
    assert platform.wine.WINEPREFIX.joinpath(platform.PREFIX_MADE).exists()
    ran.clear()
    platform.prepare(WINE)
    assert ran == [f"wineserver -p{platform.WINESERVER_PERSIST}", "keeper"]


def test_exclusive_holds_others_off_until_the_block_ends(tmp_path):
    path = tmp_path / "new" / "x.lock"
    with platform.exclusive(path):
        assert not platform.lock_is_free(path)
    assert platform.lock_is_free(path)
    with pytest.raises(KeyError):
        with platform.exclusive(path):
            raise KeyError("inside")
    assert platform.lock_is_free(path), "an exception inside the block kept the lock"


# --- Wine's differences and where they are explained --------------------------------

def test_wine_differences_mark_only_wine(request):
    marks = []
    fake = type("Request", (), {"applymarker": lambda self, m: marks.append(m)})()
    for host in (LINUX, WINDOWS):
        platform.wine_differs(fake, "resolver-needs-startup", host)
    assert marks == []
    platform.wine_differs(fake, "resolver-needs-startup", WINE)
    assert marks[0].mark.kwargs["strict"] is True


def test_every_wine_difference_is_documented():
    page = (ROOT / "docs" / "platform-differences.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z0-9-]+)` \|", page, re.M))
    assert set(platform.WINE_DIFFERENCES) <= documented, \
        f"not in docs/platform-differences.md: {set(platform.WINE_DIFFERENCES) - documented}"


def test_the_grader_points_to_the_differences_page():
    source = Path(platform.hosts.__file__).read_text(encoding="utf-8")
    comment = source[:source.index("WINE_DIFFERENCES = {")].rsplit("\n\n", 1)[-1]
    assert "docs/platform-differences.md" in comment
    assert (ROOT / "docs" / "platform-differences.md").exists()


def test_refused_connect_allowance_is_windows_own():
    # Windows retries a refused loopback connect for about 2 s.
    assert platform.REFUSED_CONNECT_SECONDS >= 2.0
