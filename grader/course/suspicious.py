"""What in a submission's sources an instructor may want to read twice: code that runs
before or after main, ends a process early, starts others, reads the grader's
environment or files, or has the compiler read files. Shown to the instructor only
(grade-batch's suspicious.csv, a hidden line of Gradescope's results), never to the
student: none of it is forbidden, and most of it has honest uses, but it is what a
submission that tries to forge its grade needs (docs/grading.md, "The boundary")."""
import re
from pathlib import Path

# (what, pattern) over each line of a C source, comments left in.
PATTERNS = [
    ("a constructor or destructor (runs before or after main)",
     r"(?:constructor|destructor)|#\s*pragma\s+(?:init|fini)\b|"
     r"\.(?:preinit|init|fini)_array|\.ctors|\.dtors"),
    ("ends the process at once",
     r"\b(?:_exit|_Exit|quick_exit|abort)\s*\(|\bsyscall\b|\bSYS_\w+|\bExitProcess\b"),
    ("starts or replaces a process",
     r"\b(?:exec[lv]p?e?|execvpe|fexecve|vfork|posix_spawnp?|CreateProcess\w*|"
     r"ShellExecute\w*|WinExec|_spawn\w+|_exec\w+)\b|\b(?:fork|clone|system|popen)\s*\("),
    ("signals or detaches processes",
     r"\b(?:kill|killpg|setsid|setpgid|ptrace|prctl|TerminateProcess|OpenProcess)\s*\("),
    ("reads /proc", r"/proc/"),
    ("has the compiler read a file (.incbin, an absolute, parent or computed #include)",
     r"\.incbin|#\s*include\s*(?:[<\"](?:/|\.\./|[A-Za-z]:)|[A-Za-z_])"),
    ("inline assembly", r"\b(?:__asm__|__asm|asm)\b"),
    # A header the unit tests include can redefine Check's names, and a name undefined
    # or called in brackets skips the kit's call record (labs/common/calls.h); a weak
    # symbol tells the unit tests' program, where the kit's unit_ functions are linked,
    # from the lab's own.
    ("redefines or reaches a name the unit tests or the call record use",
     r"#\s*(?:undef|define\s+_?(?:ck|srunner|tcase|suite|fail|mark_point|unit)\w*)\b|"
     r"__has_include|\bwsa_\w+\s*\(|\bunit_\w+|\b(?:srunner|tcase)_\w+|\bweak\b|"
     r"__weak|##|"
     r"\((?:send|recv|sendto|recvfrom|connect|accept|bind|listen|select|socket|"
     r"closesocket|shutdown|setsockopt|getaddrinfo)\)\s*\("),
    ("reads the kit's environment",
     r"\bKIT_[A-Z_]+|getenv\s*\(|environ\b|\benvp\b|_wgetenv|GetEnvironment\w*"),
    ("names the grader's files", r"grader/|results\.json|record\.json|grades\.csv|"
                                 r"junit\.xml|/autograder"),
    ("loads code at run time", r"\b(?:dlopen|dlsym|LoadLibrary\w*|GetProcAddress)\s*\("),
]
COMPILED = [(what, re.compile(pattern)) for what, pattern in PATTERNS]
# At most this many findings per submission: a short list, which begins with the first
# finding of each kind, so that many of one kind hide none of another.
LIMIT = 20


def joined(lines):
    """(number, line) of LINES with each line a backslash continues joined to the next,
    as the compiler reads them, numbered by its first line."""
    number, parts = None, []
    for n, line in enumerate(lines, 1):
        number = number or n
        if line.endswith("\\"):
            parts.append(line[:-1])
            continue
        yield number, "".join(parts) + line
        number, parts = None, []
    if parts:
        yield number, "".join(parts)


def plain(line):
    """LINE as the compiler reads its tokens: comments between them gone, and string
    literals side by side joined ("/pro" "c/" is "/proc/")."""
    line = re.sub(r"/\*.*?\*/", "", line)
    return re.sub(r'"\s*"', "", line)


def scan(files):
    """[(file, line number, what, the line)] for FILES ({name: path}): the first of
    each kind, then the others in order, LIMIT at most."""
    found = []
    for name, path in sorted(files.items()):
        try:
            lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, line in joined(lines):
            for what, pattern in COMPILED:
                if pattern.search(line) or pattern.search(plain(line)):
                    found.append((name, number, what, line.strip()[:120]))
                    break
    firsts = [f for n, f in enumerate(found) if f[2] not in {g[2] for g in found[:n]}]
    return (firsts + [f for f in found if f not in firsts])[:LIMIT]


def lines(found):
    """FOUND as text, a line each: labs/01-wsastartup/wsabasics.c:170: what: the line."""
    return [f"{name}:{number}: {what}: {line}" for name, number, what, line in found]
