"""Writes a grading run's results.json as Markdown: the score, one table per lab, and
why each failed test failed. CI appends it to the run's summary page:

    python3 grader/summary.py build/grade/results.json >> "$GITHUB_STEP_SUMMARY"

Exit codes: 0 written, 1 usage, 2 no readable results file.
"""
import html
import json
import re
import sys


def markdown(results):
    """The Markdown text of RESULTS (results.json, as a dict)."""
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
        for lab, title, test in failed:
            output = html.escape(test["output"].strip(), quote=False)
            lines += [f"<details><summary>Lab {html.escape(lab)}: {html.escape(title)}"
                      "</summary>", "", f"<pre>{output}</pre>", "", "</details>", ""]
        lines += ["The transcripts of the failed tests are in build/grade/transcripts/ "
                  "(this run's artifact).", ""]
    return "\n".join(lines)


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
