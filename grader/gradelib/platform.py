"""The grader's one room for platform differences.

How programs are found, started and ended on Linux, macOS, Windows (MSYS2) and under
Wine, and the list of places where Wine behaves differently from real Windows. No
other grader module looks at the platform.
"""
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("KIT_TARGET") or "native"
ON_WINDOWS = sys.platform == "win32"
UNDER_WINE = TARGET == "mingw" and not ON_WINDOWS
WINDOWS_PROGRAMS = ON_WINDOWS or TARGET == "mingw"
EXE = ".exe" if WINDOWS_PROGRAMS else ""

# Whether the programs' sockets are the grader's own: the same system answers
# getsockopt for both, except under Wine, which keeps some options itself (and
# reports them as Windows does).
SAME_SOCKETS_AS_PROGRAMS = not UNDER_WINE

# Linux lets a UDP socket connected to one port send to another with sendto, and
# answers a datagram for it from anywhere but the port it is connected to with an
# ICMP port unreachable, as if it were closed: a client that is gone before its echo
# comes, without racing the server. Elsewhere the grader closes the socket instead.
UDP_SENDTO_WHILE_CONNECTED = sys.platform.startswith("linux")

WINEPREFIX = ROOT / "build" / "mingw" / "wine"
# How long wineserver outlives its last program: long enough to stay warm between the
# programs of a grading run, short enough to be gone soon after it.
WINESERVER_PERSIST = 30

# Where Wine differs from the real Windows that the labs target. A test that meets
# one of these says so with wine_differs(KEY); it still runs in full on Windows.
# docs/platform-differences.md explains each.
WINE_DIFFERENCES = {
    "resolver-needs-startup":
        "Wine's getaddrinfo answers before WSAStartup; Windows fails with "
        "WSANOTINITIALISED (10093).",
    "udp-unreachable-unreported":
        "Wine reports no ICMP port unreachable on a UDP socket; Windows fails the "
        "next recvfrom with WSAECONNRESET (10054).",
    "reset-read-as-eof":
        "Wine's recv reads a connection the peer reset as an orderly end-of-file "
        "(0); Windows fails it with WSAECONNRESET (10054).",
}

# Windows exception codes a crashed program exits with.
EXCEPTIONS = {
    0xC0000005: "access violation",
    0xC0000094: "integer division by zero",
    0xC00000FD: "stack overflow",
    0xC0000409: "stack buffer overrun (or abort)",
    0xC000001D: "illegal instruction",
    0x80000003: "breakpoint",
    0xC0000135: "a DLL was not found",
}


def program_path(out_dir, name):
    """Where the build puts program NAME of a tree: OUT/bin/NAME[.exe]."""
    return Path(out_dir) / "bin" / (name + EXE)


def command(path, args):
    """The command line that runs the program at PATH with ARGS on this target."""
    argv = [str(path), *[str(a) for a in args]]
    return [wine_binary(), *argv] if UNDER_WINE else argv


def wine_binary():
    for candidate in ("/usr/lib/wine/wine64", shutil.which("wine64"), shutil.which("wine")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("TARGET=mingw needs Wine: run 'make setup TARGET=mingw'")


def program_env(extra=None):
    """A small, fixed environment for the student's programs."""
    keep = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "HOME",
            "USERPROFILE", "COMSPEC", "PATHEXT", "KIT_RUN_ID")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["LC_ALL"] = "C"
    if UNDER_WINE:
        env.update(wine_env())
    env.update(extra or {})
    return env


def wine_env():
    return {"WINEPREFIX": str(WINEPREFIX), "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml,winemenubuilder.exe="}


def prepare():
    """Readies the target once per grading run: under Wine, a prefix inside build/
    whose crash debugger is off, and a running wineserver and its services, started
    here so that no student program becomes their parent."""
    if not UNDER_WINE:
        return
    # Wine's own processes are not the submission's: keep them out of its run.
    env = {k: v for k, v in os.environ.items() if k != "KIT_RUN_ID"}
    env.update(wine_env())
    wine = wine_binary()
    server = Path(wine).with_name("wineserver")
    # The server outlives this run: it must not hold the run's output pipes open.
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL,
             "stderr": subprocess.DEVNULL}
    if not WINEPREFIX.joinpath("system.reg").exists():
        WINEPREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run([wine, "wineboot", "-i"], env=env, timeout=120, check=False, **quiet)
        # A crash should end the program, as on Windows, not start winedbg.
        key = r"HKLM\Software\Microsoft\Windows NT\CurrentVersion\AeDebug"
        subprocess.run([wine, "reg", "add", key, "/v", "Debugger", "/t", "REG_SZ", "/d",
                        "", "/f"], env=env, timeout=60, check=False, **quiet)
    if server.exists():
        subprocess.run([str(server), f"-p{WINESERVER_PERSIST}"], env=env, timeout=30,
                       check=False, **quiet)
    subprocess.run([wine, "cmd", "/c", "exit"], env=env, timeout=120, check=False, **quiet)


def popen_options():
    """Start each program in a group of its own, so its whole tree can be ended."""
    if ON_WINDOWS:
        # No Windows Error Reporting dialog on a crash: it would wait for a click and
        # turn the crash into a timeout. Children inherit this error mode.
        import ctypes
        ctypes.windll.kernel32.SetErrorMode(0x0001 | 0x0002)  # FAILCRITICAL, NOGPFAULTERRORBOX
        return {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def after_start(proc):
    """Windows: put the program in a Job object that ends its tree with it."""
    if ON_WINDOWS:
        proc._kit_job = _windows_job(proc)


def kill_tree(proc):
    """Ends the program and every process it started."""
    if ON_WINDOWS:
        job = getattr(proc, "_kit_job", None)
        if job:
            import ctypes
            ctypes.windll.kernel32.TerminateJobObject(job, 1)
        subprocess.run(["taskkill", "/T", "/F", "/PID", str(proc.pid)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _windows_job(proc):
    import ctypes
    from ctypes import wintypes
    k32 = ctypes.windll.kernel32
    k32.CreateJobObjectW.restype = wintypes.HANDLE
    k32.CreateJobObjectW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    k32.SetInformationJobObject.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p,
                                            wintypes.DWORD]
    k32.AssignProcessToJobObject.argtypes = [wintypes.HANDLE, wintypes.HANDLE]
    k32.TerminateJobObject.argtypes = [wintypes.HANDLE, wintypes.UINT]
    job = k32.CreateJobObjectW(None, None)
    if not job:
        return None

    class Limits(ctypes.Structure):
        _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                    ("PerJobUserTimeLimit", ctypes.c_int64),
                    ("LimitFlags", wintypes.DWORD),
                    ("MinimumWorkingSetSize", ctypes.c_size_t),
                    ("MaximumWorkingSetSize", ctypes.c_size_t),
                    ("ActiveProcessLimit", wintypes.DWORD),
                    ("Affinity", ctypes.c_size_t),
                    ("PriorityClass", wintypes.DWORD),
                    ("SchedulingClass", wintypes.DWORD)]

    class ExtendedLimits(ctypes.Structure):
        _fields_ = [("BasicLimitInformation", Limits),
                    ("IoInfo", ctypes.c_uint64 * 6),
                    ("ProcessMemoryLimit", ctypes.c_size_t),
                    ("JobMemoryLimit", ctypes.c_size_t),
                    ("PeakProcessMemoryUsed", ctypes.c_size_t),
                    ("PeakJobMemoryUsed", ctypes.c_size_t)]

    info = ExtendedLimits()
    # KILL_ON_JOB_CLOSE | DIE_ON_UNHANDLED_EXCEPTION
    info.BasicLimitInformation.LimitFlags = 0x2000 | 0x0400
    k32.SetInformationJobObject(job, 9, ctypes.byref(info), ctypes.sizeof(info))
    k32.AssignProcessToJobObject(job, wintypes.HANDLE(proc._handle))
    return job


def describe_exit(returncode, stderr):
    """What a program's exit says beyond its code: a crash in the student's terms, or
    None for an ordinary exit."""
    if returncode is None:
        return None
    code = returncode & 0xFFFFFFFF
    if WINDOWS_PROGRAMS and code in EXCEPTIONS:
        return f"crashed: Windows exception 0x{code:08X} ({EXCEPTIONS[code]})"
    if returncode < 0 and not ON_WINDOWS:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        what = {"SIGSEGV": "segmentation fault", "SIGABRT": "abort", "SIGBUS": "bus error",
                "SIGFPE": "arithmetic error", "SIGILL": "illegal instruction",
                "SIGKILL": "killed"}.get(name, name)
        return f"crashed: {name} ({what})"
    if WINDOWS_PROGRAMS and returncode == 3 and (b"terminate it in an unusual way" in stderr
                                                 or b"Assertion failed" in stderr):
        # abort() and a failed assert in Microsoft's older C runtime (msvcrt) exit with
        # 3; Windows' msvcrt says so on stderr, Wine's only for assert.
        return "crashed: abort() or a failed assert (the C runtime ended the program)"
    if UNDER_WINE:
        # Wine passes on only the low byte of a Windows exit code, so an exception
        # shows in the message Wine prints instead.
        for line in stderr.decode("utf-8", "replace").splitlines():
            if line.startswith("wine: Unhandled"):
                return "crashed: Windows exception (" + line[len("wine: "):].split(" at ")[0] + ")"
    return None


def normalise_newlines(data):
    """Program text output with CRLF line ends read as LF (Windows text mode)."""
    return data.replace(b"\r\n", b"\n")


def wine_differs(request, key):
    """Declares that the test meets a known Wine difference: under Wine it is
    expected to fail (strictly: a pass means the list above is out of date)."""
    if UNDER_WINE:
        import pytest
        request.applymarker(pytest.mark.xfail(reason=WINE_DIFFERENCES[key], strict=True))
