"""Lab 07's model: what README sections 1 to 4 say of a request, its target and the
answer, as functions; requests generated from the grammar of section 1 with the
mistakes sections 3 and 4 name; and a random site to serve."""
import re
import string

from hypothesis import strategies as st

HEAD_LIMIT = 8192
TARGET_LIMIT = 2048
PATH_LIMIT = 4096

TCHARS = frozenset((string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~").encode())
DEVICES = {"con", "prn", "aux", "nul"} | {f"{p}{d}" for p in ("com", "lpt") for d in "123456789"}
TYPES = {"html": "text/html", "htm": "text/html", "css": "text/css",
         "js": "text/javascript", "png": "image/png", "txt": "text/plain"}
OCTETS = "application/octet-stream"


class Verdict:
    """What the README allows for one input: the statuses (a set) and why, with the
    section that says so."""

    def __init__(self, statuses, why, section, **more):
        self.statuses = set(statuses) if not isinstance(statuses, int) else {statuses}
        self.why, self.section = why, section
        self.__dict__.update(more)

    def said(self):
        shown = " or ".join(str(s) for s in sorted(self.statuses))
        return f"the README (section {self.section}) says {shown}: {self.why}"


# --- head_length and parse_request (sections 1 to 3) --------------------------------

def head_length(data):
    at = data.find(b"\r\n\r\n")
    return 0 if at < 0 else at + 4


def _bare_cr_lf(line):
    return b"\r" in line or b"\n" in line


def parse(head):
    """parse_request's answer for HEAD (a whole head, as head_length measured it):
    a Verdict with .head, .minor and .target when it is 200."""
    end = head.find(b"\r\n")
    line = head[:end] if end >= 0 else head
    parts = line.split(b" ")
    if end < 0 or len(parts) != 3:
        return Verdict(400, "a request line is METHOD SP TARGET SP HTTP/D.D, one "
                            "space between the parts, and ends with CR LF", 3, early=True)
    method, target, version = parts
    ordered = []        # (status, why, section) in the order section 3 gives
    if not re.fullmatch(rb"HTTP/\d\.\d", version):
        ordered.append((400, f"the version {version!r} is not HTTP/D.D", 3))
    elif version[5:6] != b"1":
        ordered.append((505, f"{version.decode()} is a well-formed version whose major "
                             "digit is not 1", 3))
    if len(target) >= TARGET_LIMIT:
        ordered.append((414, f"a target of {len(target)} bytes is TARGET_LIMIT (2048) "
                             "or more", 2))
    shape = None
    if not method or not target:
        shape = "a part of the request line is empty (one space between the parts)"
    elif not all(b in TCHARS for b in method):
        shape = f"the method {method!r} is not a token"
    elif any(b <= 0x20 or b == 0x7F for b in target):
        shape = "the target holds a control byte (a CR or LF that does not end a line " \
                "as CR LF, too)"
    if shape is None and method not in (b"GET", b"HEAD"):
        ordered.append((405, f"{method.decode('latin-1')} is a method other than GET and "
                             "HEAD (they are case-sensitive)", 3))
    headers = _headers(head[end + 2:], version)
    if headers:
        ordered.append(headers)
    if shape is not None:
        # Section 3 orders the version, the target's length, the method and the
        # headers; a request line that is otherwise malformed may be judged first.
        early = [o for o in ordered if o[0] in (505, 414)][:1]
        statuses = {400} | {o[0] for o in early}
        return Verdict(statuses, shape + (f" (and {early[0][1]})" if early else ""), 3,
                       early=True)
    if ordered:
        status, why, section = ordered[0]
        return Verdict(status, why, section, early=status in (400, 505, 414) and
                       ordered[0] is not headers)
    return Verdict(200, "a well-formed request", 1, early=False, head=int(method == b"HEAD"),
                   minor=version[7] - ord("0"), target=target)


def _headers(rest, version):
    """The first problem of the header lines (REST: from the first header line to
    the end of the head) as (400, why, section), or None."""
    hosts = 0
    lines = rest.split(b"\r\n")
    # The head ends with CR LF CR LF: the last two pieces are empty.
    for line in lines[:-2]:
        if _bare_cr_lf(line):
            return 400, f"the header line {line!r} holds a CR or LF that does not end " \
                        "a line as CR LF", 1
        name, colon, value = line.partition(b":")
        if not colon or not name or not all(b in TCHARS for b in name):
            return 400, f"the header line {line!r} is not NAME: VALUE with NAME a token", 1
        if any((b < 0x20 and b != 0x09) or b == 0x7F for b in value):
            return 400, f"the value of {line!r} holds a control byte", 1
        hosts += name.lower() == b"host"
    if hosts > 1:
        return 400, f"{hosts} Host headers: more than one is 400 in any version", 1
    # HTTP/1.2 to 1.9 are read as 1.1 (RFC 9110, 2.5): they need Host too.
    if re.fullmatch(rb"HTTP/1\.[1-9]", version) and hosts != 1:
        return 400, f"an {version.decode()} request needs exactly one Host header", 1
    return None


# --- map_path and content_type (sections 1 and 4) ------------------------------------

def _decode(path):
    """PATH percent-decoded, or None for a bad escape."""
    out = bytearray()
    i = 0
    while i < len(path):
        if path[i:i + 1] == b"%":
            hexa = path[i + 1:i + 3]
            if len(hexa) < 2 or not all(chr(c) in string.hexdigits for c in hexa):
                return None
            out.append(int(hexa, 16))
            i += 3
        else:
            out.append(path[i])
            i += 1
    return bytes(out)


def refused(target):
    """Why section 4 refuses TARGET (bytes), or None. Returns (why, decoded)."""
    if not target.startswith(b"/"):
        return "a target that does not start with '/'", None
    decoded = _decode(target.split(b"?", 1)[0])
    if decoded is None:
        return "a bad percent escape (a '%' without two hex digits after it)", None
    for b in decoded:
        if b < 0x20 or b == 0x7F:
            return f"a control byte (0x{b:02x}) once decoded", decoded
        if bytes([b]) in b'\\<>:"|?*':
            return f"{chr(b)!r} once decoded, a byte Windows reads otherwise", decoded
    for seg in decoded.split(b"/"):
        if seg.endswith((b".", b" ")):
            return f"the segment {seg!r} ends in '.' or a space", decoded
        if seg.split(b".", 1)[0].lower().decode("latin-1") in DEVICES:
            return f"the segment {seg!r} is a Windows device name", decoded
    return None, decoded


def map_path(root, target, size):
    """map_path's answer: a Verdict whose .paths are the paths it may write (for 0)."""
    why, decoded = refused(target)
    path_part = target.split(b"?", 1)[0]
    if decoded is not None:
        index = [decoded.endswith(b"/")]
        if path_part.endswith(b"/") != decoded.endswith(b"/"):
            index = [False, True]       # "%2f" at the end: either reading is the README's
        paths = {root + decoded + (b"index.html" if i else b"") for i in index}
        fits = max(len(p) for p in paths) + 1 <= size
        fits_encoded = len(root) + len(path_part) + 10 * any(index) + 1 <= size
    else:
        paths, fits = set(), True
        fits_encoded = len(root) + len(path_part) + 10 * path_part.endswith(b"/") + 1 <= size
    statuses = set()
    if why:
        statuses.add(400)
    if not fits or not fits_encoded:
        statuses.add(414)
    if not why and fits:
        statuses.add(0)
    said = why or ("the path, root and index.html included, does not fit in "
                   f"{size} bytes" if not fits else "a target inside the folder")
    return Verdict(statuses, said, 4, paths=paths if fits else set())


def content_type(path):
    last = path.rsplit(b"/", 1)[-1]
    if b"." not in last:
        return OCTETS
    return TYPES.get(last.rsplit(b".", 1)[1].lower().decode("latin-1"), OCTETS)


# --- the generators ------------------------------------------------------------------

SEGMENTS = [b"index.html", b"notes.txt", b"sub", b"a b.txt", b"x", b"..", b".", b"%2e%2e",
            b"%2E.", b".%2e", b"a%2fb", b"con", b"NUL.txt", b"com1", b"Lpt9.x", b"com0",
            b"con.", b"x.", b"x ", b"x%20", b"%00", b"%0a", b"%zz", b"%4", b"%", b"a\\b",
            b"c:", b"a%5cb", b"%3a", b"x%3fy", b"file.TXT", b"page.HtM", b"%7f", b"\xff",
            b"a<b", b"a|b", b'a"b', b"a*b", b"auxx", b"prn.txt.bak", b"%41%42c",
            # the bytes beside the hex digits, and the device names' near misses
            b"%:0", b"%/1", b"%@1", b"%G1", b"%`1", b"%g1", b"%1:", b"%1g", b"%5z", b"x%5",
            b"%4a%4F", b"%1f", b"%1F", b"cox", b"coa1", b"lpa1", b"nux.txt", b"aus", b"COM9",
            b"lpt0", b"Prn"]


def segment():
    return st.one_of(st.sampled_from(SEGMENTS),
                     st.binary(min_size=1, max_size=6).map(
                         lambda b: bytes(c for c in b if c not in b"/?% \r\n\x00") or b"q"),
                     # any byte escaped, with upper- or lower-case hex digits
                     st.tuples(st.integers(0, 255), st.booleans()).map(
                         lambda t: (b"x%%%02X" if t[1] else b"x%%%02x") % t[0]))


def targets(names=()):
    """Request targets: paths from the site's NAMES and from the segments above,
    sometimes with a query, now and then one that does not start with '/'."""
    paths = st.lists(segment(), min_size=0, max_size=4).map(lambda s: b"/" + b"/".join(s))
    if names:
        site = st.sampled_from(sorted(names)).map(lambda n: b"/" + n)
        paths = st.one_of(site, site, paths, site.map(_percent_one))
    query = st.sampled_from([b"", b"", b"", b"?x=1", b"?a/../b", b"?%zz"])
    usual = st.tuples(paths, query, st.sampled_from([b"", b"", b"/"])).map(
        lambda t: t[0] + t[2] + t[1] if t[2] and not t[0].endswith(b"/") else t[0] + t[1])
    return st.one_of(
        usual, usual, usual, usual, usual, usual,
        st.sampled_from([b"x", b"*", b"http://h/x", b"", b"index.html"]),
        st.integers(1, 3).map(lambda k: b"/" + b"a" * (TARGET_LIMIT - 4 + k)))


def _percent_one(path):
    """PATH with its last letter percent-encoded (the same file, decoded)."""
    for i in range(len(path) - 1, 0, -1):
        if chr(path[i]).isalnum():
            return path[:i] + b"%%%02X" % path[i] + path[i + 1:]
    return path


METHODS = [b"GET"] * 6 + [b"HEAD"] * 3 + [b"POST", b"PUT", b"get", b"Head", b"OPTIONS",
                                         b"G(T", b"GE\x01T", b"X-Y"]
VERSIONS = [b"HTTP/1.1"] * 6 + [b"HTTP/1.0"] * 2 + [b"HTTP/1.2", b"HTTP/2.0", b"HTTP/0.9",
                                                   b"HTTP/1", b"http/1.1", b"HTTP/11.1",
                                                   b"HTTP/a.1", b"HTTP/1.1x", b"HTTP/3.1"]
NAMES = [b"Host", b"host", b"HOST", b"Accept", b"User-Agent", b"X-Y", b"Host ", b"",
         b"X(Y", b"Ho st", b"a\x00"]
VALUES = [b"127.0.0.1", b"", b" x ", b"a\tb", b"x\x01y", b"x\x7f", b"\xff\xfe", b"*/*",
          b"\t", b"a\x08b", b"\x1f", b"~"]


def values():
    """A header's value: one of VALUES, or one byte of any kind between two letters."""
    return st.one_of(st.sampled_from(VALUES),
                     st.integers(0, 255).map(lambda c: b"v" + bytes([c]) + b"w"))
ENDS = [b"\r\n"] * 12 + [b"\n", b"\r", b"\r\r\n"]


@st.composite
def requests(draw, names=()):
    """(bytes, what) of one request: a request line and headers from the grammar of
    section 1, each part now and then one of the mistakes section 3 lists."""
    method = draw(st.sampled_from(METHODS))
    target = draw(targets(names))
    version = draw(st.sampled_from(VERSIONS))
    seps = draw(st.sampled_from([(b" ", b" ")] * 10 + [(b"  ", b" "), (b" ", b"\t"),
                                                        (b" ", b"")]))
    hosts = draw(st.sampled_from([1, 1, 1, 1, 0, 2]))
    headers = [(b"Host", b": ", b"127.0.0.1", b"\r\n")] * hosts
    for _ in range(draw(st.integers(0, 3))):
        headers.insert(draw(st.integers(0, len(headers))),
                       (draw(st.sampled_from(NAMES)), draw(st.sampled_from([b": ", b":"])),
                        draw(values()), draw(st.sampled_from(ENDS))))
    line = method + seps[0] + target + seps[1] + version + draw(st.sampled_from(ENDS))
    data = line + b"".join(n + s + v + e for n, s, v, e in headers) + b"\r\n"
    if not data.endswith(b"\r\n\r\n"):
        data += b"\r\n"
    return data




# --- the checks ----------------------------------------------------------------------

from .. import expect, peers  # noqa: E402
from . import Crashed, Driver, Exploration, crash_text, scaled, shown  # noqa: E402

FUNCTION_CASES = 150
FUNCTION_SHRINKS = 300
FUNCTION_SECONDS = 20.0
ROOTS = [b"root", b"r", b"www/site"]
TYPE_NAMES = [b"a.html", b"b.HTM", b"c.css", b"d.Js", b"e.png", b"f.TXT", b"g.txt.bak",
              b"h", b"i.", b".txt", b"j.jpeg", b"k.tar.gz", b"l.PnG"]


def function_cases():
    """One case of lab 07's functions: a request (cut somewhere, for head_length), a
    target to map, or a path to type."""
    return st.one_of(
        st.tuples(st.just("request"), requests(), st.integers(0, 300)),
        st.tuples(st.just("path"), st.sampled_from(ROOTS), targets(),
                  st.one_of(st.just(PATH_LIMIT), st.integers(1, 48))),
        st.tuples(st.just("type"), st.sampled_from([b"root/", b"root/x.d/", b"root/a.txt/"]),
                  st.sampled_from(TYPE_NAMES)))


FUNCTION_HINT = ("Run your function on the case above yourself (a unit test of your own, "
                 "or a few lines in a main) and compare with the README section named. "
                 "Work on bytes and lengths, not C strings.")


def check_functions(start, seed):
    """lab 07's functions against the model, through the driver lab07_model."""
    with Driver(start, "lab07_model") as driver:
        Exploration(seed, scaled(FUNCTION_CASES), FUNCTION_SHRINKS,
                    FUNCTION_SECONDS).run(function_cases(), lambda c: _function(driver, c))


def _function(driver, case):
    kind = case[0]
    try:
        if kind == "request":
            _request(driver, case[1], case[2])
        elif kind == "path":
            _path(driver, *case[1:])
        else:
            path = case[1] + case[2]
            got = driver.ask("T", path).bytes()
            want = content_type(path).encode()
            if got != want:
                raise expect.Failure(
                    f"content_type({shown(path)}) returned {shown(got or b'NULL')}; the "
                    f"README (section 1) says {want.decode()}",
                    expected=want.decode(), got=(got or b"NULL").decode("latin-1"),
                    hint="The type comes from the extension of the file's name (after the "
                         "last '.' of the last segment), compared without case.")
    except Crashed as crash:
        raise expect.Failure(f"the driver crashed or hung on this case: {_case_text(case)}",
                             got=crash_text(crash.args[0]),
                             hint="The sanitizer's report or the crash above names the "
                                  "line: read and write only inside the buffers you are "
                                  "given, by their lengths.") from None


def _case_text(case):
    if case[0] == "request":
        return f"the request {shown(case[1])}"
    if case[0] == "path":
        return f"map_path({shown(case[1])}, {shown(case[2])}, path, {case[3]})"
    return f"content_type({shown(case[1] + case[2])})"


def _request(driver, data, cut):
    part = data[:cut]
    for piece in (part, data):
        got = driver.ask("L", piece).int()
        want = head_length(piece)
        if got != want:
            raise expect.Failure(
                f"head_length of these {len(piece)} bytes returned {got}; the README "
                f"(section 2) says {want}: the head ends with the first blank line "
                "(CR LF CR LF), 0 while none has come",
                expected=str(want), got=str(got),
                hint=f"bytes: {shown(piece)}\nLook for \\r\\n\\r\\n at every offset i while "
                     "i + 4 <= len (len - 4 wraps round below 4: len is a size_t), by length "
                     "(the bytes are not a C string).")
    head = data[:head_length(data)]
    reply = driver.ask("P", head)
    status, flag, minor, target = reply.int(), reply.int(), reply.int(), reply.bytes()
    v = parse(head)
    if status not in v.statuses:
        raise expect.Failure(f"parse_request returned {status} for this head; {v.said()}",
                             expected=" or ".join(map(str, sorted(v.statuses))),
                             got=str(status), hint=f"head: {shown(head)}\n{FUNCTION_HINT}")
    if status == 200 and (flag, minor, target) != (v.head, v.minor, v.target):
        raise expect.Failure("parse_request accepted this head but filled in the request "
                             "otherwise than the README says",
                             expected=f"head={v.head} minor={v.minor} target={shown(v.target)}",
                             got=f"head={flag} minor={minor} target={shown(target or b'')}",
                             hint=f"head: {shown(head)}\nreq->head is 1 for HEAD, minor the "
                                  "version's last digit, target the second part as sent.")


def _path(driver, root, target, size):
    reply = driver.ask("M", root, target, size)
    status, path, broke = reply.int(), reply.bytes(), reply.int()
    v = map_path(root, target, size)
    call = f"map_path({shown(root)}, {shown(target)}, path, {size})"
    if broke:
        raise expect.Failure(f"{call} wrote past the {size} bytes of path",
                             expected=f"at most {size} bytes written",
                             got="bytes changed after them",
                             hint="Check the room left before each byte you write, the NUL "
                                  "included: 414 when it does not fit.")
    if status not in v.statuses:
        raise expect.Failure(f"{call} returned {status}; {v.said()}",
                             expected=" or ".join(map(str, sorted(v.statuses))),
                             got=str(status), hint=FUNCTION_HINT)
    if status == 0 and path not in v.paths:
        raise expect.Failure(f"{call} wrote another path than the README says (section 4)",
                             expected=" or ".join(shown(p) for p in sorted(v.paths)),
                             got=shown(path) if path is not None else "no NUL in path",
                             hint="The path is root, then the target up to '?' "
                                  "percent-decoded, then index.html after a final '/'.")


# --- the server ----------------------------------------------------------------------

SERVER_CASES = 200
SERVER_SHRINKS = 60
SERVER_SECONDS = 20.0
ANSWER_TIMEOUT = 10.0


class Site:
    """A random folder to serve, made from RNG under WORKDIR/root: files of every
    type at one or two levels, folders with an index.html and without."""

    def __init__(self, workdir, rng):
        self.root = workdir / "root"
        self.files = {}
        self.folders = {b""}
        words = set()

        def word():
            while True:
                w = "".join(rng.choice(string.ascii_lowercase + string.digits + "-_")
                            for _ in range(rng.randint(1, 8)))
                if w.lower() not in words and w.split(".")[0] not in DEVICES:
                    words.add(w.lower())
                    return w
        for folder in [""] + [word() for _ in range(rng.randint(2, 3))]:
            self.folders.add(folder.encode())
            if folder and rng.random() < 0.5:
                self.files[f"{folder}/index.html".encode()] = f"<p>{word()}</p>".encode()
            for _ in range(rng.randint(2, 4)):
                ext = rng.choice(["html", "htm", "css", "js", "png", "txt", "TXT", "Png",
                                  "bin", "", "gz"])
                name = word() + ("." + ext if ext else "")
                path = f"{folder}/{name}" if folder else name
                size = rng.choice([0, 1, 17, 300, 5000, 70000])
                self.files[path.encode()] = peers.payload(size, rng.random())
        self.files[b"index.html"] = b"<p>home</p>\n"
        for name, data in self.files.items():
            path = self.root / name.decode()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        for folder in self.folders:
            (self.root / folder.decode()).mkdir(parents=True, exist_ok=True)
        (workdir / "secret.txt").write_bytes(b"secret")

    def names(self):
        return list(self.files) + [f for f in self.folders if f]

    def lookup(self, decoded):
        """(status, body, type) of the file a decoded path names."""
        parts = [p for p in decoded.split(b"/") if p]
        name = b"/".join(parts)
        if decoded.endswith(b"/") or name in self.folders:
            name = (name + b"/" if name else b"") + b"index.html"
        if name in self.files:
            return 200, self.files[name], content_type(name)
        return 404, None, "text/plain"


@st.composite
def server_cases(draw, names):
    """(request bytes, cut offsets): a request, sent in pieces."""
    data = draw(st.one_of(requests(names), requests(names), requests(names),
                          st.sampled_from(["long-line", "long-headers"])))
    if data == "long-line":
        data = b"GET /" + b"a" * (HEAD_LIMIT + 100)
    elif data == "long-headers":
        data = b"GET / HTTP/1.1\r\nHost: h\r\nX: " + b"a" * HEAD_LIMIT + b"\r\n\r\n"
    cuts = sorted(set(draw(st.lists(st.integers(1, max(1, len(data) - 1)), max_size=3))))
    return data, tuple(c for c in cuts if c < len(data))


def answer_for(data, site):
    """What the README says the server answers DATA with: a Verdict with .body (the
    file's bytes for 200, None for an error), .type and .method_head. A request that
    starts "HEAD " gets no body, whatever the status (section 3)."""
    head_method = data.startswith(b"HEAD ")
    if head_length(data[:HEAD_LIMIT]) == 0:
        status = 414 if b"\n" not in data[:HEAD_LIMIT] else 431
        return Verdict(status, "no blank line within HEAD_LIMIT (8192) bytes, " +
                       ("before the request line ended" if status == 414 else
                        "in the headers"), 2, body=None, type="text/plain",
                       method_head=head_method)
    head = data[:head_length(data)]
    v = parse(head)
    v.method_head = head_method
    v.body, v.type = None, "text/plain"
    if v.statuses != {200}:
        return v
    m = map_path(b"", v.target, PATH_LIMIT)
    if 0 not in m.statuses:
        m.method_head, m.body, m.type = head_method, None, "text/plain"
        return m
    status, body, ctype = site.lookup(refused(v.target)[1])
    why = "the file under the folder" if status == 200 else "no such file under the folder"
    return Verdict(status, why, 1 if status == 200 else 3, body=body, type=ctype,
                   method_head=bool(v.head))


SERVER_HINT = ("Send this request yourself (printf '...' | ncat 127.0.0.1 PORT, or "
               "curl) and read the answer against the README section named.")


class Servers:
    """http_server on the site: one for the whole search (hundreds of requests on one
    server), and a fresh one for each case while a failure is shrunk."""

    def __init__(self, start, exploration):
        self.start, self.exploration = start, exploration
        self.proc = None
        self.served = 0

    def get(self):
        fresh = self.exploration.shrinking
        if self.proc is not None and (fresh or self.proc.poll() is not None):
            self.proc.stop()
            self.proc = None
        if self.proc is None:
            self.proc = self.start("http_server", "--root", "root", "--timeout", "5",
                                   timeout=600)
            self.proc.host, self.proc.port = peers.announced(self.proc, 10)
            self.served = 0
        return self.proc


def check_server(start, workdir, rng, seed):
    """http_server against the model, on random requests to a random site."""
    site = Site(workdir, rng)
    exploration = Exploration(seed, scaled(SERVER_CASES), SERVER_SHRINKS, SERVER_SECONDS)
    servers = Servers(start, exploration)
    exploration.run(server_cases(site.names()), lambda c: _serve(servers, site, c))


def _serve(servers, site, case):
    data, cuts = case
    proc = servers.get()
    before = servers.served
    servers.served += 1
    pieces = [data[a:b] for a, b in zip((0,) + cuts, cuts + (len(data),))]
    v = answer_for(data, site)
    where = (f"\n(the server had answered {before} requests before this one)" if before
             else "")
    try:
        sock = peers.connect(proc.host, proc.port, ANSWER_TIMEOUT)
    except OSError as e:
        raise expect.Failure(f"the grader could not connect to the server{where}",
                             expected="a connection", got=str(e), result=proc.stop(),
                             hint="Keep serving: one client's request, whatever it is, "
                                  "must not end the server.") from None
    with sock:
        sock.setsockopt(peers.socket.IPPROTO_TCP, peers.socket.TCP_NODELAY, 1)
        try:
            for piece in pieces:
                sock.sendall(piece)
        except OSError:
            pass                # the server answered early; read what it said
        raw, how = peers.recv_until_close(sock, ANSWER_TIMEOUT)
    _judge(proc, data, pieces, v, raw, how, where)


def _split(raw):
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.fullmatch(r"HTTP/1\.[01] (\d{3})( .*)?", lines[0]) if sep else None
    headers = {}
    for line in lines[1:] if m else []:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return (int(m.group(1)) if m else None), headers, body


def _judge(proc, data, pieces, v, raw, how, where):
    status, headers, body = _split(raw)
    sent = shown(data) + (f" (sent in {len(pieces)} pieces)" if len(pieces) > 1 else "")
    got_head = raw.partition(b"\r\n\r\n")[0][:400].decode("latin-1") or "(nothing)"
    got = f"{got_head}\n({len(body)} bytes of body; then {how})"

    def fail(problem, expected, hint):
        # The server's stderr says more; the next case starts a fresh one anyway.
        return expect.Failure(f"{problem}{where}\nrequest:  {sent}", expected=expected,
                              got=got, hint=hint, result=proc.stop())
    if status is None:
        raise fail("this request got no answer the grader could read" +
                   (" (the server reset the connection)" if how == "reset" else ""),
                   f"HTTP/1.1 {' or '.join(map(str, sorted(v.statuses)))} ...", SERVER_HINT)
    if status not in v.statuses:
        raise fail(f"this request got {status}; {v.said()}",
                   f"HTTP/1.1 {' or '.join(map(str, sorted(v.statuses)))} ...", SERVER_HINT)
    if how != "eof":
        raise fail("the server did not close the connection after its answer",
                   "the answer, then the end-of-file (Connection: close)",
                   "Answer one request per connection: after the answer, shutdown and "
                   "close (finish does it).")
    want_body = b"" if v.method_head else (v.body if status == 200 else None)
    if headers.get("connection", "").lower() != "close":
        raise fail("the answer has no 'Connection: close' (section 6)",
                   "Connection: close", SERVER_HINT)
    length = headers.get("content-length")
    size = len(v.body) if status == 200 else None
    if status == 200:
        if length != str(size):
            raise fail(f"Content-Length is {length}; the README (section 1) says {size}, "
                       "the file's size (for HEAD too)", f"Content-Length: {size}",
                       "Content-Length is the file's size in bytes (stat), the same for "
                       "HEAD, which sends no body.")
        if headers.get("content-type") != v.type:
            raise fail(f"Content-Type is {headers.get('content-type')}; the README "
                       f"(section 1) says {v.type}", f"Content-Type: {v.type}",
                       "The type comes from the extension, compared without case; "
                       "anything else is application/octet-stream.")
        if body != want_body:
            at = expect.first_difference(want_body, body)
            raise fail("the body is not " + ("empty, as a HEAD's must be" if v.method_head
                                             else "the file, byte for byte"),
                       f"{len(want_body)} bytes", expect.bytes_hint(want_body, body, at, sent=True)
                       or "Send the file's bytes exactly: fopen with \"rb\", then send_all.")
        return
    if length is None or not length.isdigit() or (not v.method_head and
                                                  length != str(len(body))):
        raise fail(f"the {status} answer's Content-Length is {length}, and {len(body)} "
                   "bytes of body came", "Content-Length: the body's length",
                   "An error answer has a short text/plain body and its Content-Length "
                   "(send_status).")
    if status == 405 and headers.get("allow", "").replace(" ", "") != "GET,HEAD":
        raise fail("the 405 answer has no 'Allow: GET, HEAD' (section 3)",
                   "Allow: GET, HEAD", "RFC 9110 requires Allow with 405: send_status does it.")
    if v.method_head and body:
        raise fail(f"this HEAD request's {status} answer has a body; the README (section 3)"
                   " says none for HEAD", "no body", "An answer to HEAD never has a body, "
                   "an error's neither: pass head on to send_status.")
    if not v.method_head and str(status).encode() not in body:
        raise fail(f"the {status} answer's body does not name its status (section 3)",
                   f"a short text/plain body such as '{status} ...'",
                   "send_status writes the status and its reason as the body.")
