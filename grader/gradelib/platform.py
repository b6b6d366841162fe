"""The grader's one room for platform differences.

How programs are found, started and ended on Linux, macOS, Windows (MSYS2) and under
Wine, and the list of places where Wine behaves differently from real Windows. No
other grader module looks at the platform.
"""
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = os.environ.get("KIT_TARGET") or "native"
ON_WINDOWS = sys.platform == "win32"
ON_LINUX = sys.platform.startswith("linux")
UNDER_WINE = TARGET == "mingw" and not ON_WINDOWS
WINDOWS_PROGRAMS = ON_WINDOWS or TARGET == "mingw"
EXE = ".exe" if WINDOWS_PROGRAMS else ""

WINEPREFIX = ROOT / "build" / "mingw" / "wine"
# How long wineserver outlives its last program: long enough to stay warm between the
# programs of a grading run, short enough to be gone soon after it.
WINESERVER_PERSIST = 30

# The environment variable that marks every process of one program run, children
# included, so that the ones that left its process group are found too (Linux).
MARK = "KIT_PROCESS"

# Where Wine differs from the real Windows that the labs target. A test that meets
# one of these says so with wine_differs(KEY); it still runs in full on Windows.
# docs/platform-differences.md explains each.
WINE_DIFFERENCES = {
    "resolver-needs-startup":
        "Wine's getaddrinfo answers before WSAStartup; Windows fails with "
        "WSANOTINITIALISED (10093).",
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
    """The command line that runs the program at PATH with ARGS on this target.
    KIT_WRAPPER, a command, goes in front of native programs: the kit's own tests
    run programs under valgrind so (tests/kit/test_memory.py)."""
    argv = [str(path), *[str(a) for a in args]]
    if UNDER_WINE:
        return [wine_binary(), *argv]
    return shlex.split(os.environ.get("KIT_WRAPPER", "")) + argv


def wine_binary():
    for candidate in ("/usr/lib/wine/wine64", shutil.which("wine64"), shutil.which("wine")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError("TARGET=mingw needs Wine: run 'make setup TARGET=mingw'")


def program_env(extra=None, mark=None):
    """A small, fixed environment for the student's programs. KIT_PASS_ENV names more
    variables to pass on: the kit's own tests pass the sanitizers' options so."""
    keep = ["PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "HOME",
            "USERPROFILE", "COMSPEC", "PATHEXT", "KIT_RUN_ID"]
    keep += os.environ.get("KIT_PASS_ENV", "").split()
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env["LC_ALL"] = "C"
    if mark:
        env[MARK] = mark
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
    _wine["used"] = time.monotonic()


_wine = {"used": None}


def before_start():
    """Called before each program starts. Under Wine: should wineserver have gone
    (its WINESERVER_PERSIST seconds passed with no program), start it again here, or
    the student's program would start it, and it and Wine's services would hold the
    program's output pipes and carry its MARK."""
    if not UNDER_WINE:
        return
    used = _wine["used"]
    if used is None or time.monotonic() - used > WINESERVER_PERSIST / 2:
        prepare()


def after_end():
    """Called when a program has ended: Wine stays warm WINESERVER_PERSIST s more."""
    if UNDER_WINE:
        _wine["used"] = time.monotonic()


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


def kill_tree(proc, mark=None):
    """Ends the program and every process it started: its process group (Job object
    on Windows), and on Linux also every process that carries its MARK, such as a
    child that started a session of its own."""
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
    # A process may fork while it is being killed: again until none is left.
    for _ in range(5):
        pids = _linux_members(proc.pid, mark) if ON_LINUX else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)


def survivors(proc, mark=None):
    """How many processes of the program's tree are still running (the program
    itself has exited): children it left behind."""
    if ON_WINDOWS:
        return _job_active_processes(getattr(proc, "_kit_job", None))
    if ON_LINUX:
        return len(_linux_members(proc.pid, mark))
    try:
        os.killpg(proc.pid, 0)      # anyone left in the group? (zombies count too)
        return 1
    except (ProcessLookupError, PermissionError):
        return 0


def _linux_members(pgid, mark):
    """PIDs of live (not zombie) processes in process group PGID or carrying MARK."""
    found = []
    marker = f"{MARK}={mark}".encode() if mark else None
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
            if fields[0] in (b"Z", b"X"):
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
            elif marker:
                with open(f"/proc/{entry.name}/environ", "rb") as f:
                    if marker in f.read().split(b"\0"):
                        found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def _job_active_processes(job):
    if not job:
        return 0
    import ctypes
    from ctypes import wintypes

    class Accounting(ctypes.Structure):
        _fields_ = [("TotalUserTime", ctypes.c_int64), ("TotalKernelTime", ctypes.c_int64),
                    ("ThisPeriodTotalUserTime", ctypes.c_int64),
                    ("ThisPeriodTotalKernelTime", ctypes.c_int64),
                    ("TotalPageFaultCount", wintypes.DWORD),
                    ("TotalProcesses", wintypes.DWORD),
                    ("ActiveProcesses", wintypes.DWORD),
                    ("TotalTerminatedProcesses", wintypes.DWORD)]

    info = Accounting()
    k32 = ctypes.windll.kernel32
    k32.QueryInformationJobObject.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p,
                                              wintypes.DWORD, ctypes.c_void_p]
    if not k32.QueryInformationJobObject(job, 1, ctypes.byref(info), ctypes.sizeof(info),
                                         None):
        return 0
    return info.ActiveProcesses


def listening_addresses(port):
    """The local addresses of the TCP sockets listening on PORT, as text ("127.0.0.1",
    "::", ...), read from /proc/net on Linux (native and Wine alike); None where the
    system does not say."""
    if not ON_LINUX:
        return None
    found = []
    for name, v6 in (("tcp", False), ("tcp6", True)):
        try:
            with open(f"/proc/net/{name}") as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) < 4 or fields[3] != "0A":      # 0A: LISTEN
                continue
            address, hex_port = fields[1].rsplit(":", 1)
            if int(hex_port, 16) == port:
                found.append(_proc_net_address(address, v6))
    return found


def _proc_net_address(hex_address, v6):
    """An address as /proc/net/tcp writes it (32-bit words in host byte order)."""
    import ipaddress
    raw = bytes.fromhex(hex_address)
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4)) \
        if sys.byteorder == "little" else raw
    return str(ipaddress.ip_address(words))


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
    found = memory_error(returncode, stderr)
    if found:
        return found
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
    if WINDOWS_PROGRAMS and returncode == 3 and not stderr.strip():
        # Wine's msvcrt abort() says nothing at all. A lab program that exits with 3
        # (EXIT_TIMEOUT) prints its error line first, so silence means abort().
        return ("crashed: exit 3 with nothing on stderr, as abort() ends a program in "
                "Microsoft's C runtime")
    if UNDER_WINE:
        # Wine passes on only the low byte of a Windows exit code, so an exception
        # shows in the message Wine prints instead.
        for line in stderr.decode("utf-8", "replace").splitlines():
            if line.startswith("wine: Unhandled"):
                return "crashed: Windows exception (" + line[len("wine: "):].split(" at ")[0] + ")"
    return None


# The exit code the kit's tests give valgrind for "errors found" (KIT_WRAPPER), and
# the sanitizers' reports (ASAN_OPTIONS and UBSAN_OPTIONS set exitcode to it too).
MEMORY_ERROR_EXIT = 97
SANITIZER_REPORT = re.compile(
    rb"ERROR: (AddressSanitizer|LeakSanitizer): ([\w-]+)|: runtime error: ([^\n]{0,120})")
VALGRIND_REPORT = re.compile(rb"^==\d+== (\S[^\n]{0,120})", re.M)


def memory_error(returncode, stderr):
    """A sanitizer's or valgrind's report on stderr, in words; None if there is none.
    (Students who build with -fsanitize get the same words.)"""
    m = SANITIZER_REPORT.search(stderr)
    if m and returncode != 0:
        if m.group(3) is not None:
            what = m.group(3).decode("utf-8", "replace").strip()
            return f"memory error: UndefinedBehaviorSanitizer: {what}"
        if m.group(1) == b"LeakSanitizer":
            return "memory error: LeakSanitizer found memory leaks"
        return f"memory error: AddressSanitizer found {m.group(2).decode()}"
    if returncode == MEMORY_ERROR_EXIT:
        m = VALGRIND_REPORT.search(stderr)
        if m:
            return "memory error: valgrind found: " + m.group(1).decode("utf-8", "replace")
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
