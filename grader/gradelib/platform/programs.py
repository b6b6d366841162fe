"""Which programs run how: where the build puts them, the command line and the
environment each gets, how it is started, waited for and ended with every process it
started, on each host."""
import errno
import ntpath
import os
import select
import shlex
import signal
import stat
import subprocess
import time
from pathlib import Path

from . import boundary, hosts, jobs, procfs
from . import wine as wine_mod

# The environment a student's program gets: nothing of the grader's but these. Winsock
# needs SYSTEMROOT (without it WSAStartup fails with WSAEPROVIDERFAILEDINIT), and a
# program built in MSYS2 finds its DLLs through PATH.
PROGRAM_ENV = ("PATH", "SYSTEMROOT", "SYSTEMDRIVE", "WINDIR", "TEMP", "TMP", "HOME",
               "USERPROFILE", "COMSPEC", "PATHEXT", "KIT_RUN_ID")


def program_path(out_dir, name, host=None):
    """Where the build puts program NAME of a tree: OUT/bin/NAME[.exe]."""
    return Path(out_dir) / "bin" / (name + (host or hosts.HOST).exe)


def command(path, args, host=None, wine=None, environ=None):
    """The command line that runs the program at PATH with ARGS on this host: under
    Wine, WINE (default: the installed one) runs it. Elsewhere KIT_WRAPPER, a command,
    goes in front: the kit's own tests run programs under valgrind so."""
    argv = [str(path), *[str(a) for a in args]]
    if (host or hosts.HOST).under_wine:
        return [wine or wine_mod.wine_binary(), *argv]
    return wrapper(environ) + argv


def wrapper(environ=None):
    """KIT_WRAPPER's command, as a list (empty when it is not set)."""
    environ = os.environ if environ is None else environ
    return shlex.split(environ.get("KIT_WRAPPER", ""))


def program_argv(argv, host=None, environ=None):
    """ARGV as the program itself sees it: without Wine's launcher or KIT_WRAPPER's
    command in front."""
    if (host or hosts.HOST).under_wine:
        return list(argv[1:])
    skip = len(wrapper(environ))
    return list(argv[skip:]) if argv[:skip] == wrapper(environ) else list(argv)


def program_file(path, host=None):
    """PATH (a file of the grader's) as the program sees it: under Wine a Windows path
    on drive Z:, which Wine maps to /."""
    if (host or hosts.HOST).under_wine:
        return "Z:" + str(Path(path).resolve()).replace("/", "\\")
    return str(path)


def read_left(path, limit):
    """The first LIMIT bytes of a file a program was told to write (its record, its
    report), read only if it is a plain file: the program may have put a link there to
    a file of the grader's, or a pipe that never ends, or made it huge. Raises OSError
    when it is missing or no plain file. (Windows has no O_NOFOLLOW or O_NONBLOCK: its
    links need rights a program of a student's has not got.)"""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | \
        getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a plain file", str(path))
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def typed_command(argv, host=None):
    """The command as the student would type it: 'resolve ::1 80' for
    [wine64, 'C:\\...\\bin\\resolve.exe', '::1', '80']."""
    host = host or hosts.HOST
    argv = program_argv(argv, host)
    name = ntpath.basename(argv[0]) if host.windows_programs else os.path.basename(argv[0])
    if host.windows_programs and name.lower().endswith(".exe"):
        name = name[:-4]
    return " ".join([name, *(_clip_arg(a) for a in argv[1:])])


def _clip_arg(arg, limit=60):
    """A long argument (a test's random message) shortened for a message line."""
    return arg if len(arg) <= limit else f"{arg[:40]}...({len(arg)} characters)"


def program_env(extra=None, host=None, environ=None, mark=None):
    """A small, fixed environment for the student's programs, MARK-ed. KIT_PASS_ENV
    names more variables to pass on: the kit's own tests pass the sanitizers' options
    so."""
    host = host or hosts.HOST
    environ = os.environ if environ is None else environ
    # Windows' variable names ignore case (Path, SystemRoot).
    fold = str.upper if host.on_windows else str
    keep = set(PROGRAM_ENV) | {fold(k) for k in environ.get("KIT_PASS_ENV", "").split()}
    env = {k: v for k, v in environ.items() if fold(k) in keep}
    env["LC_ALL"] = "C"
    if mark:
        env[hosts.MARK] = mark
    if host.under_wine:
        env.update(wine_mod.wine_env())
    env.update(extra or {})
    return env


def contain(argv, path, cwd, chosen=None, host=None):
    """How the program PATH, run as ARGV in CWD, starts behind this grader's boundary:
    (the command line to start, its Box or None). In a box (boundary "namespaces");
    as the student's user (boundary "user"), its work directory made that user's;
    as it is otherwise."""
    chosen = chosen or boundary.current(host)
    if chosen.boxed:
        boundary.give(cwd, chosen.uid)
        box = Box(chosen, argv, box_view(path, cwd, host), host)
        return box.argv, box
    if chosen.kind == "user":
        boundary.give(cwd, chosen.uid, recursive=True)
        return boundary.drop_to(chosen.uid) + list(argv), None
    return list(argv), None


def box_view(path, cwd, host=None):
    """What a program's box shows (boundary.View): the program's folder read-only, its
    work directory CWD read-write; under Wine also the prefix, read-only, and the
    folder of Wine's server, whose socket the program talks to."""
    host = host or hosts.HOST
    view = boundary.View(readable=[Path(path).resolve().parent], writable=[Path(cwd)],
                         cwd=Path(cwd))
    if host.under_wine:
        view.readable.append(wine_mod.WINEPREFIX)
        view.writable += wine_mod.server_dirs()
    return view


def boxed_env(env, host=None):
    """ENV for a program in a box: its home and temporary folders are the box's own."""
    env = dict(env)
    for name in ("HOME", "TEMP", "TMP", "USERPROFILE"):
        if name in env and not (host or hosts.HOST).under_wine:
            env[name] = "/tmp"
    return env


class Box:
    """A program's box (boundary.box_command): the command line, and the pipe on which
    its first process reports how the program ended and what it left running."""

    def __init__(self, chosen, argv, view, host=None):
        self.read_fd, self.write_fd = os.pipe()
        self.argv = boundary.box_command(chosen, argv, view, self.write_fd, host)
        self.status = self.left = None

    def fds(self):
        """The descriptors the box inherits."""
        return (self.write_fd,)

    def started(self):
        """The grader's copy of the write end closes once the box holds its own (or
        did not start)."""
        os.close(self.write_fd)

    def ended(self):
        """Reads the report, once the box has ended: (status, processes left)."""
        if self.read_fd is not None:
            os.set_blocking(self.read_fd, False)
            data = b""
            try:
                while len(data) < 4096:
                    chunk = os.read(self.read_fd, 4096)
                    if not chunk:
                        break
                    data += chunk
            except BlockingIOError:
                data = b""          # something in the box still holds it: no report
            os.close(self.read_fd)
            self.read_fd = None
            self.status, self.left = boundary.read_report(data)
        return self.status, self.left


def box_members(pid, proc_dir="/proc"):
    """PIDs of the processes in the PID namespace of the box that bwrap PID made."""
    children = [int(e.name) for e in os.scandir(proc_dir) if e.name.isdigit()
                and _parent(os.path.join(proc_dir, e.name)) == pid]
    if not children:
        return []
    try:
        namespace = os.readlink(os.path.join(proc_dir, str(children[0]), "ns", "pid"))
    except OSError:
        return []
    found = []
    for entry in os.scandir(proc_dir):
        if entry.name.isdigit():
            try:
                if os.readlink(os.path.join(entry.path, "ns", "pid")) == namespace and \
                        procfs.stat_fields(entry.path)[0] not in (b"Z", b"X"):
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def _parent(process_dir):
    try:
        return int(procfs.stat_fields(process_dir)[1])
    except (OSError, IndexError, ValueError):
        return None


def popen_options(host=None):
    """How each program is started so that its whole tree can be ended: a session and
    process group of its own on POSIX (Wine included), a process group of its own on
    Windows, suspended until after_start has put it in its Job object."""
    if (host or hosts.HOST).on_windows:
        return {"creationflags": jobs.CREATE_NEW_PROCESS_GROUP | jobs.CREATE_SUSPENDED}
    return {"start_new_session": True}


def tree_options(host=None):
    """How a tool the grader runs (a grading run, a browser) is started so that
    kill_tree can end it with every process it starts: a session and process group of
    its own on POSIX, a process group of its own on Windows."""
    if (host or hosts.HOST).on_windows:
        return {"creationflags": jobs.CREATE_NEW_PROCESS_GROUP}
    return {"start_new_session": True}


def before_start(host=None):
    """Windows: the error mode the program inherits (no crash dialog). Wine: should the
    keeper be gone (it was ended, or Wine's server with it), start the server and the
    keeper again here; otherwise the student's program would start the server."""
    host = host or hosts.HOST
    if host.on_windows:
        jobs.no_error_dialogs()
    wine_mod.prepare(host)


def after_start(proc, host=None):
    """Windows: put the program, started suspended, in a Job object that ends its tree
    with it, then let it run (see jobs.start_in_job)."""
    if (host or hosts.HOST).on_windows:
        jobs.start_in_job(proc)


# --- Exited, but not yet reaped ---------------------------------------------------
# A program's process group is named by its PID. Once the program is reaped and its
# group is empty, Linux may give that number to a new process, which may lead a group
# of its own: a kill of the old group would then end a stranger. So on Linux the
# grader sees a program's exit without reaping it (waitid with WNOWAIT): the zombie
# keeps its PID, and so its group's, until the grader has ended the group and calls
# reap().

def exit_status(popen, host=None):
    """The program's exit status as Popen.returncode gives it (-N: signal N), or None
    while it runs. On Linux the program is left unreaped."""
    if popen.returncode is not None or not (host or hosts.HOST).on_linux:
        return popen.poll()
    try:
        info = os.waitid(os.P_PID, popen.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:       # reaped already
        return popen.poll()
    if info is None:
        return None
    return info.si_status if info.si_code == os.CLD_EXITED else -info.si_status


def wait_exit(popen, timeout, host=None):
    """Waits up to TIMEOUT seconds for the program to exit (on Linux without reaping
    it: a pidfd says when). True if it has."""
    if exit_status(popen, host) is not None:
        return True
    if not (host or hosts.HOST).on_linux:
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return popen.returncode is not None
    try:
        fd = os.pidfd_open(popen.pid)
    except ProcessLookupError:
        return exit_status(popen, host) is not None
    try:
        select.select([fd], [], [], max(0.0, timeout))
    finally:
        os.close(fd)
    return exit_status(popen, host) is not None


def reap(popen, host=None):
    """Collects the program, once it has exited and its group has been ended."""
    if exit_status(popen, host) is not None:
        popen.wait()


def kill_tree(proc, host=None, mark=None, grace=0.0, mark_name=None):
    """Ends the program and every process it started: its Job object (or taskkill) on
    Windows; its process group on POSIX, and on Linux also every process carrying MARK
    in the environment variable MARK_NAME (default MARK: a child that started a
    session of its own, or that Wine detached; RUN_MARK: a grading run's). With GRACE
    (POSIX), SIGTERM to the group first, and up to GRACE seconds for the group to end
    by itself (a grader so ends its own programs and writes its reports) before
    SIGKILL. On Linux the program is left unreaped (reap collects it)."""
    host = host or hosts.HOST
    if host.on_windows:
        jobs.end_tree(proc)
        return
    if grace > 0:
        _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while (exit_status(proc, host) is None or survivors(proc, host)) \
                and time.monotonic() < deadline:
            time.sleep(0.1)
    _signal_group(proc.pid, signal.SIGKILL)
    # A process may fork while it is being killed: again until none is left.
    for _ in range(5):
        pids = procfs.linux_members(proc.pid, mark, mark_name=mark_name) if host.on_linux \
            else []
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)


def _signal_group(pgid, sig):
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def tree_members(pid, mark=None, host=None, mark_name=None):
    """PIDs of the live processes of program PID's tree: on Linux its process group
    and those carrying MARK (as kill_tree reads them), elsewhere the program itself."""
    if not (host or hosts.HOST).on_linux:
        return [pid]
    return procfs.linux_members(pid, mark, mark_name=mark_name)


def survivors(proc, host=None, mark=None, mark_name=None):
    """How many processes of the program's tree are still running, the program itself
    having exited: those it left behind. Not counted on Windows, where the console
    host Windows starts beside a console program may outlive it by a moment (its Job
    object ends whatever is left either way)."""
    host = host or hosts.HOST
    if host.on_windows:
        return 0
    if host.on_linux:
        return len(procfs.linux_members(proc.pid, mark, mark_name=mark_name))
    try:
        os.killpg(proc.pid, 0)      # anyone left in the group? (a zombie counts too)
        return 1
    except (ProcessLookupError, PermissionError):
        return 0


def normalise_newlines(data):
    """Program text output with CRLF line ends read as LF (Windows text mode)."""
    return data.replace(b"\r\n", b"\n")
