"""Unit tests of what keeps a grading run contained, whatever a submission does: the
mark that finds a program's processes, the check of where a server listens, the
reading of sanitizer and valgrind reports, the limits on output, and the environment
and wrapper a program gets. Each runs here, on faked /proc trees where it reads one."""
import os
import select
import signal
import subprocess
import sys
import time
import uuid

import pytest

from gradelib import expect, platform, proc
from gradelib.platform import Host

LINUX = Host("linux", "native")
MACOS = Host("darwin", "native")
WINE = Host("linux", "mingw")


# --- /proc: a program's processes, and where a server listens -------------------------

def fake_process(root, pid, pgrp, state="S", environ=(), sockets=()):
    d = root / str(pid)
    (d / "fd").mkdir(parents=True)
    (d / "stat").write_bytes(f"{pid} (prog (x)) {state} 1 {pgrp} {pgrp} 0".encode())
    (d / "environ").write_bytes(b"\0".join(e.encode() for e in environ) + b"\0")
    for n, inode in enumerate(sockets):
        os.symlink(f"socket:[{inode}]", d / "fd" / str(n + 3))


def test_members_are_the_group_and_the_marked(tmp_path):
    fake_process(tmp_path, 100, 100)                                   # the program
    fake_process(tmp_path, 101, 100)                                   # its child
    fake_process(tmp_path, 102, 102, environ=["KIT_PROCESS=abc"])     # left the group
    fake_process(tmp_path, 103, 100, state="Z")                        # a zombie: gone
    fake_process(tmp_path, 104, 104, environ=["KIT_PROCESS=other"])   # another run's
    fake_process(tmp_path, 105, 105)                                   # not ours
    assert sorted(platform.linux_members(100, "abc", proc_dir=tmp_path)) == [100, 101, 102]
    assert sorted(platform.linux_members(100, None, proc_dir=tmp_path)) == [100, 101]



def test_a_runs_mark_finds_its_processes(tmp_path):
    fake_process(tmp_path, 100, 100)                                   # the grader
    fake_process(tmp_path, 102, 102, environ=["KIT_RUN_ID=run1"])     # left the group
    fake_process(tmp_path, 103, 103, environ=["KIT_PROCESS=run1"])    # a program's mark
    assert sorted(platform.linux_members(100, "run1", proc_dir=tmp_path,
                                         mark_name=platform.RUN_MARK)) == [100, 102]

NET_HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"


def net_row(address, port, state, inode):
    return (f"   0: {address}:{port:04X} 00000000:0000 {state} 00000000:00000000 00:00000000 "
            f"00000000     0        0 {inode} 1 0000000000000000 100 0 0 10 0\n")


def fake_net(root, tcp=(), tcp6=(), udp=()):
    (root / "net").mkdir(exist_ok=True)
    for name, rows in (("tcp", tcp), ("tcp6", tcp6), ("udp", udp), ("udp6", ())):
        (root / "net" / name).write_text(NET_HEADER + "".join(net_row(*r) for r in rows))


LOOPBACK4 = "0100007F"
ANY4 = "00000000"
LOOPBACK6 = "00000000000000000000000001000000"
ANY6 = "0" * 32


def test_proc_net_addresses_read_as_text():
    assert platform.proc_net_address(LOOPBACK4) == "127.0.0.1"
    assert platform.proc_net_address(ANY4) == "0.0.0.0"
    assert platform.proc_net_address(LOOPBACK6) == "::1"
    assert platform.proc_net_address(ANY6) == "::"


def test_listening_addresses_of_a_port(tmp_path):
    fake_net(tmp_path, tcp=[(LOOPBACK4, 5000, "0A", 11), (ANY4, 5001, "0A", 12),
                            (LOOPBACK4, 5002, "01", 13)],        # 01: a connection, not a listener
             tcp6=[(LOOPBACK6, 5000, "0A", 14)], udp=[(LOOPBACK4, 5003, "07", 15)])
    at = lambda port: sorted(platform.listening_addresses(port, host=LINUX, proc=tmp_path))
    assert at(5000) == ["127.0.0.1", "::1"]
    assert at(5001) == ["0.0.0.0"]
    assert at(5002) == []
    assert at(5003) == ["127.0.0.1"]         # a UDP server is bound, not listening
    assert platform.listening_addresses(5000, host=MACOS, proc=tmp_path) is None


@pytest.mark.skipif(platform.ON_WINDOWS, reason="fakes /proc's fd links with symlinks")
def test_a_servers_own_sockets_come_first(tmp_path):
    # Port 6000: the server's UDP socket on loopback, and someone else's TCP listener
    # on every interface. Only the server's own count.
    fake_net(tmp_path, tcp=[(ANY4, 6000, "0A", 21)], udp=[(LOOPBACK4, 6000, "07", 22)])
    fake_process(tmp_path, 300, 300, sockets=[22])
    assert platform.listening_addresses(6000, [300], LINUX, tmp_path) == ["127.0.0.1"]
    # Under Wine, wineserver holds a TCP listener: none is the program's, TCP's count.
    assert platform.listening_addresses(6000, [], LINUX, tmp_path) == ["0.0.0.0"]


class FakeServer:
    def __init__(self):
        self.stopped = False

    def processes(self):
        return []

    def stop(self):
        self.stopped = True
        return None


@pytest.mark.parametrize("host, listening, says", [
    ("0.0.0.0", None, "every interface"),          # announced: known everywhere
    ("::", None, "every interface"),
    ("127.0.0.1", ["0.0.0.0"], "every interface"),
    ("127.0.0.1", [], "nothing listens on the port the server announced"),
    ("::1", ["127.0.0.1"], "nothing listens on the port the server announced")])
def test_a_server_must_listen_on_loopback_where_it_said(monkeypatch, host, listening, says):
    monkeypatch.setattr(platform, "listening_addresses", lambda port, pids=(): listening)
    server = FakeServer()
    with pytest.raises(expect.Failure, match=says):
        expect.listens_on_loopback(server, host, 4242)
    assert server.stopped


@pytest.mark.parametrize("host, listening", [("127.0.0.1", ["127.0.0.1"]), ("::1", ["::1"]),
                                             ("127.0.0.1", None)])
def test_a_server_on_loopback_passes(monkeypatch, host, listening):
    monkeypatch.setattr(platform, "listening_addresses", lambda port, pids=(): listening)
    expect.listens_on_loopback(FakeServer(), host, 4242)


# --- sanitizer and valgrind reports ----------------------------------------------------

EXIT = platform.MEMORY_ERROR_EXIT


@pytest.mark.parametrize("code, stderr, words", [
    (EXIT, b"==1==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x6",
     "memory error: AddressSanitizer found heap-buffer-overflow"),
    (EXIT, b"\n==1==ERROR: LeakSanitizer: detected memory leaks\n",
     "memory error: LeakSanitizer found memory leaks"),
    (EXIT, b"x.c:3:5: runtime error: signed integer overflow: 2147483647 + 1 cannot be "
           b"represented in type 'int'\n",
     "memory error: UndefinedBehaviorSanitizer: signed integer overflow: 2147483647 + 1 "
     "cannot be represented in type 'int'"),
    (-6, b"==7==ERROR: AddressSanitizer: SEGV on unknown address",
     "memory error: AddressSanitizer found SEGV"),
    (EXIT, b"==4242== Invalid read of size 4\n==4242==    at 0x1: main (a.c:3)\n",
     "memory error: valgrind found: Invalid read of size 4")])
def test_memory_reports_are_named(code, stderr, words):
    assert platform.describe_exit(code, stderr, LINUX) == words


def test_no_report_no_memory_error():
    # A program that exits 97 by itself, or prints the words and exits 0.
    assert platform.memory_error(EXIT, b"tcp_server: bind: ...\n") is None
    assert platform.memory_error(0, b"==1==ERROR: AddressSanitizer: heap-buffer-overflow") is None


# --- the environment, and the wrapper in front ---------------------------------------------

def test_only_named_variables_pass(monkeypatch):
    environ = {"PATH": "/usr/bin", "ASAN_OPTIONS": "halt_on_error=1", "SECRET": "x",
               "KIT_PASS_ENV": "ASAN_OPTIONS"}
    env = platform.program_env(host=LINUX, environ=environ, mark="m1")
    assert env == {"PATH": "/usr/bin", "ASAN_OPTIONS": "halt_on_error=1", "LC_ALL": "C",
                   "KIT_PROCESS": "m1"}
    del environ["KIT_PASS_ENV"]
    assert "ASAN_OPTIONS" not in platform.program_env(host=LINUX, environ=environ)


def test_wrapper_goes_in_front_of_native_programs_only():
    environ = {"KIT_WRAPPER": "valgrind -q --error-exitcode=97"}
    argv = platform.command("bin/resolve", ["::1", 80], LINUX, environ=environ)
    assert argv == ["valgrind", "-q", "--error-exitcode=97", "bin/resolve", "::1", "80"]
    assert platform.program_argv(argv, LINUX, environ) == ["bin/resolve", "::1", "80"]
    assert platform.command("bin/r.exe", [], WINE, wine="wine64", environ=environ) == \
        ["wine64", "bin/r.exe"]


# --- output: counted, kept to a limit, escaped ------------------------------------------------

@pytest.fixture
def native(monkeypatch):
    """Programs run here as native ones, whatever the target: these run Python."""
    native_host = LINUX if platform.ON_LINUX else Host()
    monkeypatch.setattr(platform.hosts, "HOST", native_host)
    monkeypatch.setattr(platform, "HOST", native_host)
    monkeypatch.delenv("KIT_WRAPPER", raising=False)


def python(code, tmp_path, **kw):
    return proc.Process(sys.executable, ["-c", code], cwd=tmp_path, **kw)


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX pipes and Python as the program")
def test_a_flood_is_counted_not_kept(native, tmp_path):
    size = proc.OUTPUT_LIMIT + 3 * 1024 * 1024
    result = python(f"import os; os.write(1, b'x' * {size}); os.write(2, b'y' * 10)",
                    tmp_path, timeout=60).wait()
    assert result.returncode == 0
    assert len(result.stdout) == proc.OUTPUT_LIMIT and result.stdout_total == size
    assert result.stderr_total == 10
    assert f"it wrote {size} bytes to stdout" in result.flooded()
    message = str(expect.Failure("it failed", got=result.text, result=result))
    assert len(message) < 3 * expect.SHOWN_LIMIT and "it wrote" in message


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX pipes and Python as the program")
def test_only_whole_lines_are_awaited(native, tmp_path):
    # "listening on 127.0.0.1:1234" comes in two writes, the second once the test says
    # so: the first half must not match as port 1.
    go = tmp_path / "go"
    program = python("import os, time\n"
                     "os.write(1, b'listening on 127.0.0.1:1')\n"
                     f"while not os.path.exists({str(go)!r}): time.sleep(0.01)\n"
                     "os.write(1, b'234\\n')\n", tmp_path, timeout=20)
    with program._changed:
        assert program._changed.wait_for(lambda: program.out.data, timeout=10)
    assert program.wait_line(r"listening on [\d.]+:(\d+)", 0.2) is None
    go.write_text("")
    m = program.wait_line(r"listening on [\d.]+:(\d+)", 10)
    assert m is not None and m.group(1) == "1234"
    program.stop()


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX pipes and Python as the program")
def test_the_last_line_counts_once_the_stream_ends(native, tmp_path):
    program = python("import os; os.write(1, b'first\\nlast')", tmp_path, timeout=20)
    assert program.wait_line("last", 10) is not None
    program.stop()


@pytest.mark.skipif(not platform.ON_LINUX, reason="reads /proc")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and Python as the program")
def test_merged_output_keeps_the_order_it_was_written_in(native, tmp_path):
    transcript = proc.Transcript()
    result = python("import os; os.write(1, b'one\\n'); os.write(2, b'two\\n'); "
                    "os.write(1, b'three\\n')", tmp_path, timeout=20, merged=True,
                    transcript=transcript).wait()
    assert result.returncode == 0
    assert result.lines == ["one", "two", "three"]
    assert result.errors == result.text
    assert "stdout and stderr, in one pipe (14 bytes):" in transcript.text()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_detached_child_is_found_and_ended(native, tmp_path):
    code = ("import os, time\n"
            "if os.fork() == 0:\n"
            "    os.setsid(); time.sleep(600)\n")
    program = python(code, tmp_path, timeout=20)
    result = program.wait()
    assert result.returncode == 0 and result.left_behind == 1
    assert platform.linux_members(program.pid, program.mark) == []


def _state(pid):
    """A process's state letter from /proc ("Z": a zombie), or None once it is gone."""
    try:
        return platform.stat_fields(f"/proc/{pid}")[0].decode()
    except FileNotFoundError:
        return None


@pytest.mark.skipif(not platform.ON_LINUX, reason="reads /proc")
@pytest.mark.parametrize("code, status", [("raise SystemExit(3)", 3),
                                          ("import os; os.kill(os.getpid(), 9)", -9)])
def test_an_exited_program_keeps_its_pid_until_its_group_is_ended(native, tmp_path,
                                                                   code, status):
    # Until the grader has ended its group, the exited program stays a zombie, so that
    # its PID (its group's name) cannot pass to a stranger that a group kill would hit.
    program = python(code, tmp_path, timeout=20)
    assert program.exited(10)
    assert program.returncode == status
    assert _state(program.pid) == "Z", "reaped before its group was ended"
    result = program.stop()
    assert result.returncode == status
    assert _state(program.pid) is None, "never reaped"


@pytest.mark.skipif(not platform.ON_LINUX, reason="reads /proc")
def test_a_program_stopped_by_the_grader_is_reaped(native, tmp_path):
    program = python("import time; time.sleep(600)", tmp_path, timeout=20)
    assert not program.exited(0.1)
    result = program.stop()
    assert result.stopped and result.returncode == -9
    assert _state(program.pid) is None


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX signals and Python as the program")
def test_an_interrupt_as_a_program_starts_still_ends_it(native, tmp_path, monkeypatch):
    # Ctrl-C or SIGTERM just after the fork, before the grader has noted the program:
    # the interrupt waits until it has, so that stopping everything ends it too.
    started = []

    class InterruptedAtStart(subprocess.Popen):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            started.append(self)
            os.kill(os.getpid(), signal.SIGTERM)   # its handler runs before the next line
            started.append("went on")

    monkeypatch.setattr(proc.subprocess, "Popen", InterruptedAtStart)
    previous = signal.signal(signal.SIGTERM, proc.on_interrupt)
    try:
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            python("import time; time.sleep(600)", tmp_path, timeout=20)
    finally:
        signal.signal(signal.SIGTERM, previous)
    program = started[0]
    try:
        assert started[1:] == ["went on"], "the interrupt was not held back"
        proc.stop_everything()
        assert platform.wait_exit(program, 5), "the program was left running"
    finally:
        program.kill()
        program.wait()


# --- the boundary (grader/gradelib/platform/boundary.py) ------------------------------

from gradelib.platform import boundary  # noqa: E402

WINDOWS = Host("win32", "native")
ASKED = {"KIT_SANDBOX": "1"}


def test_the_boundary_is_off_unless_asked():
    assert boundary.choose(LINUX, environ={}, probe=lambda: None).kind == "off"


@pytest.mark.parametrize("host, refused, euid, kind, uid", [
    (LINUX, None, 0, "namespaces", boundary.STUDENT_UID),
    (LINUX, None, 1000, "namespaces", None),
    (LINUX, "no namespaces", 0, "user", boundary.STUDENT_UID),
    (LINUX, "no namespaces", 1000, "none", None),
    (WINE, None, 0, "namespaces", None),          # Wine's prefix is the grader's user's
    (WINE, "no namespaces", 0, "none", None),
    (MACOS, None, 0, "none", None),
    (WINDOWS, None, 0, "job", None),
])
def test_the_boundary_is_what_the_host_allows(host, refused, euid, kind, uid):
    chosen = boundary.choose(host, environ=ASKED, probe=lambda: refused, euid=euid)
    assert (chosen.kind, chosen.uid) == (kind, uid)
    if kind in ("user", "none"):
        assert chosen.why, "a boundary less than asked must say why"


def test_each_worker_and_job_is_a_user_of_its_own():
    assert boundary.student_uid({}) == boundary.STUDENT_UID
    assert boundary.student_uid({"PYTEST_XDIST_WORKER": "gw0"}) == boundary.STUDENT_UID + 1
    assert boundary.student_uid({"KIT_SANDBOX_UID": "61016",
                                 "PYTEST_XDIST_WORKER": "gw1"}) == 61018


def test_a_runs_choice_is_read_by_every_process_of_it():
    chosen = boundary.Boundary("user", "no namespaces here", 61000)
    read = boundary.from_text(boundary.as_text(chosen), LINUX, ASKED)
    assert (read.kind, read.why) == ("user", "no namespaces here")
    assert boundary.from_text(boundary.as_text(chosen), LINUX, {}) is None
    assert boundary.from_text("rubbish|x", LINUX, ASKED) is None


def test_a_box_shows_only_its_view(tmp_path):
    chosen = boundary.Boundary("namespaces", "", 61000, "bwrap")
    view = boundary.View(readable=[tmp_path / "bin"], writable=[tmp_path / "work"],
                         hidden=[tmp_path / "work" / "secret"], cwd=tmp_path / "work")
    argv = boundary.box_command(chosen, ["prog", "a"], view, 7, host=LINUX)
    assert argv[0] == "bwrap" and "--unshare-pid" in argv and "--new-session" in argv
    assert "--unshare-net" not in argv            # the run's network: the grader's
    pairs = list(zip(argv, argv[1:], argv[2:]))
    assert ("--ro-bind", str(tmp_path / "bin"), str(tmp_path / "bin")) in pairs
    assert ("--bind", str(tmp_path / "work"), str(tmp_path / "work")) in pairs
    assert ("--tmpfs", str(tmp_path / "work" / "secret")) in list(zip(argv, argv[1:]))
    assert not any(a in ("--bind", "--ro-bind") and b == "/" for a, b in zip(argv, argv[1:]))
    tail = argv[argv.index("--") + 1:]
    assert tail[:3] == ["/bin/bash", "-c", boundary.INIT] and tail[4:6] == ["7", "1"]
    assert tail[6:] == boundary.drop_to(61000) + ["prog", "a"]
    under_wine = boundary.box_command(chosen, ["prog"], view, 7, host=WINE)
    assert "--unshare-pid" not in under_wine
    assert under_wine[under_wine.index("--") + 6] == "0"      # nothing to count there


def test_the_box_reports_how_its_program_ended(tmp_path):
    read_fd, write_fd = os.pipe()
    proc = subprocess.run(["bash", "-c", boundary.INIT, "kit-box", str(write_fd), "0",
                           "sh", "-c", "ls /proc/self/fd; exit 3"], pass_fds=(write_fd,),
                          capture_output=True, text=True)
    os.close(write_fd)
    report = os.read(read_fd, 100)
    os.close(read_fd)
    assert proc.returncode == 3 and boundary.read_report(report) == (3, -1)
    assert str(write_fd) not in proc.stdout.split(), "the program holds the report's end"
    assert boundary.read_report(b"") == (None, None)
    assert boundary.exit_code(139) == -signal.SIGSEGV and boundary.exit_code(2) == 2


def test_the_run_gets_a_network_of_its_own_only_in_a_box():
    on = boundary.Boundary("namespaces", "", None, "bwrap")
    argv = boundary.run_command(on, ["make", "grade"])
    assert "--unshare-net" in argv and argv[-2:] == ["make", "grade"]
    assert boundary.run_command(boundary.Boundary("user"), ["make"]) == ["make"]


# --- what the instructor is shown of a submission's sources ---------------------------

sys.path.insert(0, str(platform.ROOT / "grader" / "course"))
import suspicious  # noqa: E402

FLAGGED = {
    "__attribute__((used, constructor)) static void early(void) {}": "constructor",
    "__attribute__((__constructor__)) static void early(void) {}": "constructor",
    "static void (*f)(void) __attribute__((section(\".init_array\"))) = early;": "constructor",
    "static void early(int c, char **v, char **envp) {": "environment",
    "#define _ck_assert_failed(...) _mark_point(__FILE__, __LINE__)": "unit tests",
    "#if __has_include(\"unit.h\")": "unit tests",
    "#undef send": "unit tests",
    "return (send)(s, buf, len, 0);": "unit tests",
    "return wsa_send(s, buf, len, 0);": "unit tests",
    "_exit(0);": "ends the process",
    "#if __has_\\\ninclude(\"unit.h\")": "unit tests",
    "#define \\\n_ck_assert_failed quiet_note": "unit tests",
    "void unit_reached(const void *p) __attribute__((weak));": "unit tests",
    "#pragma weak unit_reached": "unit tests",
    "#define PASTE(a, b) a##b": "unit tests",
    "#/**/define ck_assert(x) (void)(x)": "unit tests",
    "syscall(SYS_exit_group, 0);": "ends the process",
    "__attribute__((section(\".preinit_array\"))) static void (*f)(void) = early;":
        "constructor",
    "extern char **__environ;": "environment",
    "const char *s = secure_getenv(\"HOME\");": "environment",
    "#include WHERE": "compiler read a file",
    "static const char *where = \"/pro\" \"c/self/environ\";": "/proc",
    "__asm__ __volatile__(\"nop\");": "assembly",
    "int (*run)(const char *, char *const[], char *const[]) = execve;": "process",
}


@pytest.mark.parametrize("line", sorted(FLAGGED))
def test_a_line_a_forged_grade_needs_is_shown(line, tmp_path):
    source = tmp_path / "x.c"
    source.write_text(f"int a;\n{line}\n")
    found = suspicious.scan({"labs/01-wsastartup/x.c": source})
    assert [(f[1], FLAGGED[line] in f[2]) for f in found] == [(2, True)], found


def test_the_reference_shows_nothing():
    files = {str(p): p for p in (platform.ROOT / "solutions").glob("*/*.[ch]")}
    assert files and suspicious.scan(files) == []


def test_many_findings_of_one_kind_hide_none_of_another(tmp_path):
    source = tmp_path / "a.c"
    source.write_text("kill(1, 9);\n" * 40)
    later = tmp_path / "b.c"
    later.write_text("__attribute__((constructor)) static void f(void) {}\n")
    found = suspicious.scan({"a.c": source, "b.c": later})
    assert len(found) == suspicious.LIMIT
    assert [f[0] for f in found[:2]] == ["a.c", "b.c"], found


# --- what the compiler sees behind the boundary ---------------------------------------

sys.path.insert(0, str(platform.ROOT / "grader"))
import box  # noqa: E402


def test_the_compiler_sees_no_hidden_test_and_no_reference_it_does_not_build(tmp_path):
    root = tmp_path / "kit"
    for folder in ("grader/hidden", "solutions/01-wsastartup", "labs/01-wsastartup",
                   "build/autograder-source/grader/hidden", "build/classroom50/kit/grader/hidden",
                   "build/native/labs", "build/native/common", "build/native/solutions/bin",
                   "build/native/asan/labs", "build/native/asan/solutions",
                   "build/mutation/lab01/worker-1/src", "build/batch/students/a",
                   "build/mingw/check/lib", "build/mingw/solutions", "build/grade"):
        (root / folder).mkdir(parents=True)
    (root / "build" / "autograder.zip").write_bytes(b"PK")
    environ = {"KIT_GRADE_DIR": str(root / "build" / "grade")}
    writable = [root / "build" / "native" / "labs", root / "build" / "native" / "common"]
    view = box.compile_view(writable, [root / "labs", root / "build" / "mingw" / "check"],
                            root, environ)
    assert sorted(p.relative_to(root).as_posix() for p in view.hidden) == [
        "build/autograder-source", "build/autograder.zip", "build/batch", "build/classroom50",
        "build/grade", "build/mingw/solutions", "build/mutation", "build/native/asan",
        "build/native/solutions", "grader/hidden", "solutions"]
    reference = box.compile_view(writable, [root / "solutions"], root, environ)
    assert root / "solutions" not in reference.hidden and root / "grader" / "hidden" in \
        reference.hidden
    # A file hidden from the compiler is /dev/null there, a folder an empty one.
    command = boundary.box_command(boundary.Boundary("namespaces"), ["cc"], view, 3)
    assert ["--ro-bind", "/dev/null", str(root / "build" / "autograder.zip")] == \
        command[command.index(str(root / "build" / "autograder.zip")) - 2:][:3]
    assert ["--tmpfs", str(root / "build" / "mutation")] == \
        command[command.index(str(root / "build" / "mutation")) - 1:][:2]


# --- ending a tool's tree (a grading run, a browser) ----------------------------------

def tool(code):
    """Python running CODE, started as the grader starts a tool: in a tree of its own;
    stdout a pipe on which it says it is ready."""
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, **platform.tree_options())


def ready(proc, timeout=10):
    """The line the tool writes once it is ready, within TIMEOUT s."""
    readable, _, _ = select.select([proc.stdout], [], [], timeout)
    assert readable, f"the tool said nothing within {timeout} s"
    return proc.stdout.readline().decode().strip()


def end(proc):
    """Whatever a failed test left of the tool's tree ended (a tool already collected
    is left alone: its group's number may be another's by now)."""
    if proc.returncode is None:
        platform.kill_tree(proc)
        proc.wait(10)


# A child of the tool that needs a moment after SIGTERM (a grader writing its
# reports), or, given "ignore", ignores it; it says so once its handler is in place.
CHILD = """
import os, signal, sys, time
def done(*_):
    time.sleep(0.5)
    open(sys.argv[1], "w").write("reported")
    os._exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if sys.argv[2] == "ignore" else done)
os.write(1, b"%d\\n" % os.getpid())
time.sleep(600)
"""


def tool_with_child(report, mode):
    # The tool itself ends at once on SIGTERM, as make does.
    return tool("import subprocess, sys, time\n"
                f"subprocess.Popen([sys.executable, '-c', {CHILD!r}, {str(report)!r}, {mode!r}])\n"
                "time.sleep(600)\n")


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX signals and Python as the tool")
def test_a_grace_lets_the_tree_end_by_itself(tmp_path):
    report = tmp_path / "report"
    proc = tool_with_child(report, "report")
    try:
        child = int(ready(proc))
        started = time.monotonic()
        platform.kill_tree(proc, grace=20)
        assert time.monotonic() - started < 10, "waited for the grace's end"
        assert report.read_text() == "reported", "killed before it had ended by itself"
        assert proc.wait(10) == -signal.SIGTERM
        if platform.ON_LINUX:
            assert _state(child) in (None, "Z"), "the child outlived the kill"
    finally:
        end(proc)


@pytest.mark.skipif(platform.ON_WINDOWS, reason="POSIX signals and Python as the tool")
def test_a_tree_that_outstays_its_grace_is_killed(tmp_path):
    report = tmp_path / "report"
    proc = tool_with_child(report, "ignore")
    try:
        child = int(ready(proc))
        started = time.monotonic()
        platform.kill_tree(proc, grace=1)
        assert time.monotonic() - started >= 1, "killed before its grace was over"
        assert not report.exists()
        assert proc.wait(10) == -signal.SIGTERM
        if platform.ON_LINUX:
            assert _state(child) in (None, "Z"), "the child outlived the kill"
    finally:
        end(proc)


@pytest.mark.skipif(not platform.ON_LINUX, reason="reads /proc")
def test_a_runs_processes_that_left_its_group_are_ended(tmp_path, monkeypatch):
    run = uuid.uuid4().hex
    monkeypatch.setenv(platform.RUN_MARK, run)
    detached = ("import os, sys, time\n"
                "if os.fork() == 0:\n"
                "    os.setsid(); os.write(1, b'%d\\n' % os.getpid()); time.sleep(600)\n"
                "time.sleep(600)\n")
    proc, escaped = tool(detached), None
    try:
        escaped = int(ready(proc))
        assert escaped in platform.linux_members(proc.pid, run, mark_name=platform.RUN_MARK)
        started = time.monotonic()
        platform.kill_tree(proc, mark=run, mark_name=platform.RUN_MARK, grace=5)
        assert _state(escaped) in (None, "Z"), "the run's process outlived its end"
        # Only the group is asked to end, and waited for: the rest is killed at once.
        assert time.monotonic() - started < 5
        assert proc.wait(10) == -signal.SIGTERM
    finally:
        if escaped is not None and _state(escaped) not in (None, "Z"):
            os.kill(escaped, signal.SIGKILL)
        end(proc)
