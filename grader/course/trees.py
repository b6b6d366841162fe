"""The trees the instructor's tools write: a students' handout, an autograder's copy of
the kit, a batch's scratch tree of one submission. A tree is a selection of the kit's
files, the Makefile among them as it is.
"""
import json
import shutil
from pathlib import Path

from kit import KIT, Problem, count_tests, hidden_tests


STUDENT_DOCS = ("docs/setup-windows.md", "docs/setup-linux-macos.md", "docs/concepts.md",
                "docs/platform-differences.md")
STUDENT_WORKFLOW = ".github/classroom/grade.yml"
# Written into every tree this module makes: marks it as one (so that a handout is
# only ever written over a handout) and counts the hidden tests it leaves out.
HIDDEN_COUNTS = "grader/hidden-tests.json"

def tree_files(labs, hidden=False, course=False, root=KIT):
    """{path in the tree: path in ROOT} of a tree that grades LABS: the Makefile as it
    is (it includes the labs present), labs/ (common and LABS), the grader with its
    public tests, the Check tests and model drivers of LABS (tests/unit/labNN_*.c,
    tests/models/labNN_*.c); HIDDEN adds the hidden tests, COURSE these tools."""
    files = {}

    def add(folder, pattern="*", recursive=False):
        base = root / folder
        for path in sorted(base.rglob(pattern) if recursive else base.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                files[path.relative_to(root).as_posix()] = path

    add("labs/common")
    for lab in labs:
        add(f"labs/{lab}")
    add("grader", "*.py")
    add("grader", "*.sh")
    add("grader/gradelib", "*.py", recursive=True)
    graded = {f"test_lab{lab[:2]}_" for lab in labs}
    for name in [n for n in files if n.startswith("grader/test_lab")]:
        if not any(name.startswith("grader/" + g) for g in graded):
            del files[name]
    for lab in labs:
        add("tests/unit", f"lab{lab[:2]}_*.c")
        add("tests/models", f"lab{lab[:2]}_*.c")
    for name in ("Makefile", "tests/unit/unit.c", "tests/unit/unit.h",
                 "tests/models/model.c", "tests/models/model.h"):
        files[name] = root / name
    if hidden:
        for path in hidden_tests(labs, root):
            files[path.relative_to(root).as_posix()] = path
    if course:
        add("grader/course", recursive=True)
    for name in (".gitattributes", ".gitignore"):
        if (root / name).exists():
            files[name] = root / name
    return files


def write_tree(dest, labs, hidden=False, course=False, extra=None, root=KIT):
    """Writes a tree of LABS into DEST (emptied first, its .git kept), with EXTRA
    ({path: text}) on top. DEST must be empty, missing, or such a tree already."""
    dest = Path(dest).resolve()
    if dest == root or root.is_relative_to(dest) or (dest.is_relative_to(root) and
                                                      not dest.is_relative_to(root / "build")):
        raise Problem(f"{dest}: a tree is written under build/ or outside the kit, "
                      f"never over the kit itself")
    if dest.exists() and any(p.name != ".git" for p in dest.iterdir()) \
            and not (dest / HIDDEN_COUNTS).exists():
        raise Problem(f"{dest} is not empty and holds no handout ({HIDDEN_COUNTS} is "
                      f"missing): give an empty folder, or the clone of your handout")
    if dest.exists():
        for path in dest.iterdir():
            if path.name != ".git":
                shutil.rmtree(path) if path.is_dir() and not path.is_symlink() \
                    else path.unlink()
    files = tree_files(labs, hidden, course, root)
    counts = {} if hidden else {lab[:2]: sum(map(count_tests, hidden_tests([lab], root)))
                                for lab in labs}
    texts = {HIDDEN_COUNTS: json.dumps(counts, indent=2, sort_keys=True) + "\n",
             **(extra or {})}
    for name, source in files.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    for name, text in texts.items():
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8", newline="\n")
    return dest
