"""Runs a command behind the boundary (gradelib/platform/boundary.py): `make grade
SANDBOX=1` and the instructor's tools go through here.

    box.py compile [--writable DIR]... -- CMD...   the compiler, on the student's sources
    box.py run -- CMD...                           a whole grading run
    box.py describe                                the boundary here, in words
    box.py chosen                                  the boundary here, for KIT_SANDBOX_CHOSEN

`compile` runs CMD in a box that shows the tree read-only (the grader and the grade's
results not at all) and the build's folders read-write, without a network, as the
student's user where the grader is root. `run` runs CMD in a network of its own
holding only loopback and a PID namespace that ends with it; the grader there runs
each program in a box of its own. Where the boundary is off, CMD runs as it is.
Exit: CMD's status. Where the boundary is less than asked, the grade says so.
"""
import argparse
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gradelib.platform import boundary, hosts, wine  # noqa: E402

def grade_dir(environ=None):
    environ = os.environ if environ is None else environ
    return Path(environ.get("KIT_GRADE_DIR") or hosts.ROOT / "build" / "grade").resolve()


def compile_view(writable, readable=(), root=hosts.ROOT, environ=None):
    """What the compiler sees: the tree read-only (and READABLE: the sources it builds,
    and what the tree links to, such as a shared build of Check), WRITABLE read-write;
    not the hidden tests (nor the copies of them that make autograder and make
    classroom50 leave under build/), not the reference unless READABLE names it, and
    not the grade's results."""
    readable = [Path(r).resolve() for r in readable]
    writable = [Path(w).resolve() for w in writable]
    hidden = [root / "grader" / "hidden"]
    if root / "solutions" not in readable:
        hidden.append(root / "solutions")
    results = grade_dir(environ)
    if results.is_relative_to(root):
        hidden.append(results)
    # Of build/, only what the compiler writes or is given to read: not the reference's
    # programs that make test built, the mutation analysis's copies of the reference,
    # the autograders' copies of the hidden tests, or other grades' results.
    hidden += outside(root / "build", [*writable, *readable])
    return boundary.View(readable=[root, *readable], writable=writable,
                         hidden=[h for h in dict.fromkeys(hidden) if h.exists()],
                         cwd=Path.cwd())


def outside(folder, kept):
    """The entries below FOLDER that neither are nor hold nor lie in one of KEPT (but
    links: what a link of build/ leads to is kept or hidden in its own place)."""
    found = []
    if not folder.is_dir() or folder.is_symlink():
        return found
    for entry in sorted(folder.iterdir()):
        if entry.is_symlink() or any(entry == k or entry.is_relative_to(k) for k in kept):
            continue
        if any(k.is_relative_to(entry) for k in kept):
            found += outside(entry, kept)
        else:
            found.append(entry)
    return found


def run_boxed(argv, view, chosen, net):
    """ARGV in a box showing VIEW; its exit status (a signal as 128 + its number)."""
    read_fd, write_fd = os.pipe()
    command = boundary.box_command(chosen, argv, view, write_fd, net=net)
    try:
        proc = subprocess.Popen(command, pass_fds=(write_fd,))
    finally:
        os.close(write_fd)
    code = proc.wait()
    os.close(read_fd)
    return code


def compile_command(args, chosen):
    for path in args.writable:
        Path(path).mkdir(parents=True, exist_ok=True)
        if chosen.uid is not None:
            for folder, dirs, files in os.walk(path):
                for name in [folder, *(os.path.join(folder, f) for f in dirs + files)]:
                    os.lchown(name, chosen.uid, chosen.uid)
    if chosen.kind == "user":
        kept = [Path(p).resolve() for p in [*args.writable, *args.readable]]
        boundary.close([hosts.ROOT / "grader" / "hidden",
                        *(p for p in boundary.reference_products(hosts.ROOT)
                          if not any(p.is_relative_to(k) or k.is_relative_to(p) for k in kept))])
        code = subprocess.call(boundary.drop_to(chosen.uid) + args.command)
        for path in args.writable:
            boundary.take_back(path)
        return code
    if not chosen.boxed:
        return subprocess.call(args.command)
    return run_boxed(args.command, compile_view(args.writable, args.readable), chosen,
                     net=True)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="box.py", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    c = sub.add_parser("compile")
    c.add_argument("--writable", action="append", default=[])
    c.add_argument("--readable", action="append", default=[])
    c.add_argument("command", nargs="+")
    r = sub.add_parser("run")
    r.add_argument("command", nargs="+")
    sub.add_parser("describe")
    sub.add_parser("chosen")
    args = parser.parse_args(argv)
    # Whoever runs this asks for the boundary.
    chosen = boundary.asked()
    if args.action == "describe":
        print(f"boundary: {chosen.describe()}")
        return 0
    if args.action == "chosen":
        print(boundary.as_text(chosen))
        return 0
    if args.action == "compile":
        return compile_command(args, chosen)
    return run(args.command, chosen)


def run(argv, chosen):
    """A grading run in its own network; under Wine with a prefix of its own, whose
    server is started in that network (wine.run_prefix), removed after."""
    if not (chosen.boxed and hosts.UNDER_WINE):
        return subprocess.call(boundary.run_command(chosen, argv))
    prefix = wine.KIT_PREFIX.parent / "runs" / uuid.uuid4().hex
    try:
        wine.run_prefix(prefix)
        env = dict(os.environ, KIT_WINEPREFIX=str(prefix))
        return subprocess.call(boundary.run_command(chosen, argv), env=env)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
