"""A batch's grades written for the gradebook: grades.csv, canvas.csv (Canvas's import
shape, with a roster's identities) and suspicious.csv, from the students' records.
"""
import csv
import json
import os
from pathlib import Path


CANVAS_IDENTITY = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def records(folders):
    found = {}
    for folder in folders:
        for path in sorted((Path(folder) / "students").glob("*/record.json")):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            found[record["student"]] = record
    return [found[k] for k in sorted(found)]


def write_csvs(out, rows, roster=None):
    """grades.csv and canvas.csv of ROWS (records) into OUT."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    labs = sorted({lab for r in rows for lab in r.get("labs", {})})
    maxima = lab_maxima(rows, labs)
    with open(out / "grades.csv.tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", *[f"lab{lab}" for lab in labs], "total", "max", "status",
                    "seed"])
        for r in rows:
            w.writerow([r["student"], *[r["labs"].get(lab, {}).get("score", 0) for lab in labs],
                        r["score"], sum(maxima.values()), r["status"], r["seed"]])
    os.replace(out / "grades.csv.tmp", out / "grades.csv")
    people = read_roster(roster) if roster else {}
    with open(out / "canvas.csv.tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CANVAS_IDENTITY + [f"Lab {lab}" for lab in labs])
        w.writerow(["Points Possible", "", "", "", ""] + [maxima[lab] for lab in labs])
        for r in rows:
            who = people.get(r["student"], {"Student": r["student"],
                                            "SIS Login ID": r["student"]})
            w.writerow([who.get(k, "") for k in CANVAS_IDENTITY] +
                       [r["labs"].get(lab, {}).get("score", 0) for lab in labs])
    os.replace(out / "canvas.csv.tmp", out / "canvas.csv")
    with open(out / "suspicious.csv.tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["student", "where", "what"])
        for r in rows:
            for line in r.get("suspicious", []):
                where, what = line.split(": ", 1)
                w.writerow([r["student"], where, what])
    os.replace(out / "suspicious.csv.tmp", out / "suspicious.csv")


def lab_maxima(rows, labs):
    """Each lab's full marks: what a grading run that finished could score (one that
    timed out or brought no lab files knows less)."""
    finished = [r for r in rows if r["status"] in ("graded", "build failed")] or rows
    return {lab: max((r["labs"].get(lab, {}).get("max_score", 0) for r in finished),
                     default=0) for lab in labs}


def read_roster(path):
    """{submission name: Canvas identity} from a Canvas gradebook export: a row is
    found by its SIS Login ID, SIS User ID, ID or Student."""
    people = {}
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            if (row.get("Student") or "").strip() in ("", "Points Possible"):
                continue
            for key in ("Student", "ID", "SIS User ID", "SIS Login ID"):
                if row.get(key):
                    people[row[key].strip()] = row
    return people
