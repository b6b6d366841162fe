"""The kit's documents: the top-level README's lab table lists every lab in labs/, each
lab README has the parts every lab has (questions, hints, what the grader says, a
challenge, a link into the concepts page), and every relative link in the READMEs and
docs/ leads to a file, and an anchor, that exist. No build, no network: text only."""
import ast
import re
import subprocess

import pytest

from conftest import ROOT

LABS = sorted(p for p in (ROOT / "labs").iterdir()
              if p.is_dir() and re.fullmatch(r"\d\d-[a-z0-9-]+", p.name))
CONCEPTS = ROOT / "docs" / "concepts.md"
# The sections of docs/concepts.md that the labs link to, by these anchors.
CONCEPT_ANCHORS = ["the-layers-where-winsock-sits", "what-a-socket-is",
                   "stream-datagram-and-raw-sockets", "address-families", "ws2_32dll",
                   "ports-well-known-registered-ephemeral"]
FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1[^\n]*$", re.M | re.S)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
LINK = re.compile(r"(?<!\!)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
HTML_LINK = re.compile(r"""<a\s[^>]*href=["']([^"']+)["']""", re.I)
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)   # https:, mailto:, ...
def prose(text):
    """TEXT without its fenced code blocks and code spans, where nothing is a link."""
    text = FENCE.sub("", text)
    return CODE_SPAN.sub("", text)


def github_anchor(heading):
    """The anchor GitHub gives a heading: its text in lower case, without markup and
    punctuation (letters, digits, '_', '-' and spaces stay), spaces as '-'."""
    text = re.sub(r"<[^>]+>", "", heading).strip().lower()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    """Every anchor of the Markdown file PATH: its headings' (the second of two equal
    headings gets '-1', as on GitHub) and those named by HTML ids."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found, seen = set(), {}
    for match in re.finditer(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", text, re.M):
        base = github_anchor(match.group(1))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    found.update(re.findall(r"""<a\s[^>]*(?:name|id)=["']([^"']+)["']""", text, re.I))
    return found


def links(path):
    """The targets of the links and images in the Markdown file PATH, outside code."""
    text = prose(path.read_text(encoding="utf-8"))
    return [m.group(1) for pattern in (LINK, IMAGE, HTML_LINK) for m in pattern.finditer(text)]


def documents():
    """The kit's READMEs (every README.md git knows, outside build/) and docs/*.md."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "*README.md",
                             "docs/*.md"], cwd=ROOT, capture_output=True, text=True)
    paths = {ROOT / line for line in listed.stdout.splitlines()} if listed.returncode == 0 \
        else set(ROOT.glob("**/README.md")) | set((ROOT / "docs").glob("*.md"))
    return sorted(p for p in paths if p.exists()
                  and (p.name == "README.md" or p.parent == ROOT / "docs")
                  and "build" not in p.relative_to(ROOT).parts)


def broken_link(source, target, root=ROOT):
    """Why TARGET, a link in the Markdown file SOURCE (of the tree ROOT: the kit, or a
    students' handout), leads nowhere; None if it leads to a file (and anchor) that
    exists, or out of the tree."""
    if EXTERNAL.match(target):
        return None
    file_part, _, anchor = target.partition("#")
    dest = (source.parent / file_part).resolve() if file_part else source
    shown = dest.relative_to(root) if root.resolve() in dest.parents else dest
    if not dest.exists():
        return f"{target}: no file {shown}"
    if anchor and dest.suffix == ".md" and anchor.lower() not in anchors(dest):
        return f"{target}: no heading in {shown} has the anchor #{anchor}"
    return None


def section(text, heading):
    """The body of the '## ' section whose heading matches the regular expression
    HEADING (all of it), up to the next '## ' heading; None if there is none."""
    text = FENCE.sub("", text)
    match = re.search(rf"^## (?:{heading})[ \t]*\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    return match.group(1) if match else None


def sections(text):
    """{anchor: body} of the '## ' sections of TEXT."""
    text = FENCE.sub("", text)
    parts = re.split(r"^## (.+)$", text, flags=re.M)
    return {github_anchor(parts[i]): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def numbered(text):
    """The numbers of the items that start a line (column 0) of TEXT: '1. ...'."""
    return [int(n) for n in re.findall(r"^(\d+)\.\s", text, re.M)]


def grader_file(lab):
    number = lab.name[:2]
    found = sorted((ROOT / "grader").glob(f"test_lab{number}_*.py"))
    assert len(found) == 1, f"lab {number} has {len(found)} grader files: {found}"
    return found[0]


def challenge_tests(path):
    """The test functions of the grader file PATH marked challenge
    (@pytest.mark.challenge, with or without arguments)."""
    def is_challenge(decorator):
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(node, ast.Attribute) and node.attr == "challenge" \
            and isinstance(node.value, ast.Attribute) and node.value.attr == "mark"

    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.name for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
            and any(is_challenge(d) for d in node.decorator_list)]


# --- (a) the top-level README's lab table ---------------------------------------------

def lab_table():
    """(link text, link target) of the first column of each row of the README's table
    under '## The labs'."""
    body = section((ROOT / "README.md").read_text(encoding="utf-8"), "The labs")
    assert body is not None, "README.md has no section '## The labs'"
    rows = [line for line in body.splitlines() if line.startswith("|")][2:]
    cells = [row.strip("|").split("|")[0].strip() for row in rows]
    return [re.fullmatch(r"\[([^\]]+)\]\(([^)]+)\)", cell).groups()
            if re.fullmatch(r"\[([^\]]+)\]\(([^)]+)\)", cell) else (cell, None)
            for cell in cells]


def test_readme_lab_table_lists_every_lab_once_in_order():
    expected = [(lab.name[:2], f"labs/{lab.name}/README.md") for lab in LABS]
    assert LABS, "no labs in labs/"
    assert lab_table() == expected, \
        "README.md's lab table must list each lab of labs/ once, in order, linked to " \
        f"its README:\nexpected {expected}\ngot      {lab_table()}"


def test_readme_links_the_concepts_page_and_the_examples():
    targets = links(ROOT / "README.md")
    assert any(t.split("#")[0] == "docs/concepts.md" for t in targets), targets
    assert any(t.startswith("examples/") for t in targets), targets


# --- the concepts page ---------------------------------------------------------------

@pytest.mark.parametrize("anchor", CONCEPT_ANCHORS)
def test_concepts_page_has_the_section(anchor):
    assert anchor in anchors(CONCEPTS), \
        f"docs/concepts.md has no heading with the anchor #{anchor}"


@pytest.mark.parametrize("anchor", CONCEPT_ANCHORS)
def test_each_concepts_section_has_a_diagram_an_experiment_and_its_labs(anchor):
    body = sections(CONCEPTS.read_text(encoding="utf-8")).get(anchor, "")
    assert "**Try it.**" in body, f"#{anchor} has no 'Try it' experiment"
    used = re.search(r"\*\*Used in:\*\*(.*)", body, re.S)
    assert used and re.search(r"\]\(\.\./labs/\d\d-[a-z0-9-]+/README\.md\)", used.group(1)), \
        f"#{anchor} links no lab in its 'Used in'"


def labs_linking(anchor):
    """The numbers of the labs whose README links the concepts page's section ANCHOR."""
    return sorted(lab.name[:2] for lab in LABS
                  if f"../../docs/concepts.md#{anchor}" in links(lab / "README.md"))


def labs_used_in(anchor):
    """The numbers of the labs the concepts page's section ANCHOR lists in its 'Used in'."""
    body = sections(CONCEPTS.read_text(encoding="utf-8")).get(anchor, "")
    used = re.search(r"\*\*Used in:\*\*(.*)", body, re.S)
    return sorted(set(re.findall(r"\]\(\.\./labs/(\d\d)-[a-z0-9-]+/README\.md\)",
                                 used.group(1) if used else "")))


@pytest.mark.parametrize("anchor", CONCEPT_ANCHORS)
def test_each_concepts_section_lists_the_labs_that_link_it(anchor):
    """A section's 'Used in' and the labs' links agree: a student who follows a link
    from lab NN finds lab NN named there, and no lab is named that never sends anyone."""
    assert labs_used_in(anchor) == labs_linking(anchor), \
        f"docs/concepts.md#{anchor} says it is used in labs {labs_used_in(anchor)}; the " \
        f"labs whose README links it are {labs_linking(anchor)}"


def test_concepts_page_draws_its_diagrams_in_code_blocks():
    fences = FENCE.findall(CONCEPTS.read_text(encoding="utf-8"))
    assert len(fences) >= 5, f"docs/concepts.md has {len(fences)} diagrams"


def test_the_anchor_rule_is_githubs():
    assert github_anchor("The layers: where Winsock sits") == "the-layers-where-winsock-sits"
    assert github_anchor("ws2_32.dll") == "ws2_32dll"
    assert github_anchor("Ports: well-known, registered, ephemeral") == \
        "ports-well-known-registered-ephemeral"
    assert github_anchor("linger {1, 0}: the abortive close") == "linger-1-0-the-abortive-close"
    assert github_anchor("Challenge (bonus)") == "challenge-bonus"
    assert github_anchor("When the grader says ...") == "when-the-grader-says-"


# --- every relative link -------------------------------------------------------------

@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_resolves(doc):
    broken = [why for why in (broken_link(doc, t) for t in links(doc)) if why]
    assert not broken, f"{doc.relative_to(ROOT)} links to nothing:\n  " + "\n  ".join(broken)


def test_a_broken_link_is_found(tmp_path):
    """The check itself can fail: a missing file, a missing anchor."""
    page = ROOT / "docs" / "concepts.md"
    assert broken_link(page, "nothere.md") is not None
    assert broken_link(page, "platform-differences.md#no-such-heading") is not None
    assert broken_link(page, "#what-a-socket-is") is None
    assert broken_link(page, "#what-a-sockets-is") is not None
    assert broken_link(page, "https://learn.microsoft.com/") is None


# A line of prose that is only a name in capitals with an underscore (HANG_TABLE): a
# place where a table or figures were to go, left as it was.
PLACEHOLDER = re.compile(r"^[ \t]*[A-Z][A-Z0-9]*_[A-Z0-9_]+[ \t]*$", re.M)


def placeholders(text):
    return PLACEHOLDER.findall(prose(text))


@pytest.mark.parametrize("doc", documents(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_document_keeps_a_placeholder(doc):
    found = placeholders(doc.read_text(encoding="utf-8"))
    assert not found, f"{doc.relative_to(ROOT)} has a line left to fill: {found[0].strip()}"


def test_the_placeholder_check_can_fail():
    assert placeholders("Measured:\n\nHANG_TABLE\n\n## Next") == ["HANG_TABLE"]
    assert not placeholders("`KIT_SEED=1` and\n```\nKIT_SEED\nMAX_ARGS\n```\nSO_LINGER {1, 5}")


# --- (b) the parts every lab README has ---------------------------------------------

def lab_params():
    return [pytest.param(lab, id=lab.name[:2]) for lab in LABS]


def readme(lab):
    return (lab / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_asks_three_to_five_questions(lab):
    body = section(readme(lab), "Questions")
    assert body is not None, f"{lab.name}/README.md has no section '## Questions'"
    numbers = numbered(body)
    assert numbers == list(range(1, len(numbers) + 1)) and 3 <= len(numbers) <= 5, \
        f"{lab.name}/README.md's questions are numbered {numbers}: 3 to 5, from 1"


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_has_hints_that_open_one_at_a_time(lab):
    count = len(re.findall(r"<details>\s*<summary>", prose(readme(lab))))
    assert count >= 3, f"{lab.name}/README.md has {count} <details> hints, at least 3 expected"


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_says_what_the_grader_says(lab):
    assert section(readme(lab), r"When the grader says.*") is not None, \
        f"{lab.name}/README.md has no section '## When the grader says ...'"


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_has_a_challenge(lab):
    assert re.search(r"^## Challenge \(bonus\)\s*$", readme(lab), re.M), \
        f"{lab.name}/README.md has no section '## Challenge (bonus)'"


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_links_a_concept(lab):
    concepts = anchors(CONCEPTS)
    found = [t for t in links(lab / "README.md")
             if t.partition("#")[0] == "../../docs/concepts.md" and t.partition("#")[2]]
    assert any(t.partition("#")[2] in concepts for t in found), \
        f"{lab.name}/README.md links no section of docs/concepts.md (found {found})"


def programs_of(lab):
    """The programs LAB's Makefile.local builds."""
    fragment = (lab / "Makefile.local").read_text(encoding="utf-8")
    return re.findall(r"call lab_program,[^,]+,(\w+),", fragment)


def contract(text):
    """{program: its rules} of the README TEXT's section 'N. The contract': one '### '
    subsection per program, named by its command line."""
    body = section(text, r"(?:\d+\. )?The contract")
    if body is None:
        return None
    parts = re.split(r"^### (.+)$", body, flags=re.M)
    return {parts[i].split()[0].strip("`"): parts[i + 1] for i in range(1, len(parts) - 1, 2)}


@pytest.mark.parametrize("lab", lab_params())
def test_lab_readme_has_one_contract_per_program_with_its_stdout_rule(lab):
    """The rules the grader holds each program to, in one place: a subsection of the
    README's contract per program, saying what goes to stdout."""
    rules = contract(readme(lab))
    assert rules is not None, f"{lab.name}/README.md has no section '## N. The contract'"
    assert sorted(rules) == sorted(programs_of(lab)), \
        f"{lab.name}/README.md's contract has {sorted(rules)}, the lab builds " \
        f"{sorted(programs_of(lab))}"
    for program, body in rules.items():
        assert "stdout" in body, f"{lab.name}'s contract of {program} says nothing of stdout"


def test_the_contract_check_can_fail():
    text = ("# Lab\n\n## 6. The contract\n\n### tool ARGS\n\n- stdout: the answer\n\n"
            "### other\n\n- exit 0\n\n## 7. What you write\n")
    assert contract(text) == {"tool": "\n\n- stdout: the answer\n\n",
                              "other": "\n\n- exit 0\n\n"}
    assert contract("# Lab\n\n## Contract of sorts\n") is None


@pytest.mark.parametrize("lab", lab_params())
def test_lab_answers_files_ask_the_readmes_questions(lab):
    body = section(readme(lab), "Questions") or ""
    asked = len(numbered(body))
    for tree in ("labs", "solutions"):
        path = ROOT / tree / lab.name / "answers.txt"
        assert path.exists(), f"{path.relative_to(ROOT)} does not exist"
        numbers = numbered(path.read_text(encoding="utf-8"))
        assert numbers == list(range(1, asked + 1)), \
            f"{path.relative_to(ROOT)} numbers its questions {numbers}; the README asks {asked}"


# A link of a README, [text](../../docs/page.md#anchor), as answers.txt writes it:
# text (docs/page.md).
README_LINK = re.compile(r"\[([^\]]*)\]\(\.\./\.\./([^)#\s]+)(?:#[^)\s]*)?\)")


def items(text):
    """{number: text} of the numbered items of TEXT, each running to the next,
    whitespace collapsed."""
    parts = re.split(r"^(\d+)\.\s", text, flags=re.M)
    return {int(parts[i]): " ".join(parts[i + 1].split()) for i in range(1, len(parts), 2)}


def asked(lab):
    """{number: question} of LAB's README, its links written as answers.txt writes them."""
    return {n: README_LINK.sub(r"\1 (\2)", q)
            for n, q in items(section(readme(lab), "Questions") or "").items()}


def answer_sheet(lab):
    """{number: question} of the students' labs/NN/answers.txt: each question runs to
    the first blank line after it, where the answer goes."""
    text = (ROOT / "labs" / lab.name / "answers.txt").read_text(encoding="utf-8")
    parts = re.split(r"^(\d+)\.\s", text, flags=re.M)
    return {int(parts[i]): " ".join(parts[i + 1].split("\n\n")[0].split())
            for i in range(1, len(parts), 2)}


@pytest.mark.parametrize("lab", lab_params())
def test_lab_answers_file_repeats_the_questions(lab):
    """The students' answers.txt asks each question word for word, commands included,
    so that nobody answers a question the README no longer asks."""
    sheet, readme_questions = answer_sheet(lab), asked(lab)
    differ = [n for n in readme_questions if sheet.get(n) != readme_questions[n]]
    assert not differ, \
        f"labs/{lab.name}/answers.txt does not repeat the README's question {differ[0]}:\n" \
        f"README:      {readme_questions[differ[0]]}\nanswers.txt: {sheet.get(differ[0])}"


def test_the_answers_check_can_fail(tmp_path):
    assert README_LINK.sub(r"\1 (\2)", "see [ports](../../docs/concepts.md#ports-x).") == \
        "see ports (docs/concepts.md)."
    assert items("1. Why\n   so?\n\n2. How?\n") == {1: "Why so?", 2: "How?"}


@pytest.mark.parametrize("lab", lab_params())
def test_lab_grader_has_a_challenge_test(lab):
    path = grader_file(lab)
    assert challenge_tests(path), \
        f"{path.relative_to(ROOT)} has no test marked @pytest.mark.challenge"


def test_the_structure_checks_can_pass_and_fail(tmp_path):
    """The rules of (b) on a README that follows them and on one that does not."""
    good = ("# Lab\n\n## The task\n\n<details><summary>Hint 1</summary>\n\nx\n\n</details>\n"
            "<details><summary>Hint 2</summary>\n\n</details>\n"
            "<details>\n<summary>Hint 3</summary>\n\n</details>\n\n"
            "## When the grader says ...\n\n## Questions\n\n1. Why?\n\n2. How?\n   more\n\n"
            "3. What?\n\n```\n4. not a question\n```\n\n## Challenge (bonus)\n\nx\n")
    assert numbered(section(good, "Questions")) == [1, 2, 3]
    assert len(re.findall(r"<details>\s*<summary>", prose(good))) == 3
    assert section(good, r"When the grader says.*") is not None
    bad = "# Lab\n\n## Questions and more\n\n1. one\n"
    assert section(bad, "Questions") is None
    assert numbered("Header: answer below.\n\n1. a\n   1. not one\n2. b\n") == [1, 2]
    grader = tmp_path / "test_lab99_x.py"
    grader.write_text("import pytest\n@pytest.mark.points(2)\ndef test_a(): pass\n"
                      "@pytest.mark.challenge\n@pytest.mark.points(1)\ndef test_b(): pass\n")
    assert challenge_tests(grader) == ["test_b"]
    grader.write_text("import pytest\n@pytest.mark.points(2)\ndef test_a(): pass\n")
    assert challenge_tests(grader) == []
