"""What the instructor's tools share: where the kit is, the platform and the boundary
(gradelib's), the tools' exit codes and bad-input error, and the labs: which there
are, which a selection names with the earlier labs they link, and their hidden tests.

The tools (handout.py, gradescope.py, classroom50.py, batch.py, mutation.py) build on
it and on one module per concern: trees.py (the trees they write), submitted.py (what
a student handed in), runs.py (one grading run of a tree) and exports.py (a batch's
CSVs). docs/grading.md walks through each tool.
"""
import re
import sys
from pathlib import Path

KIT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(KIT / "grader"))

from gradelib import budget, platform  # noqa: E402,F401  (the tools' one way to them)
from gradelib.platform import boundary  # noqa: E402,F401

# Exit codes of the tools: 0 done, 2 bad input (a message names it), 3 grading failed.
EXIT_USAGE = 2
EXIT_GRADING = 3


class Problem(Exception):
    """Bad input: the message names it; the tools exit with EXIT_USAGE."""


# --- labs ----------------------------------------------------------------------------

def all_labs(root=KIT):
    """The lab folders of ROOT's labs/, by number: ["01-wsastartup", ...]."""
    return sorted(p.name for p in (root / "labs").iterdir()
                  if p.is_dir() and re.match(r"\d\d-", p.name))


def lab_needs(lab, root=KIT):
    """The earlier labs whose functions LAB's programs link: its Makefile.local names
    their objects (02-tcp-client/connect)."""
    fragment = (root / "labs" / lab / "Makefile.local").read_text(encoding="utf-8")
    return sorted(set(re.findall(r"\b(\d\d-[a-z0-9-]+)/\w", fragment)) - {lab})


def select_labs(spec, root=KIT, needs=True):
    """The lab folders LABS names ("01,02", "1 2", or empty for all), with (NEEDS) the
    earlier labs whose functions they link: a tree of lab 05 holds labs 02 and 03."""
    labs = all_labs(root)
    if not (spec or "").strip():
        return labs
    chosen = []
    for word in re.split(r"[\s,]+", spec.strip()):
        if not word.isdigit():
            raise Problem(f"LABS: '{word}' is not a lab number (the labs: "
                          f"{', '.join(lab[:2] for lab in labs)})")
        found = [lab for lab in labs if lab[:2] == word.zfill(2)]
        if not found:
            raise Problem(f"LABS: there is no lab {word.zfill(2)} (the labs: "
                          f"{', '.join(lab[:2] for lab in labs)})")
        chosen += [lab for lab in found if lab not in chosen]
    for lab in chosen if needs else []:
        chosen += [need for need in lab_needs(lab, root) if need not in chosen]
    return sorted(chosen)


def lab_title(lab, root=KIT):
    """The first heading of a lab's README, without its '# '."""
    for line in (root / "labs" / lab / "README.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return lab


def hidden_tests(labs, root=KIT):
    """The hidden test files of LABS: grader/hidden/test_labNN_*.py."""
    return [p for lab in labs
            for p in sorted((root / "grader" / "hidden").glob(f"test_lab{lab[:2]}_*.py"))]


def count_tests(path):
    """How many graded test functions a grader file has."""
    return len(re.findall(r"^@pytest\.mark\.points\(", path.read_text(encoding="utf-8"), re.M))


def fail(message, code=EXIT_USAGE):
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr)
    sys.exit(code)
