"""The kit's own code follows its lessons, and a students' handout holds what its labs
need: every getaddrinfo loop the kit writes tries every address; every program that
listens owns its port (SO_EXCLUSIVEADDRUSE before bind, lab 03's lesson); a lab that
links an earlier lab's function brings that lab into its handout; every relative link
of a handout leads somewhere in it; HINTS=N leaves the later hints out."""
import re
import sys

import pytest

from conftest import BUILD, ROOT
from gradelib import calls, peers, platform
from gradelib.proc import Process

sys.path.insert(0, str(ROOT / "grader" / "course"))
import handout  # noqa: E402
import kit  # noqa: E402

from test_docs import broken_link, links  # noqa: E402

LABS = kit.all_labs()


# --- getaddrinfo loops ---------------------------------------------------------------

def functions(path):
    """(name, body) of each function defined in the C file PATH, comments removed."""
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"),
                  path.read_text(encoding="utf-8"), flags=re.S)
    found = []
    for m in re.finditer(r"^[a-z][\w \*]*?\b(\w+)\([^;{]*?\)\s*\{", text, re.M):
        depth, i = 1, m.end()
        while depth and i < len(text):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        found.append((m.group(1), text[m.end():i]))
    return found


def loops_over_every_address(body):
    """Whether BODY, which calls getaddrinfo, walks the list it gets (ai_next) and
    never takes the first node's address alone."""
    return "ai_next" in body and not re.search(r"\blist->ai_(addr|family)\b", body)


def written_loops(tree):
    """(file, function, body) of each function of TREE's labs that calls getaddrinfo
    and uses the list itself (it frees it), and is written (not a TODO of the
    student's). lab 01's resolve_host only hands the list on."""
    source = ROOT / tree
    return [(path.relative_to(ROOT).as_posix(), name, body)
            for path in sorted(source.glob("[0-9][0-9]-*/*.c"))
            for name, body in functions(path)
            if "getaddrinfo(" in body and "freeaddrinfo(" in body
            and "TODO(" not in path.read_text(encoding="utf-8")
            .split(f"{name}(", 1)[-1].split("\n}", 1)[0]]


@pytest.mark.parametrize("tree", ["labs", "solutions"])
def test_every_getaddrinfo_loop_tries_every_address(tree):
    """The kit's given code (labs/) and the reference (solutions/) try each address
    getaddrinfo gives, as lab 02 teaches: localhost is ::1 first on Windows."""
    loops = written_loops(tree)
    if tree == "labs":      # the given loops: udp_client's, at least
        assert any(name == "main" or "udp_client" in path for path, name, _ in loops), loops
    else:
        assert len(loops) >= 4, [(p, n) for p, n, _ in loops]
    wrong = [f"{path}: {name}" for path, name, body in loops
             if not loops_over_every_address(body)]
    assert not wrong, "these take the first address getaddrinfo gives, not each in " \
                      "turn:\n  " + "\n  ".join(wrong)


def test_the_loop_check_can_fail():
    first_only = "rc = getaddrinfo(h, p, &hints, &list);\ns = socket(list->ai_family, 0, 0);"
    walks = "for (ai = list; ai != NULL; ai = ai->ai_next) { s = socket(ai->ai_family); }"
    assert not loops_over_every_address(first_only)
    assert loops_over_every_address("rc = getaddrinfo(h, p, &hints, &list);\n" + walks)


def test_the_function_finder_finds_functions(tmp_path):
    source = tmp_path / "x.c"
    source.write_text("/* int nope(void) { */\nstatic int a(int x)\n{\n    if (x) {\n"
                      "        return 1;\n    }\n    return 0;\n}\n\nint main(void)\n{\n"
                      "    return a(1);\n}\n")
    assert [name for name, _ in functions(source)] == ["a", "main"]


# --- every program that listens owns its port ------------------------------------------

def listening_programs():
    """(lab, program) of each reference program that announces a TCP listener: its
    source calls kit_announce, and it listens with open_listener or listen."""
    found = []
    for lab in LABS:
        fragment = (ROOT / "labs" / lab / "Makefile.local").read_text(encoding="utf-8")
        for program in re.findall(r"call lab_program,[^,]+,(\w+),", fragment):
            source = ROOT / "solutions" / lab / f"{program}.c"
            text = source.read_text(encoding="utf-8") if source.exists() else ""
            if "kit_announce(" in text and re.search(r"\b(open_listener|listen)\(", text):
                found.append((lab, program))
    return found


PROGRAM_ARGS = {"http_server": ["--root", "."]}


def test_the_listening_programs_are_found():
    names = [program for _, program in listening_programs()]
    assert {"tcp_server", "summary_server", "chat_server", "http_server"} <= set(names)
    assert "udp_server" not in names


@pytest.mark.parametrize("lab,program", listening_programs(), ids=lambda v: v)
def test_every_listening_program_owns_its_port(lab, program, tmp_path):
    """Lab 03's lesson, in every lab that listens: the listening socket gets
    SO_EXCLUSIVEADDRUSE before bind (the reference, read from its call record)."""
    path = platform.program_path(BUILD / "solutions", program)
    if not path.exists():
        pytest.skip(f"{path} is not built (make test builds it)")
    record = tmp_path / "calls.txt"
    proc = Process(path, PROGRAM_ARGS.get(program, []), cwd=tmp_path, timeout=60,
                   env=calls.environment(record, seed=1), calls=record)
    try:
        peers.announced(proc, 30)
        listened = [s for s in proc.calls.sockets.values() if proc.calls.backlog(s.name)]
        assert listened, f"{program} announced without a listening socket:\n" \
                         f"{proc.calls.sequence()}"
        made = listened[0].calls
        bound = next(c for c in made if c.name == "bind")
        exclusive = [c for c in made if c.name == "setsockopt" and not c.failed and
                     c.args[2:3] == ["SO_EXCLUSIVEADDRUSE"] and c.args[3:4] != ["0"]]
        assert exclusive and exclusive[0].number < bound.number, \
            f"lab {lab[:2]}'s {program} listens without SO_EXCLUSIVEADDRUSE before bind:\n" \
            f"{proc.calls.sequence()}"
    finally:
        proc.stop()


# --- the handout ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def whole_handout(tmp_path_factory):
    """A handout of every lab, as make handout writes it."""
    return handout.build(tmp_path_factory.mktemp("handout") / "repo", LABS)


def dead_links(tree):
    """The relative links of TREE's Markdown pages that lead nowhere in it."""
    return [f"{page.relative_to(tree)}: {why}" for page in sorted(tree.rglob("*.md"))
            for why in (broken_link(page, target, tree) for target in links(page)) if why]


def test_every_relative_link_of_a_handout_leads_somewhere(whole_handout):
    """A students' repository has no docs/grading.md, no tests/kit, no solutions: a
    link to any of them is dead there, though it works in the kit."""
    assert (whole_handout / "labs" / "07-http-server" / "README.md").exists()
    dead = dead_links(whole_handout)
    assert not dead, "links that lead nowhere in a students' handout:\n  " + "\n  ".join(dead)


def test_a_handout_of_some_labs_links_none_it_leaves_out(tmp_path):
    """The students' docs name every lab; a release of lab 01 keeps the words of the
    links to the others, not the links."""
    out = handout.build(tmp_path / "repo", kit.select_labs("01"))
    dead = dead_links(out)
    assert not dead, "links that lead nowhere in a handout of lab 01:\n  " + "\n  ".join(dead)
    concepts = (out / "docs" / "concepts.md").read_text(encoding="utf-8")
    assert "(../labs/01-wsastartup/README.md)" in concepts
    assert "labs/02-tcp-client" not in concepts


def test_a_dead_link_of_a_handout_is_found(whole_handout, tmp_path):
    page = whole_handout / "labs" / "01-wsastartup" / "README.md"
    assert broken_link(page, "../../docs/grading.md", whole_handout) is not None
    assert broken_link(page, "../../docs/concepts.md#address-families", whole_handout) is None


def test_a_handout_of_a_later_lab_brings_the_labs_it_links(tmp_path):
    """Lab 05 links lab 02's connect_to and lab 03's open_listener, the student's own:
    a handout of lab 05 alone holds labs 02 and 03 too, and builds them."""
    assert kit.select_labs("05") == ["02-tcp-client", "03-tcp-server", "05-shutdown-options"]
    assert kit.select_labs("05", needs=False) == ["05-shutdown-options"]
    assert kit.select_labs("01") == ["01-wsastartup"]
    out = handout.build(tmp_path / "repo", kit.select_labs("07"))
    # The Makefile, the kit's own, includes the fragment of each lab the handout holds.
    assert (out / "Makefile").read_bytes() == (ROOT / "Makefile").read_bytes()
    assert (out / "labs" / "03-tcp-server" / "Makefile.local").exists()
    assert (out / "labs" / "03-tcp-server" / "listener.c").exists()
    assert (out / "tests" / "unit" / "lab03_test.c").exists()


def hints(text):
    return [int(n) for n in re.findall(r"<details><summary>Hint (\d+)", text)]


def test_hints_2_leaves_each_last_hint_out(tmp_path):
    """make handout HINTS=2: every group of hints keeps its first two; the rest of each
    README is as it is in the kit."""
    out = handout.build(tmp_path / "repo", LABS, hints=2)
    for lab in LABS:
        kept = (out / "labs" / lab / "README.md").read_text(encoding="utf-8")
        whole = (ROOT / "labs" / lab / "README.md").read_text(encoding="utf-8")
        assert 3 in hints(whole), f"{lab}'s README has no Hint 3"
        assert hints(kept) == [n for n in hints(whole) if n <= 2], lab
        assert kept == handout.keep_hints(whole, 2)
        outside = re.sub(r"<details>.*?</details>\n*", "", whole, flags=re.S)
        assert re.sub(r"<details>.*?</details>\n*", "", kept, flags=re.S) == outside, lab
    every = handout.build(tmp_path / "all", LABS)
    for lab in LABS:
        assert (every / "labs" / lab / "README.md").read_text(encoding="utf-8") == \
            (ROOT / "labs" / lab / "README.md").read_text(encoding="utf-8")


def test_hints_must_be_a_number():
    assert handout.hint_count("") is None and handout.hint_count("2") == 2
    with pytest.raises(kit.Problem, match="HINTS: 'two'"):
        handout.hint_count("two")


# --- a hint follows from what failed -------------------------------------------------

def test_a_server_that_ends_before_announcing_is_told_which_call_failed():
    """Not "print the line once listen() has succeeded" for a setsockopt that failed:
    the hint names the call the server reported, and what that call takes."""
    hint = peers.ended_hint("tcp_server: setsockopt: WSAEINVAL (10022): An invalid "
                            "argument was supplied.\n")
    assert "setsockopt failed (WSAEINVAL)" in hint and "sizeof" in hint
    assert "listen() has succeeded" not in hint
    assert "bind failed (WSAEADDRINUSE)" in peers.ended_hint(
        "summary_server: bind: WSAEADDRINUSE (10048): Only one usage\n")
    assert "lab 03" in peers.ended_hint("chat_server: TODO(lab03): open_listener: "
                                        "WSAEOPNOTSUPP (10045): x\n")
    assert "listen() has succeeded" in peers.ended_hint("")
