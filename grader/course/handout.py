"""make handout: a complete students' repository under build/handout/ (HANDOUT=DIR
elsewhere), ready for `git init` and a push. LABS=01,02 releases a subset.

It holds the starters, labs/common/, the grader with its public tests, the Check
tests that grading uses, the students' docs, a README for students and the workflow
that grades their pushes; nothing of solutions/, the mutants, the kit's own tests, the
instructor's docs or the hidden tests (it counts those). Written over a clone of an
earlier handout, it changes only what the release changes, so students merge it.
"""
import argparse
import sys
from pathlib import Path

import kit

README_TEMPLATE = Path(__file__).with_name("student-README.md")


def student_readme(labs):
    rows = [f"| [{lab[:2]}](labs/{lab}/README.md) | {kit.lab_title(lab).split(': ', 1)[-1]} |"
            for lab in labs]
    return README_TEMPLATE.read_text(encoding="utf-8").replace("{labs}", "\n".join(rows))


def build(out, labs):
    extra = {"README.md": student_readme(labs),
             ".github/workflows/grade.yml":
                 (kit.KIT / kit.STUDENT_WORKFLOW).read_text(encoding="utf-8")}
    for doc in kit.STUDENT_DOCS:
        extra[doc] = (kit.KIT / doc).read_text(encoding="utf-8")
    return kit.write_tree(out, labs, extra=extra)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="make handout", description=__doc__.split("\n")[0])
    parser.add_argument("--labs", default="", help="the labs to release: 01,02 (all)")
    parser.add_argument("--out", default=str(kit.KIT / "build" / "handout"))
    args = parser.parse_args(argv)
    try:
        labs = kit.select_labs(args.labs)
        out = build(Path(args.out), labs)
    except kit.Problem as problem:
        kit.fail(str(problem))
    hidden = sum(map(kit.count_tests, kit.hidden_tests(labs)))
    print(f"handout: wrote {out} (labs {', '.join(lab[:2] for lab in labs)}; "
          f"{hidden} hidden test{'s' if hidden != 1 else ''} left out)")
    print("  first release:  cd it; git init -b main; git add -A; git commit -m Handout; "
          "push to the students' template repository")
    print("  later releases: write it over that repository's clone (HANDOUT=DIR), commit, "
          "push; students pull it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
