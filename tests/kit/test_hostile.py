"""Hostile submissions (tests/kit/hostile/*.patch): programs that hang, crash, flood,
leave processes behind, ignore signals, print garbage, or listen where they should not.
Each is graded by the grader test its Caught-by: line names, which must fail saying
what its Says: lines say (Says-posix:, Says-windows: for POSIX or Windows programs
only: Windows programs are TARGET=mingw's, and any built on Windows), within the
program's timeout (its Timeout: line, default RUN_TIMEOUT) and a little more, with
valid reports, and with no process of the submission left. Hosts: limits a patch to
the systems where the grader can check it. One with a Lab-within: line is graded with
its whole lab, which must end within that many seconds however its programs hang
(docs/grading.md, "A program that hangs"), its Caught-by: line failing as it says."""
import json
import signal
import subprocess
import time
import uuid
import xml.etree.ElementTree as ET

import pytest

from conftest import (ROOT, build_patched, grade, grader_args, grader_env, leftovers,
                      marked, patch_fields)
from gradelib import expect, platform, report

HOSTILE = sorted((ROOT / "tests" / "kit" / "hostile").glob("*.patch"))
# The grader's timeout for one program run (run()'s default; a Timeout: line says
# another), and what a whole grading run (Python, pytest, Wine's start) may take
# beyond it.
RUN_TIMEOUT = 10
SLACK = 15
# The most a transcript may grow to, whatever the program wrote.
TRANSCRIPT_MAX = 512 * 1024
ON_LINUX = platform.ON_LINUX


def _text_is_clean(text):
    """No control characters but newline and tab."""
    return not any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) < 0xa0 for c in text)


def check_reports(graded):
    """results.json, junit.xml, the summary and the transcripts are all readable,
    bounded and escaped, whatever the program wrote."""
    raw = (graded.grade_dir / "results.json").read_bytes()
    raw.decode("ascii")                          # ensure_ascii: any byte is escaped
    results = json.loads(raw)
    limit = report.RESULT_OUTPUT_LIMIT + 100     # and the "... more characters" line
    for test in results["tests"]:
        assert len(test["output"]) <= limit, f"output of {test['name']} not cut"
        assert _text_is_clean(test["output"]), test["output"]
    junit = ET.parse(graded.grade_dir / "junit.xml").getroot()
    cases = junit.findall(".//testcase")
    assert cases, "junit.xml lists no test case"
    for case in cases:
        for failure in case.findall("failure"):
            assert len(failure.get("message", "")) + len(failure.text or "") < 64 * 1024
    assert _text_is_clean(graded.output.replace("\r", "")), "raw control characters in the summary"
    for path in (graded.grade_dir / "transcripts").glob("*.txt"):
        assert path.stat().st_size < TRANSCRIPT_MAX, f"{path.name} is {path.stat().st_size} bytes"
        assert _text_is_clean(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("patch", HOSTILE, ids=lambda p: p.stem)
def test_hostile_submission(patch, tmp_path):
    fields = patch_fields(patch)
    hosts = fields.get("Hosts", ["linux darwin win32"])[0].split()
    if not any(platform.SYSTEM.startswith(h) for h in hosts):
        pytest.skip(f"the grader checks this on {', '.join(hosts)} only")
    caught_by = fields["Caught-by"][0]
    out = build_patched("hostile", patch)
    whole_lab = fields.get("Lab-within")
    graded = grade(out, tmp_path, caught_by.split("::")[0] if whole_lab else caught_by)
    entry = graded.test(caught_by.split("::")[-1])
    assert entry["status"] == "failed", graded.report()
    kind = "windows" if platform.WINDOWS_PROGRAMS else "posix"
    for phrase in fields.get("Says", []) + fields.get(f"Says-{kind}", []):
        assert phrase in entry["output"], \
            f"'{phrase}' not in:\n{entry['output']}\n\nThe grading run:\n{graded.report()}"
    assert "hint:" in entry["output"], entry["output"]
    timeout = float(fields.get("Timeout", [RUN_TIMEOUT])[0])
    within = float(whole_lab[0]) if whole_lab else timeout + SLACK
    assert graded.seconds < within, f"took {graded.seconds:.1f} s"
    transcripts = list((graded.grade_dir / "transcripts").glob("*.txt"))
    assert transcripts, "no transcript kept for the failed test"
    check_reports(graded)
    if ON_LINUX:
        assert leftovers(graded.run_id) == [], "processes left behind"


def test_every_hostile_patch_names_its_test():
    for patch in HOSTILE:
        fields = patch_fields(patch)
        assert fields.get("Hostile") and fields.get("Caught-by"), patch.name
        assert fields.get("Says") or (fields.get("Says-posix") and fields.get("Says-windows")), \
            f"{patch.name}: what should the failed line say?"


@pytest.mark.skipif(not ON_LINUX, reason="finds the programs in /proc")
@pytest.mark.parametrize("signame", ["SIGINT", "SIGTERM"])
def test_interrupted_grading_ends_everything(signame, tmp_path):
    """Ctrl-C (SIGINT) or a SIGTERM to the grader, while a program that ignores both
    runs: the grader ends it, writes its reports and exits."""
    out = build_patched("hostile", ROOT / "tests" / "kit" / "hostile" / "ignores-signals.patch")
    run_id = uuid.uuid4().hex
    grade_dir = tmp_path / "grade"
    grader = subprocess.Popen(
        ["sh", "grader/pytest.sh",
         *grader_args(["test_lab01_wsastartup.py::test_wsainfo_default"])],
        cwd=ROOT, env=grader_env(out, grade_dir, run_id), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not marked(run_id, programs_only=True):     # the program has started
            assert time.monotonic() < deadline, "the program never started"
            assert grader.poll() is None, grader.stdout.read().decode(errors="replace")
            time.sleep(0.05)
        grader.send_signal(getattr(signal, signame))
        output, _ = grader.communicate(timeout=15)
    finally:
        if grader.poll() is None:
            grader.kill()
            grader.wait()
    assert grader.returncode != 0
    assert leftovers(run_id) == [], "processes left behind"
    json.loads((grade_dir / "results.json").read_text())
    ET.parse(grade_dir / "junit.xml")


def test_failure_text_is_escaped_and_bounded():
    got = "\x1b[31m" + "\xff" * 10 + "x" * 100000
    text = str(expect.Failure("it failed", expected="a\x00b", got=got, hint="h\x07"))
    assert _text_is_clean(text), text
    assert len(text) < 3 * expect.SHOWN_LIMIT
