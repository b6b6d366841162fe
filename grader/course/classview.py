"""The class view of a batch (BATCH_OUT/report.html), for the instructor after a
deadline: what did the class not understand? Per lab, the distribution of its
scores drawn (a histogram in SVG), and the lines the class failed most, with how many
students failed each and the hint they were given most often; then a row per student
with each lab's score, linking to the student's own report page
(students/NAME/grade/report.html, gradelib.page).

Read from what the batch keeps: each student's record.json (the scores grades.csv
holds) and results.json (the lines). Like the students' pages, one file with nothing
to load and no script, and every text a submission brought (its name, its programs'
output in a hint) escaped.
"""
import collections
import json
import os
import urllib.parse
from pathlib import Path

import exports
import kit  # noqa: F401  (puts the grader's gradelib on the path)
from gradelib import page

# Bars of a lab's histogram at most: a bar a score up to BINS - 1 points, ranges of
# equal width beyond.
BINS = 12
# The lines shown per lab, most failed first.
TOP_LINES = 10

STYLE = page.STYLE + """
svg.histogram { display: block; margin: .5em 0 1em; }
td.count { text-align: right; font-variant-numeric: tabular-nums; }
"""


def folders_of(rows, folders):
    """{student: the folder of their record} for ROWS, the later of FOLDERS winning,
    as exports.records reads them."""
    found = {}
    for folder in folders:
        for row in rows:
            here = Path(folder) / "students" / row["student"]
            if (here / "record.json").exists():
                found[row["student"]] = here
    return found


def write(out, rows, folders):
    """Writes OUT/report.html, the class view of ROWS (exports.records) whose students'
    folders are in FOLDERS. Returns its path."""
    out = Path(out)
    path = out / "report.html"
    text = render(rows, folders_of(rows, folders), out)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def bins(top):
    """The bars of a histogram of scores 0..TOP: [(low, high)], each inclusive."""
    width = max(1, -(-(top + 1) // BINS))
    return [(low, min(low + width - 1, top)) for low in range(0, top + 1, width)]


def histogram(scores, top):
    """The counts of SCORES in bins(TOP): [(low, high, count)]."""
    return [(low, high, sum(1 for s in scores if low <= s <= high or
                            (high == top and s > top)))
            for low, high in bins(top)]


def failed_lines(results):
    """{lab: [(title, students, hint, how many got that hint)]} from RESULTS
    ({student: results.json}), most failed first: the graded lines of labs started,
    each failed by at least one student."""
    failed, hints, titles = {}, {}, {}
    for student, data in results.items():
        for test in (data or {}).get("tests", []):
            extra = test.get("extra_data") or {}
            if test["status"] == "passed" or extra.get("not_started") or \
                    extra.get("challenge") or not test["max_score"]:
                continue
            key = extra.get("test") or test["name"]
            lab = page.lab_of(test)
            titles[key] = (lab, test["name"].split(": ", 1)[-1])
            failed.setdefault(key, set()).add(student)
            hint = dict(page.parts(test.get("output") or "")[1]).get("hint")
            if hint:
                hints.setdefault(key, collections.Counter())[hint] += 1
    by_lab = {}
    for key, students in failed.items():
        lab, title = titles[key]
        hint, count = (hints[key].most_common(1)[0] if key in hints else (None, 0))
        by_lab.setdefault(lab, []).append((title, len(students), hint, count))
    return {lab: sorted(lines, key=lambda line: (-line[1], line[0]))
            for lab, lines in sorted(by_lab.items())}


def render(rows, folders, out):
    """The page of ROWS, with the students' FOLDERS; links relative to OUT."""
    e = page.escape
    labs = sorted({lab for r in rows for lab in r.get("labs", {})})
    maxima = exports.lab_maxima(rows, labs)
    results = {}
    for row in rows:
        try:
            results[row["student"]] = json.loads(
                (folders[row["student"]] / "results.json").read_text(encoding="utf-8"))
        except (KeyError, OSError, ValueError):
            results[row["student"]] = None
    lines = failed_lines(results)
    done = sum(1 for r in rows if r["status"] == "graded")
    out_ = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8"/>',
            f"<title>Class view: {len(rows)} submissions</title>",
            f"<style>{STYLE}</style></head><body>",
            f"<h1>Class view: {len(rows)} submissions</h1>",
            f"<p>{done} graded to their end; each lab's scores, the lines the class "
            "failed most, and each student's report.</p>"]
    for lab in labs:
        top = maxima[lab]
        scores = [r["labs"].get(lab, {}).get("score", 0) for r in rows]
        out_.append(f'<section id="lab-{e(lab)}"><h2>Lab {e(lab)} (out of {top})</h2>')
        out_.append(_histogram(lab, histogram(scores, top), top, len(rows)))
        failed = lines.get(lab, [])
        if not failed:
            out_.append('<p class="idle">No line of this lab was failed.</p></section>')
            continue
        out_.append('<table class="failed"><tr><th>line</th><th>students who failed it'
                    "</th><th>the hint they got most</th></tr>")
        for title, count, hint, given in failed[:TOP_LINES]:
            shown = (f"<pre>{e(hint)}</pre>"
                     f'<span class="note">(given to {given} of the {count})</span>'
                     if hint else "")
            out_.append(f'<tr><td>{e(title)}</td><td class="count">{count} of '
                        f"{len(rows)}</td><td>{shown}</td></tr>")
        out_.append("</table>")
        if len(failed) > TOP_LINES:
            out_.append(f'<p class="note">{len(failed) - TOP_LINES} more lines were '
                        "failed by fewer students.</p>")
        out_.append("</section>")
    out_.append('<section id="students"><h2>Students</h2><table class="students"><tr>'
                "<th>student</th>" + "".join(f"<th>lab {e(lab)}</th>" for lab in labs) +
                "<th>total</th><th>status</th><th>report</th></tr>")
    total = sum(maxima.values())
    for row in rows:
        cells = "".join(f'<td class="points">{row["labs"].get(lab, {}).get("score", 0)}'
                        f"/{maxima[lab]}</td>" for lab in labs)
        report = folders.get(row["student"], Path("/nonexistent")) / "grade" / "report.html"
        link = (f'<a href="{e(_href(report, out))}">report</a>' if report.exists() else
                '<span class="idle">none</span>')
        out_.append(f'<tr data-student="{e(row["student"])}"><td>{e(row["student"])}</td>'
                    f'{cells}<td class="points">{row["score"]}/{total}</td>'
                    f'<td>{e(row["status"])}</td><td>{link}</td></tr>')
    out_.append("</table></section></body></html>")
    return "\n".join(out_) + "\n"


def _students(count):
    return "1 student" if count == 1 else f"{count} students"


def _href(path, base):
    """PATH as a link relative to BASE, each part quoted."""
    relative = os.path.relpath(path, base).replace(os.sep, "/")
    return "/".join(urllib.parse.quote(part) for part in relative.split("/"))


# The histogram's measures, in pixels.
BAR = 44
HEIGHT = 120
LEFT = 36


def _histogram(lab, counts, top, students):
    """The SVG of COUNTS (histogram()): a bar per range of scores, its count above it
    and its range below."""
    e = page.escape
    most = max([c for _, _, c in counts] + [1])
    width = LEFT + BAR * len(counts) + 10
    height = HEIGHT + 56
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="histogram" data-lab="{e(lab)}" '
           f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'font-family="system-ui, sans-serif" font-size="12">',
           f"<title>Lab {e(lab)}: how many of the {students} students scored each range "
           f"of points out of {top}</title>",
           f'<line x1="{LEFT - 4}" y1="{HEIGHT + 20}" x2="{width - 6}" y2="{HEIGHT + 20}" '
           'stroke="#555"/>']
    for n, (low, high, count) in enumerate(counts):
        x = LEFT + n * BAR
        tall = round(HEIGHT * count / most)
        words = f"{low}" if low == high else f"{low}-{high}"
        full = " (full marks)" if high == top else ""
        out.append(f'<g class="bar" data-low="{low}" data-high="{high}" data-count="{count}">'
                   f"<title>{_students(count)} scored {e(words)} of {top}{full}</title>"
                   f'<rect x="{x + 4}" y="{HEIGHT + 20 - tall}" width="{BAR - 8}" '
                   f'height="{tall}" fill="{"#2e7d32" if high == top else "#1565c0"}"/>'
                   f'<text x="{x + BAR / 2:g}" y="{HEIGHT + 14 - tall}" '
                   f'text-anchor="middle">{count}</text>'
                   f'<text x="{x + BAR / 2:g}" y="{HEIGHT + 36}" text-anchor="middle" '
                   f'fill="#555">{e(words)}</text></g>')
    out.append(f'<text x="{LEFT - 4}" y="{HEIGHT + 52}" fill="#555">points of lab '
               f"{e(lab)}; bars: students</text></svg>")
    return "\n".join(out)
