"""Which labs of a student's tree are still their starters.

A lab whose C files (*.c, *.h) are, every one, byte for byte the starter's (line ends
aside: Git for Windows may check them out with CRLF) is "not started": `make grade`
shows it as one line with its points, without running its tests, so that a student in
the middle of a course sees where they are. grader/starters.json holds the starters'
digests; `make starters` writes it again after a starter changes, and a kit test keeps
it equal to labs/.

    python3 grader/gradelib/starters.py labs    # prints the digests of labs/'s starters
"""
import hashlib
import json
import re
import sys
from pathlib import Path

DIGESTS = Path(__file__).resolve().parents[1] / "starters.json"
LAB_DIR = re.compile(r"^(\d\d)-[\w-]+$")


def digest(path):
    return hashlib.sha256(path.read_bytes().replace(b"\r\n", b"\n")).hexdigest()


def fingerprint(lab_dir):
    """The digest of each C file of LAB_DIR, by name."""
    return {p.name: digest(p) for p in sorted(lab_dir.iterdir())
            if p.suffix in (".c", ".h") and p.is_file()}


def lab_dirs(tree):
    """TREE's lab directories, by lab number ("04": TREE/04-udp)."""
    if not tree.is_dir():
        return {}
    return {m.group(1): p for p in sorted(tree.iterdir())
            if (m := LAB_DIR.match(p.name)) and p.is_dir()}


def starters(tree):
    """What starters.json holds: each lab's directory name and its files' digests."""
    return {lab: {"dir": p.name, "files": fingerprint(p)} for lab, p in lab_dirs(tree).items()}


def known():
    try:
        return json.loads(DIGESTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def not_started(tree, lab, digests=None):
    """Whether lab LAB ("04") of the student's TREE is still the starter."""
    entry = (known() if digests is None else digests).get(lab)
    if not entry:
        return False
    lab_dir = Path(tree) / entry["dir"]
    return lab_dir.is_dir() and fingerprint(lab_dir) == entry["files"]


if __name__ == "__main__":
    if len(sys.argv) != 2 or not Path(sys.argv[1]).is_dir():
        sys.exit("usage: starters.py TREE   (TREE: the starters' tree of labs, labs)")
    print(json.dumps(starters(Path(sys.argv[1])), indent=2, sort_keys=True))
