"""make handout: a complete students' repository under build/handout/ (HANDOUT=DIR
elsewhere), ready for `git init` and a push. LABS=01,02 releases a subset.

It holds the starters, labs/common/, the grader with its public tests, the Check
tests that grading uses, the students' docs, a README for students and the workflow
that grades their pushes; nothing of solutions/, the mutants, the kit's own tests, the
instructor's docs or the hidden tests (it counts those). Written over a clone of an
earlier handout, it changes only what the release changes, so students merge it.
A lab that links an earlier lab's function (lab 05 links lab 02's connect_to) brings
that lab along; the students' docs keep the words of their links to a lab left out,
not the links. HINTS=N keeps each group of a README's hints to its first N (HINTS=2
leaves out every "Hint 3", the full recipe).
"""
import argparse
import re
import sys
from pathlib import Path

import kit
import trees

# A README's hint: <details><summary>Hint N...</summary> ... </details>, and the blank
# line after it.
HINT = re.compile(r"^<details><summary>Hint (\d+)\b.*?^</details>\n(?:\n(?=\S))?", re.M | re.S)


def keep_hints(text, count):
    """TEXT without the hints numbered above COUNT."""
    return HINT.sub(lambda m: m.group(0) if int(m.group(1)) <= count else "", text)


def hint_count(spec):
    """HINTS as a number, or None (every hint) when it is empty."""
    if not (spec or "").strip():
        return None
    if not spec.strip().isdigit():
        raise kit.Problem(f"HINTS: '{spec}' is not a number of hints (HINTS=2 keeps the "
                          "first two of each group)")
    return int(spec)

# A Markdown link to a lab's folder or its files: [words](../labs/NN-topic/...).
LAB_LINK = re.compile(r"\[([^\]]+)\]\((?:\.\./)*labs/(\d\d-[a-z0-9-]+)/[^)]*\)")


def unlink_left_out(text, labs):
    """TEXT with each link to a lab not in LABS left as its words: a release of some
    labs has no folder for the others."""
    return LAB_LINK.sub(lambda m: m.group(0) if m.group(2) in labs else m.group(1), text)


README_TEMPLATE = Path(__file__).with_name("student-README.md")


def student_readme(labs):
    rows = [f"| [{lab[:2]}](labs/{lab}/README.md) | {kit.lab_title(lab).split(': ', 1)[-1]} |"
            for lab in labs]
    return README_TEMPLATE.read_text(encoding="utf-8").replace("{labs}", "\n".join(rows))


def build(out, labs, hints=None):
    extra = {"README.md": student_readme(labs),
             ".github/workflows/grade.yml":
                 (kit.KIT / trees.STUDENT_WORKFLOW).read_text(encoding="utf-8")}
    for doc in trees.STUDENT_DOCS:
        extra[doc] = unlink_left_out((kit.KIT / doc).read_text(encoding="utf-8"), labs)
    if hints is not None:
        for lab in labs:
            readme = kit.KIT / "labs" / lab / "README.md"
            extra[f"labs/{lab}/README.md"] = keep_hints(readme.read_text(encoding="utf-8"),
                                                       hints)
    return trees.write_tree(out, labs, extra=extra)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make handout", description=__doc__.split("\n")[0])
    parser.add_argument("--labs", default="", help="the labs to release: 01,02 (all)")
    parser.add_argument("--out", default=str(kit.KIT / "build" / "handout"))
    parser.add_argument("--hints", default="", help="keep each group's first N hints (all)")
    args = parser.parse_args(argv)
    try:
        hints = hint_count(args.hints)
        asked = kit.select_labs(args.labs, needs=False)
        labs = kit.select_labs(args.labs)
        out = build(Path(args.out), labs, hints)
    except kit.Problem as problem:
        kit.fail(str(problem))
    for lab in asked:
        added = [need[:2] for need in kit.lab_needs(lab) if need not in asked]
        if added:
            print(f"handout: lab {lab[:2]} links functions of lab{'s' * (len(added) > 1)} "
                  f"{', '.join(added)}, released with it")
    hidden = sum(map(kit.count_tests, kit.hidden_tests(labs)))
    print(f"handout: wrote {out} (labs {', '.join(lab[:2] for lab in labs)}; "
          f"{hidden} hidden test{'s' if hidden != 1 else ''} left out"
          f"{'' if hints is None else f'; hints up to {hints} of each group'})")
    print("  first release:  cd it; git init -b main; git add -A; git commit -m Handout; "
          "push to the students' template repository")
    print("  later releases: write it over that repository's clone (HANDOUT=DIR), commit, "
          "push; students pull it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
