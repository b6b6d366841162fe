"""Each mutant (a deliberately broken solution) is caught by the grader test it names,
which passes on the reference solution, graded as make grade grades it (in the build
with the sanitizers, where they run). A mutant whose bug exists in one kind of
programs only says so in a Targets: line, windows or posix (text-mode stdout is a bug
of Windows programs, natively on Windows and under Wine alike); in the other kind it is
the reference, and is skipped. Windows programs grade the mutants whose bug lies where
they differ from POSIX ones (conftest.patch_is_windows_bug); the others are the same bug
on every target, and POSIX programs grade them all."""

import pytest

from conftest import (PROGRAM_KINDS, ROOT, build_graded, grade, patch_applies, patch_fields,
                      patch_header, patch_is_windows_bug, patch_targets)
from gradelib import platform
from gradelib.platform import Host

MUTANTS = sorted((ROOT / "tests" / "mutants").glob("*/*.patch"))


# Mutants each lab needs that are bugs on every target.
MUTANTS_PER_LAB = 6


def test_every_lab_has_mutants():
    graded = {p.name.split("_")[1] for p in (ROOT / "grader").glob("test_lab*_*.py")}
    for lab in graded:
        everywhere = [p for p in MUTANTS if p.parent.name == lab and
                      set(patch_targets(p)) == set(PROGRAM_KINDS)]
        assert len(everywhere) >= MUTANTS_PER_LAB, \
            f"{lab} has {len(everywhere)} mutants that are bugs on every target"


# Where the grader runs, and what it runs: Windows' own Python with TARGET=native (the
# CI's windows job, a student in MSYS2 UCRT64), Wine, Linux and macOS.
HOSTS = {"windows": Host("win32", "native"), "windows-mingw": Host("win32", "mingw"),
         "wine": Host("linux", "mingw"), "linux": Host("linux", "native"),
         "macos": Host("darwin", "native")}
ONLY = {"windows": ["windows", "windows-mingw", "wine"], "posix": ["linux", "macos"]}


@pytest.mark.parametrize("kind", sorted(ONLY))
def test_targets_is_the_kind_of_programs_not_target(kind, tmp_path):
    patch = tmp_path / f"{kind}.patch"
    patch.write_text(f"Mutant: a bug of {kind} programs only.\nCaught-by: x.py::t\n"
                     f"Targets: {kind}\n\n--- a/x\n+++ b/x\n")
    assert sorted(h for h, host in HOSTS.items() if patch_applies(patch, host)) == \
        sorted(ONLY[kind])


def test_the_platform_only_mutants_apply_where_their_bug_is():
    text_mode = ROOT / "tests" / "mutants" / "lab02" / "text-mode-stdout.patch"
    # Only the sanitizers see it: Linux and macOS programs.
    exclusive = ROOT / "tests" / "mutants" / "lab02" / "zero-past-the-buffer.patch"
    windows = HOSTS["windows"]      # real Windows: TARGET is native there
    assert patch_applies(text_mode, windows) and not patch_applies(exclusive, windows)
    assert patch_applies(exclusive, HOSTS["linux"]) and not patch_applies(text_mode, HOSTS["linux"])
    assert patch_applies(text_mode, HOSTS["wine"])


def test_windows_programs_grade_the_mutants_where_windows_differs():
    lab = ROOT / "tests" / "mutants"
    windows = ["lab02/text-mode-stdout", "lab01/forgets-wsastartup",
               "lab07/devices-allowed", "lab06/select-polls", "lab05/linger-not-set"]
    same = ["lab01/compares-words", "lab07/head-sends-body", "lab03/send-once"]
    assert all(patch_is_windows_bug(lab / f"{name}.patch") for name in windows)
    assert not any(patch_is_windows_bug(lab / f"{name}.patch") for name in same)
    for number in sorted({p.parent.name for p in MUTANTS}):
        assert any(patch_is_windows_bug(p) and patch_applies(p, HOSTS["wine"])
                   for p in MUTANTS if p.parent.name == number), number


def test_an_unknown_kind_of_programs_is_refused(tmp_path):
    patch = tmp_path / "old.patch"
    patch.write_text("Mutant: m.\nCaught-by: x.py::t\nTargets: mingw\n\n--- a/x\n")
    with pytest.raises(AssertionError, match="Targets: mingw is not a kind of programs"):
        patch_targets(patch)


def test_every_mutants_targets_are_kinds_of_programs():
    for patch in MUTANTS:
        assert patch_targets(patch), patch.name


@pytest.mark.parametrize("patch", MUTANTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_mutant_is_caught(patch, tmp_path):
    what, caught_by = patch_header(patch)
    if not patch_applies(patch):
        pytest.skip(f"not a bug of {platform.HOST.programs} programs "
                    f"(Targets: {patch_fields(patch)['Targets'][0]}): {what}")
    if platform.HOST.programs == "windows" and not patch_is_windows_bug(patch):
        pytest.skip("the same bug in every kind of programs, graded on POSIX programs: "
                    "Windows programs grade the mutants of Winsock and of Windows' rules")
    out, env = build_graded("mutants", patch)
    graded = grade(out, tmp_path, caught_by, env=env)
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed", \
        f"mutant '{what}' was not caught by {caught_by}:\n{graded.output}"
    assert "hint:" in entry["output"], entry["output"]
    for phrase in patch_fields(patch).get("Says", []):
        assert phrase in entry["output"], f"'{phrase}' not in:\n{entry['output']}"
