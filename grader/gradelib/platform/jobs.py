"""Windows Job objects: each program starts suspended, goes into a Job object that
ends its whole tree with it, then runs; taskkill is the fallback. The ctypes calls
here run on Windows alone; tests/kit/test_platform.py fakes kernel32 to test them."""
import ctypes
import ntpath
import os
import subprocess
import warnings

# Windows process creation: a group of its own, so a console Ctrl+C meant for the
# grader does not reach the student's programs first; suspended, so that it is in its
# Job object before it runs a single instruction (a child it started at once would
# otherwise be outside the Job, and escape it).
CREATE_NEW_PROCESS_GROUP = 0x00000200


CREATE_SUSPENDED = 0x00000004


# No error dialog on a crash (Windows Error Reporting would wait for a click and turn
# the crash into a timeout), nor for a missing drive. Children inherit the mode.
SEM_FAILCRITICALERRORS = 0x0001


SEM_NOGPFAULTERRORBOX = 0x0002


ERROR_MODE = SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX


# The Job object each program runs in: closing the grader's handle, or the grader
# ending, ends every process in it; an unhandled exception ends the process at once.
JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE = 0x00002000


JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION = 0x00000400


JOB_LIMIT_FLAGS = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE | JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION


# What the Job's limits leave out: with neither, no process of the Job can leave it
# (CreateProcess with CREATE_BREAKAWAY_FROM_JOB fails), so nothing a student's program
# starts outlives the Job (docs/grading.md, "The boundary").
JOB_OBJECT_LIMIT_BREAKAWAY_OK = 0x00000800


JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK = 0x00001000


JOB_OBJECT_EXTENDED_LIMIT_INFORMATION = 9   # the information class SetInformationJobObject takes


def taskkill_command(pid, environ=None):
    """The command that ends process PID and its children on Windows."""
    environ = os.environ if environ is None else environ
    root = environ.get("SYSTEMROOT") or environ.get("SystemRoot") or r"C:\Windows"
    return [ntpath.join(root, "System32", "taskkill.exe"), "/T", "/F", "/PID", str(pid)]


# JOBOBJECT_EXTENDED_LIMIT_INFORMATION, as winnt.h lays it out (144 bytes on x64).
class _BasicLimits(ctypes.Structure):
    _fields_ = [("PerProcessUserTimeLimit", ctypes.c_int64),
                ("PerJobUserTimeLimit", ctypes.c_int64),
                ("LimitFlags", ctypes.c_uint32),
                ("MinimumWorkingSetSize", ctypes.c_size_t),
                ("MaximumWorkingSetSize", ctypes.c_size_t),
                ("ActiveProcessLimit", ctypes.c_uint32),
                ("Affinity", ctypes.c_size_t),
                ("PriorityClass", ctypes.c_uint32),
                ("SchedulingClass", ctypes.c_uint32)]


class JobLimits(ctypes.Structure):
    _fields_ = [("BasicLimitInformation", _BasicLimits),
                ("IoInfo", ctypes.c_uint64 * 6),
                ("ProcessMemoryLimit", ctypes.c_size_t),
                ("JobMemoryLimit", ctypes.c_size_t),
                ("PeakProcessMemoryUsed", ctypes.c_size_t),
                ("PeakJobMemoryUsed", ctypes.c_size_t)]


def job_limits():
    """The limits every program's Job object gets."""
    info = JobLimits()
    info.BasicLimitInformation.LimitFlags = JOB_LIMIT_FLAGS
    return info


def _kernel32():
    k32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle, dword = ctypes.c_void_p, ctypes.c_uint32
    k32.CreateJobObjectW.restype = handle
    k32.CreateJobObjectW.argtypes = [ctypes.c_void_p, ctypes.c_wchar_p]
    k32.SetInformationJobObject.argtypes = [handle, ctypes.c_int, ctypes.c_void_p, dword]
    k32.AssignProcessToJobObject.argtypes = [handle, handle]
    k32.TerminateJobObject.argtypes = [handle, ctypes.c_uint]
    k32.TerminateProcess.argtypes = [handle, ctypes.c_uint]
    k32.CloseHandle.argtypes = [handle]
    k32.SetErrorMode.argtypes = [ctypes.c_uint]
    return k32


def _ntdll():
    # NtResumeProcess resumes every thread of a process by its handle, which is all
    # that subprocess keeps of a process it started (it closes the thread's handle);
    # psutil resumes processes with it too.
    ntdll = ctypes.WinDLL("ntdll")
    ntdll.NtResumeProcess.restype = ctypes.c_long
    ntdll.NtResumeProcess.argtypes = [ctypes.c_void_p]
    return ntdll


def _checked(k32, call, result):
    """RESULT of kernel32's CALL; OSError naming CALL and Windows' error if it failed."""
    if not result:
        code = ctypes.get_last_error() if hasattr(ctypes, "get_last_error") else 0
        raise OSError(f"{call} failed: Windows error {code}")
    return result


def _windows_job(k32, process):
    """A Job object that ends its processes with it, with PROCESS (a handle) in it;
    OSError naming the call that failed (the Job, if made, is closed)."""
    job = _checked(k32, "CreateJobObjectW", k32.CreateJobObjectW(None, None))
    try:
        info = job_limits()
        _checked(k32, "SetInformationJobObject",
                 k32.SetInformationJobObject(job, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                                             ctypes.byref(info), ctypes.sizeof(info)))
        _checked(k32, "AssignProcessToJobObject", k32.AssignProcessToJobObject(job, process))
    except OSError:
        k32.CloseHandle(job)
        raise
    return job


def no_error_dialogs():
    """The error mode the programs started next inherit: no crash dialog."""
    _kernel32().SetErrorMode(ERROR_MODE)


def start_in_job(proc):
    """Puts PROC, started suspended (CREATE_SUSPENDED), in a Job object that ends its
    tree with it, then lets it run. Should the Job fail, the program runs without one
    and taskkill ends it (a warning says which call failed); should it not resume, it
    is ended and OSError raised."""
    k32 = _kernel32()
    try:
        proc._kit_job = _windows_job(k32, int(proc._handle))
    except OSError as e:
        proc._kit_job = None
        warnings.warn(f"the program runs without a Job object ({e}); taskkill ends it")
    status = _ntdll().NtResumeProcess(int(proc._handle))
    if status != 0:
        k32.TerminateProcess(int(proc._handle), 1)
        raise OSError(f"NtResumeProcess failed (NTSTATUS 0x{status & 0xFFFFFFFF:08X}): "
                      "the program never ran")


def end_tree(proc):
    """Ends PROC and every process it started: its Job object, or taskkill where it has
    none (or the Job could not be ended)."""
    job = getattr(proc, "_kit_job", None)
    ended = False
    if job:
        k32 = _kernel32()
        ended = bool(k32.TerminateJobObject(job, 1))
        proc._kit_job = None
        _checked(k32, "CloseHandle", k32.CloseHandle(job))
    if not ended and proc.poll() is None:
        # No Job object (it could not be made): taskkill walks the tree by parent.
        subprocess.run(taskkill_command(proc.pid), stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False, timeout=30)
