"""The Winsock facts probe (tests/probe/winsock_facts.c) against the table of
docs/platform-differences.md: the platform this runs on must answer as the table's
column for it says. The probe's JSON is kept in build/TARGET/probe/ (CI keeps it as
an artifact), and shown in full when a fact disagrees."""
import json
import re
import signal

import pytest

from conftest import BUILD, ROOT
from gradelib import platform
from gradelib.proc import Process

PROBE = platform.program_path(BUILD / "tests", "winsock_facts")
TABLE = ROOT / "docs" / "platform-differences.md"
KEPT = BUILD / "probe" / "winsock_facts.json"
# The table's column for each platform the kit runs on (macOS has none yet).
COLUMNS = {"windows": "Windows", "wine": "Wine 8", "linux": "Linux"}
# How long the separate runs may take: a resolver without network may wait long.
RUN_SECONDS, NAME_SECONDS = 60, 20


def platform_column(host=None):
    host = host or platform.HOST
    if host.on_windows:
        return COLUMNS["windows"]
    if host.under_wine:
        return COLUMNS["wine"]
    return COLUMNS["linux"] if host.on_linux else None


def exit_text(returncode):
    """An exit status as the table writes it: SIGABRT, 0xC0000409, or 3."""
    if returncode < 0:
        return signal.Signals(-returncode).name
    if returncode > 255:
        return f"0x{returncode & 0xFFFFFFFF:08X}"
    return str(returncode)


def run_probe(args, timeout, tmp_path):
    return Process(PROBE, args, cwd=tmp_path, timeout=timeout).wait()


def measure(tmp_path):
    """Every fact the probe measures: its JSON, the invalid name's run (bounded here:
    a resolver may hang), and the exit codes of its two crashes."""
    main = run_probe([], RUN_SECONDS, tmp_path)
    assert main.returncode == 0 and not main.timed_out, \
        f"the probe failed: {main.ended()}\n{main.text}{main.errors}"
    facts = json.loads(main.text)
    name = run_probe(["--invalid-name"], NAME_SECONDS, tmp_path)
    if name.timed_out:
        facts["invalid_name"] = f"timed out after {NAME_SECONDS} s"
    else:
        assert name.returncode == 0, f"{name.ended()}\n{name.text}{name.errors}"
        facts.update(json.loads(name.text))
    for mode in ("abort", "access-violation"):
        crash = run_probe([f"--{mode}"], RUN_SECONDS, tmp_path)
        assert not crash.timed_out, f"--{mode} did not end"
        facts[f"{mode.replace('-', '_')}_exit"] = exit_text(crash.returncode)
    return facts


@pytest.fixture(scope="module")
def facts(tmp_path_factory):
    found = measure(tmp_path_factory.mktemp("probe"))
    KEPT.parent.mkdir(parents=True, exist_ok=True)
    KEPT.write_text(json.dumps({"platform": platform_column(), "facts": found}, indent=2)
                    + "\n")
    return found


def read_table(text):
    """{fact: {column: its cell's text}} from the table between the winsock-facts
    markers."""
    block = re.search(r"<!-- winsock-facts -->\n(.*?)<!-- /winsock-facts -->", text, re.S)
    assert block, "docs/platform-differences.md has no winsock-facts table"
    rows = [line.strip().strip("|").split("|") for line in block.group(1).splitlines()
            if line.startswith("|")]
    header = [cell.strip() for cell in rows[0]]
    table = {}
    for cells in rows[2:]:
        key = re.fullmatch(r"`(\w[\w.]*)`", cells[0].strip())
        assert key, f"a fact's name in backticks comes first: {cells}"
        table[key.group(1)] = {header[i]: cells[i].strip() for i in range(1, len(cells))}
    return table


def allowed(cell):
    """The values a cell allows: its `code` spans ("`a` or `b`")."""
    return re.findall(r"`([^`]*)`", cell)


def disagreements(table, facts, column):
    """(fact, what the table allows, what the probe said) for each fact of COLUMN the
    probe answered otherwise."""
    found = []
    for key, columns in table.items():
        values = allowed(columns.get(column, ""))
        got = facts.get(key, "(not measured)")
        if got not in values:
            found.append((key, values, got))
    return found


def check(table_text, facts, column):
    wrong = disagreements(read_table(table_text), facts, column)
    if wrong:
        raise AssertionError(
            f"{len(wrong)} fact(s) of {column} disagree with docs/platform-differences.md:\n"
            + "\n".join(f"  {key}: the table says {' or '.join(values) or '(nothing)'}, "
                        f"the probe says {got}" for key, values, got in wrong)
            + f"\nThe probe's JSON (kept in {KEPT.relative_to(ROOT).as_posix()}):\n"
            + json.dumps(facts, indent=2))


def test_this_platform_answers_as_the_table_says(facts):
    column = platform_column()
    if column is None:
        pytest.skip("the table has no column for this platform yet")
    check(TABLE.read_text(encoding="utf-8"), facts, column)


def test_a_disagreement_fails_showing_the_probes_json(facts):
    column = platform_column()
    if column is None:
        pytest.skip("the table has no column for this platform yet")
    text = TABLE.read_text(encoding="utf-8")
    header = re.search(r"<!-- winsock-facts -->\n(\|.*)\n", text).group(1)
    index = [c.strip() for c in header.strip().strip("|").split("|")].index(column)
    row = re.search(r"^\| `fd_setsize` \|.*$", text, re.M).group(0)
    cells = row.strip().strip("|").split("|")
    cells[index] = " `doctored` "
    doctored = text.replace(row, "|" + "|".join(cells) + "|")
    with pytest.raises(AssertionError) as failed:
        check(doctored, facts, column)
    message = str(failed.value)
    assert "1 fact(s)" in message
    assert f"fd_setsize: the table says doctored, the probe says {facts['fd_setsize']}" \
        in message
    assert json.dumps(facts, indent=2) in message


def test_every_fact_has_a_row_and_every_row_a_value_for_each_platform(facts):
    table = read_table(TABLE.read_text(encoding="utf-8"))
    raw = {k for k in facts if k.endswith("_ms")}     # the timings behind the words
    assert set(facts) - raw == set(table), "the probe and the table name other facts"
    for key, columns in table.items():
        for column in COLUMNS.values():
            assert allowed(columns.get(column, "")), f"{key} has no value for {column}"
        assert columns.get("measured"), f"{key} does not say where it was measured"


def test_the_probe_refuses_bad_arguments(tmp_path):
    result = run_probe(["--bogus"], RUN_SECONDS, tmp_path)
    assert result.returncode == 1 and "usage: winsock_facts" in result.errors
