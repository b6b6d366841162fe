"""What a student handed in: the archives a batch unpacks (safely: no links, nothing
outside, bounded), the submissions of a folder and their digests, and the lab files
found in one, whatever its shape.
"""
import hashlib
import os
import re
import shutil
import stat
import tarfile
import zipfile
from pathlib import Path

from kit import Problem, all_labs


# A submission's lab files are looked for outside these folders only.
NOT_SUBMITTED = {".git", "__MACOSX", "build", "grader", "tests", "solutions", ".github"}
LARGEST_SOURCE = 1 << 20
ARCHIVES = (".zip", ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
# What an archive may unpack to: more is not a lab submission.
MAX_MEMBERS = 20000
MAX_BYTES = 200 << 20


def student_of(path):
    name = path.name
    for suffix in ARCHIVES:
        if path.is_file() and name.lower().endswith(suffix):
            return name[:-len(suffix)]
    return name if path.is_dir() else None


def submissions(folder):
    """[(student, path)] of FOLDER's submissions, by name."""
    if not str(folder).strip():
        raise Problem("SUBMISSIONS is not given: make grade-batch SUBMISSIONS=DIR, a "
                          "folder with one folder or archive per student")
    folder = Path(folder)
    if not folder.is_dir():
        raise Problem(f"SUBMISSIONS: '{folder}' is not a folder (give "
                          f"SUBMISSIONS=DIR, a folder with one folder or archive per student)")
    found = {}
    for path in sorted(folder.iterdir()):
        student = student_of(path)
        if path.name.startswith(".") or student is None:
            continue
        if not re.fullmatch(r"[\w.@+-]+", student):
            raise Problem(f"SUBMISSIONS: '{path.name}': a student's name is letters, "
                              f"digits and . _ - @ + only")
        if student in found:
            raise Problem(f"SUBMISSIONS: two submissions of '{student}': "
                              f"{found[student].name} and {path.name}")
        found[student] = path
    if not found:
        raise Problem(f"SUBMISSIONS: '{folder}' holds no folder or archive "
                          f"({', '.join(ARCHIVES)})")
    return sorted(found.items())


def digest(path):
    """A hash of a submission's content: its archive's bytes, or its folder's files."""
    h = hashlib.sha256()
    if path.is_file():
        h.update(path.read_bytes())
        return h.hexdigest()
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        for name in sorted(filenames):
            file = Path(dirpath) / name
            if file.is_file() and not file.is_symlink():
                h.update(file.relative_to(path).as_posix().encode() + b"\0")
                h.update(file.read_bytes())
    return h.hexdigest()


def safe_member(name):
    parts = Path(name.replace("\\", "/")).parts
    return bool(parts) and not name.startswith(("/", "\\")) and ".." not in parts \
        and not re.match(r"^[A-Za-z]:", name)


def unpack(archive, dest):
    """Unpacks ARCHIVE's regular files into DEST (no links, nothing outside it)."""
    dest.mkdir(parents=True)
    total = 0
    try:
        if archive.name.lower().endswith(".zip"):
            with zipfile.ZipFile(archive) as zf:
                members = zf.infolist()
                if len(members) > MAX_MEMBERS:
                    raise Problem(f"{len(members)} files: more than {MAX_MEMBERS}")
                for info in members:
                    mode = info.external_attr >> 16
                    if info.is_dir() or stat.S_ISLNK(mode) or not safe_member(info.filename):
                        continue
                    total += info.file_size
                    if total > MAX_BYTES:
                        raise Problem(f"it unpacks to more than {MAX_BYTES >> 20} MiB")
                    target = dest / info.filename
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(info))
        else:
            with tarfile.open(archive) as tf:
                for n, member in enumerate(tf):
                    if n >= MAX_MEMBERS:
                        raise Problem(f"more than {MAX_MEMBERS} files")
                    if not member.isreg() or not safe_member(member.name):
                        continue
                    total += member.size
                    if total > MAX_BYTES:
                        raise Problem(f"it unpacks to more than {MAX_BYTES >> 20} MiB")
                    target = dest / member.name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(tf.extractfile(member).read())
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError, ValueError) as e:
        raise Problem(f"{archive.name} cannot be unpacked: {e}") from e



def lab_sources(tree, labs=None):
    """The files a student writes: labs/NN-topic/*.c and *.h of TREE (of LABS)."""
    labs = labs or all_labs(tree)
    return [f"labs/{lab}/{p.name}" for lab in labs
            for p in sorted((tree / "labs" / lab).iterdir()) if p.suffix in (".c", ".h")]


def collect(submission, wanted):
    """{wanted path: file in SUBMISSION} for each of WANTED (labs/NN-topic/NAME) found,
    whatever the upload's shape: a clone (…/labs/NN-topic/NAME), a labs/ or lab folder
    (NN-topic/NAME), or loose files (NAME). Returns (found, notes)."""
    submission = Path(submission)
    candidates = []
    for dirpath, dirnames, filenames in os.walk(submission):
        dirnames[:] = sorted(d for d in dirnames if d not in NOT_SUBMITTED)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_file() and not path.is_symlink():
                candidates.append(path.relative_to(submission))
    found, notes = {}, []
    for want in wanted:
        lab, name = want.split("/")[1:]

        def rank(rel):
            parts = rel.parts
            if parts[-1] != name:
                return None
            if parts[-3:-1] == ("labs", lab):
                return (0, len(parts), rel.as_posix())
            if len(parts) >= 2 and parts[-2] == lab:
                return (1, len(parts), rel.as_posix())
            return (2, len(parts), rel.as_posix())
        ranked = sorted(r for r in map(rank, candidates) if r is not None)
        if not ranked:
            continue
        path = submission / ranked[0][2]
        if path.stat().st_size > LARGEST_SOURCE:
            notes.append(f"{ranked[0][2]} is larger than {LARGEST_SOURCE >> 10} KiB: "
                         f"left out, so {want} is the starter")
            continue
        found[want] = path
    return found, notes


def lay_over(found, tree):
    """Copies the submission's lab files FOUND over TREE's own."""
    for want, path in found.items():
        shutil.copyfile(path, tree / want)
