"""Writes a grading run's results.json as Markdown: the score, one table per lab, and
why each failed test failed, with the sequence diagram of its programs' calls (a
Mermaid block, gradelib.mermaid, which GitHub draws). CI appends it to the run's
summary page:

    python3 grader/summary.py build/grade/results.json >> "$GITHUB_STEP_SUMMARY"

GitHub takes at most 1 MiB of summary a step: the text stays under LIMIT, the
failures that do not fit are counted, and the report page has them all.

Exit codes: 0 written, 1 usage, 2 no readable results file.
"""
import html
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gradelib import mermaid  # noqa: E402

# The whole text at most (in UTF-8 bytes), and each failure's message shown, as the
# terminal's summary shows it (characters).
LIMIT = 512 * 1024
SHOWN = 1500


def markdown(results, limit=LIMIT):
    """The Markdown text of RESULTS (results.json, as a dict), at most LIMIT bytes."""
    lines = [f"## Score: {results['score']}/{results['max_score']}", ""]
    labs = {}
    for test in results["tests"]:
        # "Lab 01: ..." or, for a challenge, "Lab 01 challenge (bonus 2/2): ..."
        m = re.match(r"Lab (\w+)(?: (challenge \([^)]*\)))?: (.*)", test["name"], re.S)
        lab, title = (m.group(1), (m.group(2) + ": " if m.group(2) else "") + m.group(3)) \
            if m else ("?", test["name"])
        labs.setdefault(lab, []).append((title, test))
    for lab, tests in labs.items():
        got = sum(t["score"] for _, t in tests)
        total = sum(t["max_score"] for _, t in tests)
        lines += [f"### Lab {lab}: {got}/{total}", "", "| | points | behaviour |",
                  "| --- | --- | --- |"]
        for title, test in tests:
            mark = "PASS" if test["status"] == "passed" else "**FAIL**"
            lines.append(f"| {mark} | {test['score']}/{test['max_score']} | {_cell(title)} |")
        lines.append("")
    failed = [(lab, title, t) for lab, tests in labs.items() for title, t in tests
              if t["status"] != "passed"]
    if failed:
        lines += ["### Why", ""]
        end = ["The transcripts of the failed tests are in build/grade/transcripts/ "
               "(this run's artifact), and build/grade/report.html draws each failure.", ""]
        size = _size(lines + end) + 200
        for n, (lab, title, test) in enumerate(failed):
            block = _why(lab, title, test)
            if size + _size(block) > limit:
                lines += [f"{len(failed) - n} more failed tests are not shown here, to keep "
                          "this page within GitHub's limit.", ""]
                break
            lines += block
            size += _size(block)
        lines += end
    return "\n".join(lines)


def _why(lab, title, test):
    """The lines of one failed test: its message, and its programs' calls drawn. A
    diagram is shown open, so that GitHub draws it at its size."""
    text = test["output"].strip()
    if len(text) > SHOWN:
        text = text[:SHOWN] + "\n... (results.json and the report page have the rest)"
    programs = (test.get("extra_data") or {}).get("calls")
    opened = " open" if programs else ""
    out = [f"<details{opened}><summary>Lab {html.escape(lab)}: {html.escape(title)}"
           "</summary>", "", f"<pre>{html.escape(text, quote=False)}</pre>", ""]
    if programs:
        out += [mermaid.block(programs), ""]
    return out + ["</details>", ""]


def _size(lines):
    return sum(len(line.encode("utf-8")) + 1 for line in lines)


def _cell(text):
    """TEXT for one cell of a Markdown table: one line, no column breaks."""
    return html.escape(" ".join(text.split())).replace("|", "&#124;")


def main(argv):
    if len(argv) != 2:
        print("usage: summary.py RESULTS_JSON", file=sys.stderr)
        return 1
    try:
        with open(argv[1], encoding="utf-8") as f:
            results = json.load(f)
    except (OSError, ValueError) as e:
        print(f"summary.py: cannot read {argv[1]}: {e}", file=sys.stderr)
        return 2
    # The summary page is UTF-8, whatever the console's code page (Windows).
    sys.stdout.reconfigure(encoding="utf-8", errors="replace")
    sys.stdout.write(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
