"""HTTP server

Lab 07's behaviours: the unit tests of httpserver.c, then http_server run as a
program serving a folder the grader makes (random pages, style sheets, scripts,
images and binary files) to the grader's own raw HTTP clients: requests whole and in
pieces, HEAD, folders, every error status, a client that sends half a request and
waits, traversal attempts of every kind, the server's sockets read from its record,
and real clients nobody here wrote: curl and, where one is installed, a headless
Chromium. In the stream tests the layer makes send and recv short.
"""
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import zlib
import struct
from pathlib import Path

import pytest

from gradelib import browser, expect, peers, platform, servers
from gradelib.servers import failure

UNITS = "lab07_units"
CLIENT_TIMEOUT = 20
EXIT_TIMEOUT = 10
# The --timeout the grader gives the server where a test waits it out.
SHORT_TIMEOUT = 2
# httpserver.h's PATH_LIMIT: the longest path map_path makes, its NUL included.
PATH_LIMIT = 4096
HEAD_LIMIT = 8192

# The calls the README expects of http_server, drawn beside a failed test's on the
# report page (gradelib.page.expected); a test whose path differs says its own.
LISTEN = ("WSAStartup: version 2.2",
          "getaddrinfo: the --bind address and --port, AI_PASSIVE",
          "socket s1: of that address's family",
          "setsockopt s1: SO_EXCLUSIVEADDRUSE, before bind", "bind s1: that address",
          "listen s1: with open_listener, yours from lab 03",
          "announce s1: listening on ADDR:PORT, once listen succeeded")
ACCEPT = "accept s1: s2, the next client, once the last one is closed"
WAIT = "select s2: readable, within what is left of --timeout"
READ = (WAIT, "recv s2: appended to the head; again until CR LF CR LF")
HEADER = "send s2: 200, its headers, a blank line, until all of it went"
BODY = "send s2: the file, chunk by chunk, each until every byte went"
FINISH = ("shutdown s2: SD_SEND, once the answer is sent (finish)",
          "recv s2: what the client still sends, for a moment",
          "closesocket s2: then accept the next client")
pytestmark = pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ, HEADER, BODY,
                                  *FINISH)


def refusal(status, why):
    """The steps of an answer with the error STATUS (why, in a few words) and its body."""
    return (f"send s2: {status} and its headers: {why}",
            f"send s2: a short text/plain body naming {status}")


NO_BODY = "shutdown s2: SD_SEND, no body: HEAD gets none, whatever status"
NEXT = "accept s1: s2, the next client, served as every other"


# --- httpserver.c, through its unit tests (tests/unit/lab07_test.c) -----------------

@pytest.mark.points(3)
def test_unit_request(unit):
    """head_length and parse_request: the request line, its errors and its limit (unit tests)"""
    unit(UNITS, "Request", "head_length looks for all four bytes CR LF CR LF at each i "
         "while i + 4 <= len (len - 4 wraps round below 4). "
         "The request line is METHOD SP TARGET SP HTTP/D.D and ends with "
         "CR LF: one space each, nothing else, neither part empty, the method a token "
         "(G(T and (ET are 400). Check the "
         "version first (400 for one that is not HTTP/D.D, 505 for another major), then "
         "414 for a long target, then 405 for a method other than GET or HEAD: POST / "
         "HTTP/2.0 is 505. req->head says HEAD whatever the status.")


@pytest.mark.points(2)
def test_unit_headers(unit):
    """parse_request: header lines and Host (unit tests)"""
    unit(UNITS, "Headers", "Each header line is NAME: VALUE and ends with CR LF, the name "
         "a token (no space before the colon, in any header), the value without control "
         "bytes but tab (a bare LF is 400); an HTTP/1.1 request must have exactly one "
         "Host (any case), HTTP/1.0 may have none; two are 400 in any version.")


@pytest.mark.points(3)
def test_unit_path(unit):
    """map_path: decoding, index.html, .. and its encodings refused, the limit (unit tests)"""
    unit(UNITS, "Path", "Cut the target at '?', percent-decode it, and only then check "
         "every segment: %2e%2e is '..'. Refuse with 400 what does not start with '/'; "
         "414 when root, path and index.html do not fit.")


@pytest.mark.points(2)
def test_unit_windows_path(unit):
    """map_path: backslashes, drive letters, device names and trailing dots refused everywhere (unit tests)"""
    unit(UNITS, "WindowsPath", "Windows reads '\\' as '/', 'C:' as a drive, NUL or "
         "com1.txt as a device, and drops a trailing dot or space: refuse all of them, on "
         "every platform, after decoding.")


@pytest.mark.points(1)
def test_unit_types(unit):
    """content_type by extension, in any case (unit tests)"""
    unit(UNITS, "Types", "Take the extension after the last '.' of the file name (not of "
         "a folder), compare it ignoring case, and give application/octet-stream for "
         "anything else.")


@pytest.mark.points(3)
def test_unit_read_head(unit):
    """read_head: a head in pieces, a timeout, a client that left, 414 and 431 (unit tests)"""
    unit(UNITS, "ReadHead", "recv in a loop, appending, until head_length finds the blank "
         "line; wait with select and one deadline for the whole head (408 when it passes); "
         "a full buffer is 414 before the first line end, 431 after, but a head whose blank "
         "line ends in its last byte is whole; recv 0 is -1.")


@pytest.mark.points(2)
def test_unit_answer(unit):
    """send_status and send_file: status lines, headers, a binary file exactly (unit tests)"""
    unit(UNITS, "Answer", "Open the file with \"rb\" (text mode changes CR LF and stops "
         "at 0x1A on Windows), send its size as Content-Length, then its bytes with "
         "send_all, every byte of it whatever its size; 405 carries Allow: GET, HEAD.")


# --- what this lab links from earlier labs: the student's own, with their unit tests --

@pytest.mark.points(1)
def test_reused_open_listener(unit):
    """open_listener, lab 03's function that http_server links, passes lab 03's unit tests"""
    for case in ("Listener", "Restart"):
        unit("lab03_units", case, "http_server listens with your open_listener from lab 03 "
             "(labs/03-tcp-server/listener.c): these are lab 03's unit tests of it. Fix "
             "it there (make grade LAB=03 says more); until then http_server's tests "
             "below fail with it.")


# --- the site the grader serves ------------------------------------------------------

def png(width, height, rgb):
    """A PNG image of one colour."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" +
            chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


class Site:
    """A folder of files under the test's work directory, and a secret beside it."""

    def __init__(self, workdir, rng):
        self.root = workdir / "root"
        (self.root / "sub").mkdir(parents=True)
        word = lambda: "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(12))
        self.color = tuple(rng.randrange(256) for _ in range(3))
        self.width, self.height = rng.randint(20, 90), rng.randint(5, 40)
        self.files = {
            "index.html": PAGE.format(word=word(), width=self.width).encode(),
            "style.css": ("#probe { color: rgb(%d, %d, %d); }\n/* %s */\n" %
                          (*self.color, word())).encode(),
            "app.js": f"var word = '{word()}';\n".encode(),
            "image.png": png(self.width, self.height, self.color),
            "notes.txt": f"{word()}\r\n{word()}\n".encode(),
            "data.bin": peers.payload(300000 + rng.randrange(65536), rng),
            "Photo.PNG": peers.payload(2000, rng),
            "sub/index.html": f"<p>{word()}</p>\n".encode(),
            "sub/page.htm": f"<p>{word()}</p>\n".encode(),
            "a b.txt": word().encode(),
        }
        for name, data in self.files.items():
            (self.root / name).write_bytes(data)
        self.secret = word().encode()
        (workdir / "secret.txt").write_bytes(self.secret)
        self.secret_path = workdir / "secret.txt"


PAGE = """<!DOCTYPE html>
<html><head><title>{word}</title><link rel="stylesheet" href="style.css"></head>
<body><p id="probe">{word}</p><img id="img" src="image.png" alt="">
<pre id="result">waiting</pre>
<script>
window.addEventListener("load", function () {{
  var img = document.getElementById("img");
  var color = getComputedStyle(document.getElementById("probe")).color;
  document.getElementById("result").textContent =
    "color=" + color + " naturalWidth=" + img.naturalWidth;
}});
</script></body></html>
"""


@pytest.fixture
def site(workdir, rng):
    return Site(workdir, rng)


# http_server on the site's folder.
server = servers.fixture("http_server", "--root", "root", timeout=90, needs=("site",))


class Answer:
    """What a server sent back: its status, headers (lower-case names) and body."""

    def __init__(self, raw, how):
        self.raw, self.how = raw, how
        head, sep, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.fullmatch(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0]) if sep else None
        self.status = int(m.group(1)) if m else None
        self.headers = {}
        for line in lines[1:] if m else []:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def shown(self):
        head = self.raw.partition(b"\r\n\r\n")[0][:600]
        return (head.decode("latin-1") or "(nothing)") + \
            f"\n({len(self.body)} bytes of body; then {self.how})"


def send_request(proc, data, pieces=None, pause=0.0):
    """Connects and sends DATA (or each of PIECES, PAUSE s apart). Returns the socket."""
    sock = servers.connected(proc, CLIENT_TIMEOUT, "Keep the listening socket open and "
                             "accept the next client after each one.")
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for piece in pieces or [data]:
            sock.sendall(piece)
            if pause:
                time.sleep(pause)       # pacing only: every byte is read either way
    except OSError:
        pass                            # the server answered early: read the answer
    return sock


def request(proc, data, pieces=None, pause=0.0, timeout=CLIENT_TIMEOUT):
    """Sends a raw request and reads the answer until the server closes."""
    with send_request(proc, data, pieces, pause) as sock:
        raw, how = peers.recv_until_close(sock, timeout)
    return Answer(raw, how)


def get(path, method="GET", version="HTTP/1.1", extra=""):
    return f"{method} {path} {version}\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode()


def text_mode(data):
    """What Windows' C library reads of DATA from a file opened with "r": CR LF as LF,
    and nothing from the first 0x1A on."""
    return data.split(b"\x1a", 1)[0].replace(b"\r\n", b"\n")


TEXT_MODE_HINT = ("The body is the file as text mode reads it on Windows: each CR LF as LF, "
                  "and nothing from the first 0x1A byte on. Open the file with "
                  "fopen(path, \"rb\").")


def expect_answer(proc, answer, what, status, body=None, content_type=None, hint=""):
    """Checks an answer's status, and (given) its body, Content-Length and type; the
    server must close after it (Connection: close)."""
    problem = None
    if answer.status != status:
        problem = f"the status line should say {status}"
    elif answer.how != "eof":
        problem = "the server should close the connection after its answer"
    elif body is not None and answer.body != body:
        at = expect.first_difference(body, answer.body)
        problem = (f"the body differs from the file ({len(answer.body)} bytes, not "
                   f"{len(body)}; first difference at byte {at})")
        if text_mode(body) != body and answer.body == text_mode(body):
            hint = TEXT_MODE_HINT
        else:
            hint = expect.bytes_hint(body, answer.body, at, sent=True) or hint
    elif body is not None and answer.headers.get("content-length") != str(len(body)):
        problem = f"Content-Length should be {len(body)}"
    elif content_type and answer.headers.get("content-type") != content_type:
        problem = f"Content-Type should be {content_type}"
    if problem:
        raise failure(proc, f"{what}: {problem}",
                      f"HTTP/1.1 {status} ..." + (f", Content-Type: {content_type}"
                                                   if content_type else "") +
                      (f", Content-Length: {len(body)} and those bytes" if body is not None
                       else ""), answer.shown(), hint)


def still_running(proc, after):
    servers.still_running(proc, after, "A client that goes wrong ends its own "
                          "connection: close it and accept the next.")


# --- http_server ------------------------------------------------------------------------

@pytest.mark.expected("http_server", "exit: 1, the usage on stderr, before any socket call")
@pytest.mark.points(1)
def test_usage(run, site):
    """http_server refuses a bad command line, or a --root that is not a folder, with its usage"""
    for args in [(), ("--root",), ("--root", "no-such-folder"), ("--root", "root/notes.txt"),
                 ("--root", "root", "--timeout", "0"), ("--root", "root", "--timeout", "3601"),
                 ("--root", "root", "--timeout", "--port", "0"),
                 ("--root", "root", "--port", "x"), ("--root", "root", "extra")]:
        result = run("http_server", *args)
        expect.exits(result, 1, hint="Check --root names a folder (stat and S_ISDIR), "
                                     "--timeout is 1 to 3600, and give the other options to "
                                     "kit_server_args; print the usage and exit 1 when any "
                                     "is wrong.")
        expect.usage(result)


@pytest.mark.expected("http_server", *LISTEN[:4],
                      "bind s1 fails: WSAEADDRINUSE, another socket holds the port",
                      "closesocket s1", "WSACleanup", "exit: 2, the bind error line on stderr")
@pytest.mark.points(1)
def test_port_in_use(run, site):
    """a port in use: exit 2 and the WSAEADDRINUSE error line"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        result = run("http_server", "--root", "root", "--port", taken.getsockname()[1],
                     timeout=EXIT_TIMEOUT)
    expect.exits(result, 2, hint="When open_listener fails, report its call with kit_error, "
                                 "call WSACleanup and exit 2.")
    expect.error_line(result, "bind", "WSAEADDRINUSE", 10048)


@pytest.mark.points(3)
def test_get_index(server, site):
    """GET / answers 200 with index.html, text/html, its Content-Length, Connection: close"""
    proc = server()
    answer = request(proc, get("/"))
    expect_answer(proc, answer, "GET /", 200, site.files["index.html"], "text/html",
                  "A target that ends in '/' names the folder's index.html. Send the "
                  "status line, Content-Type, Content-Length and Connection: close, a blank "
                  "line, the file, then close.")
    if answer.headers.get("connection", "").lower() != "close":
        raise failure(proc, "the answer does not say Connection: close",
                      "a header line Connection: close", answer.shown(),
                      "The server closes after each answer: say so, so that the client "
                      "does not wait for a second answer on the connection.")


@pytest.mark.points(2)
def test_content_types(server, site):
    """each file comes with the Content-Type of its extension, in any case"""
    proc = server()
    for name, kind in [("style.css", "text/css"), ("app.js", "text/javascript"),
                       ("image.png", "image/png"), ("notes.txt", "text/plain"),
                       ("Photo.PNG", "image/png"), ("sub/page.htm", "text/html"),
                       ("data.bin", "application/octet-stream")]:
        expect_answer(proc, request(proc, get("/" + name)), f"GET /{name}", 200,
                      site.files[name], kind, "content_type: compare the extension "
                      "ignoring case; anything unknown is application/octet-stream.")


@pytest.mark.points(4)
@pytest.mark.faults("short-send", "short-recv")
def test_binary_file(server, site):
    """a binary file with awkward bytes comes byte for byte, whatever send takes"""
    proc = server()
    expect_answer(proc, request(proc, get("/data.bin")), "GET /data.bin", 200,
                  site.files["data.bin"], "application/octet-stream",
                  "Open with \"rb\", read in chunks with fread and send each with a loop "
                  "around send: it may take fewer bytes than asked.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      "send s2: 200 and the headers GET gets, Content-Length too",
                      NO_BODY, *FINISH[1:])
@pytest.mark.points(2)
def test_head(server, site):
    """HEAD gives the headers GET would give, and no body"""
    proc = server()
    for name in ("notes.txt", "image.png"):
        answer = request(proc, get("/" + name, "HEAD"))
        length = str(len(site.files[name]))
        if answer.status != 200 or answer.body or answer.how != "eof" or \
                answer.headers.get("content-length") != length:
            raise failure(proc, f"HEAD /{name} should answer as GET would, without the "
                          "body", f"HTTP/1.1 200 OK, Content-Length: {length}, then nothing",
                          answer.shown(), "For HEAD send the same status line and headers "
                          "(Content-Length of the file), and not the file.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      "send s2: the error's status line and headers, as for GET",
                      NO_BODY, *FINISH[1:])
@pytest.mark.points(1)
def test_head_errors(server, site, rng):
    """an error answer to HEAD has no body either, whatever its status"""
    proc = server()
    long_target = "/" + "a" * rng.randint(2100, 6000)
    headers = "".join(f"X-Filler-{i}: {'c' * 100}\r\n" for i in range(200))
    for line, status in [("/no-such-file.html", 404), ("/../secret.txt", 400),
                         ("/ HTTP/2.0", 505), (long_target, 414)]:
        target, _, version = line.partition(" ")
        for method in ("GET", "HEAD"):
            data = get(target, method, version or "HTTP/1.1")
            answer = request(proc, data)
            if method == "GET":
                expect_answer(proc, answer, f"GET {line[:40]}", status)
                length = answer.headers.get("content-length")
            elif answer.status != status or answer.body or answer.how != "eof" or \
                    answer.headers.get("content-length") != length:
                raise failure(proc, f"HEAD {line[:40]}: the answer should be GET's, "
                              "without the body", f"HTTP/1.1 {status}, Content-Length: "
                              f"{length}, then nothing", answer.shown(), HEAD_ERROR_HINT)
    for data, what, status in [(b"HEAD / HTTP/1.1\r\n\r\n", "HEAD without Host", 400),
                               (get("/", "HEAD", extra=headers), "HEAD with 20 KiB of "
                                "headers", 431)]:
        answer = request(proc, data)
        if answer.status != status or answer.body or answer.how != "eof":
            raise failure(proc, f"{what}: the answer should have no body",
                          f"HTTP/1.1 {status} and its headers, then nothing",
                          answer.shown(), HEAD_ERROR_HINT)


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ, HEADER, NO_BODY, *FINISH[1:],
                      "accept s1: s2, a client that sends \"HEAD\" and waits",
                      "select s2: 0, --timeout 1 s since accept have passed",
                      *refusal(408, "\"HEAD\" is not HEAD: the body too"), *FINISH,
                      "accept s1: s2, a client that sends \"HEAD \" and waits",
                      "select s2: 0, --timeout 1 s since accept have passed",
                      "send s2: 408 and its headers", NO_BODY, *FINISH[1:])
@pytest.mark.points(1)
def test_head_timeout(server, site):
    """a request that starts with "HEAD " gets no body even at 408, with --timeout 1; one of "HEAD" alone, or "HEADS", gets one"""
    proc = server("--timeout", "1")
    request(proc, get("/notes.txt", "HEAD"))
    for what, body in [("HEAD", True), ("HEAD ", False), ("HEADS", True)]:
        with send_request(proc, what.encode()) as sock:
            answer = Answer(*peers.recv_until_close(sock, CLIENT_TIMEOUT))
        if answer.status != 408 or bool(answer.body) != body:
            raise failure(proc, f"a client sent {what!r} and waited: the answer should be "
                          f"408, {'with' if body else 'without'} a body",
                          "HTTP/1.1 408 Request Timeout and its headers, then " +
                          ("the body 408 Request Timeout" if body else "nothing"),
                          answer.shown(), "A request is HEAD when its first five bytes are "
                          "\"HEAD \": read_head says how many came (len), even at 408; "
                          "fewer than five is not HEAD. The deadline is --timeout seconds, "
                          "1 to 3600.")
    still_running(proc, "clients that waited out their deadline")


HEAD_ERROR_HINT = ("No answer to HEAD has a body, whatever its status: parse_request sets "
                   "req->head even when it refuses the request, and for read_head's 408, "
                   "414 and 431 the request is HEAD if its first five bytes are \"HEAD \". "
                   "Give that to send_status.")


@pytest.mark.points(2)
def test_folders(server, site):
    """a folder, with or without its final slash, answers its index.html; a decoded name"""
    proc = server()
    for target, name in [("/sub/", "sub/index.html"), ("/sub", "sub/index.html"),
                         ("/sub/?x=1", "sub/index.html"), ("/a%20b.txt", "a b.txt")]:
        expect_answer(proc, request(proc, get(target)), f"GET {target}", 200,
                      site.files[name], None, "A folder's answer is its index.html; cut "
                      "the target at '?' and percent-decode it before opening the file.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      *refusal(404, "no such file"), *FINISH, NEXT)
@pytest.mark.points(1)
def test_not_found(server, site):
    """a file that is not there answers 404, and the server goes on"""
    proc = server()
    for target in ("/no-such-file.html", "/sub/none/", "/notes.txt/x"):
        expect_answer(proc, request(proc, get(target)), f"GET {target}", 404, None, None,
                      "When the file cannot be opened answer 404 Not Found.")
    still_running(proc, "a 404")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      *refusal(405, "Allow: GET, HEAD among them"), *FINISH)
@pytest.mark.points(2)
def test_method_not_allowed(server):
    """another method answers 405 with Allow: GET, HEAD"""
    proc = server()
    for method in ("POST", "DELETE", "PUT", "OPTIONS"):
        answer = request(proc, get("/", method, extra="Content-Length: 0\r\n"))
        expect_answer(proc, answer, f"{method} /", 405, None, None,
                      "Any other method is 405 Method Not Allowed.")
        if answer.headers.get("allow", "").replace(" ", "") != "GET,HEAD":
            raise failure(proc, "a 405 answer does not say which methods are allowed",
                          "a header Allow: GET, HEAD", answer.shown(),
                          "RFC 9110: a 405 answer must carry Allow with the methods the "
                          "resource takes.")


MALFORMED = [
    b"GET /\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET  / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1 x\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTX/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost : 127.0.0.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
    b"\x00\xff\x1b[2J garbage\r\n\r\n",
]


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      *refusal(400, "a malformed head"), *FINISH, NEXT)
@pytest.mark.points(3)
def test_bad_requests(server):
    """malformed request lines and headers, and HTTP/1.1 without Host, answer 400"""
    proc = server()
    for data in MALFORMED:
        answer = request(proc, data)
        expect_answer(proc, answer, f"the request {data[:40]!r}", 400, None, None,
                      "Answer 400 Bad Request to a request line that is not exactly "
                      "METHOD SP TARGET SP HTTP/D.D, a header line without NAME:, two "
                      "Host headers in any version, and an HTTP/1.1 request without one.")
    still_running(proc, "malformed requests")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      *refusal(505, "major version not 1"), *FINISH)
@pytest.mark.points(2)
def test_versions(server, site):
    """HTTP/1.0 needs no Host; HTTP/2.0 and HTTP/0.9 answer 505"""
    proc = server()
    expect_answer(proc, request(proc, b"GET /notes.txt HTTP/1.0\r\n\r\n"),
                  "an HTTP/1.0 request without Host", 200, site.files["notes.txt"], None,
                  "HTTP/1.0 may leave Host out; only HTTP/1.1 (and a later 1.x) needs it.")
    for version in ("HTTP/2.0", "HTTP/3.0", "HTTP/0.9"):
        expect_answer(proc, request(proc, get("/", version=version)),
                      f"a request for {version}", 505, None, None,
                      "A well-formed version whose major digit is not 1 is 505 HTTP Version "
                      "Not Supported; a malformed one is 400.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, WAIT,
                      "recv s2: appended until CR LF CR LF, or HEAD_LIMIT is full",
                      *refusal("414 or 431", "431 past the first line"), FINISH[0],
                      "recv s2: the rest of the request, for a moment (finish)",
                      FINISH[2], NEXT)
@pytest.mark.points(3)
def test_too_long(server, site, rng):
    """a long target answers 414, a head too large 431, and the server goes on"""
    proc = server()
    long_target = "/" + "a" * rng.randint(2100, 6000)
    huge_line = "/" + "b" * rng.randint(9000, 20000)
    headers = "".join(f"X-Filler-{i}: {'c' * 100}\r\n" for i in range(200))
    for data, status, what in [(get(long_target), 414, "a target of 2 to 6 KiB"),
                               (get(huge_line), 414, "a request line over 8 KiB"),
                               (get("/", extra=headers), 431, "20 KiB of headers")]:
        expect_answer(proc, request(proc, data), what, status, None, None,
                      "A target of TARGET_LIMIT bytes or more is 414; a head that fills "
                      "HEAD_LIMIT is 414 if its first line has not ended, 431 if it has.")
    still_running(proc, "oversized requests")
    expect_answer(proc, request(proc, get("/notes.txt")), "GET /notes.txt after them", 200,
                  site.files["notes.txt"], None, "Read the rest of an oversized request "
                  "before closing (finish), and accept the next client.")
    # A head of HEAD_LIMIT bytes exactly, its blank line included, fits.
    pad = HEAD_LIMIT - len(get("/notes.txt", extra="X-Pad: \r\n"))
    expect_answer(proc, request(proc, get("/notes.txt", extra=f"X-Pad: {'p' * pad}\r\n")),
                  f"GET /notes.txt, its head {HEAD_LIMIT} bytes (HEAD_LIMIT) with its blank "
                  "line", 200, site.files["notes.txt"], None, "A head that ends in the "
                  "buffer's last byte is whole: give read_head the whole buffer of HEAD_LIMIT "
                  "bytes (sizeof head), and look for the blank line before calling it full.")
    # Bytes after the head that the server never reads: finish must read them before it
    # closes, or the close resets the connection under the answer (section 6).
    with servers.connected(proc, CLIENT_TIMEOUT, "Accept the next client.") as sock:
        try:
            sock.sendall(get("/notes.txt") + b"x" * 65536)
        except OSError as e:
            sent = e
        else:
            sent = None
        raw, how = peers.recv_until_close(sock, CLIENT_TIMEOUT)
        time.sleep(0.2)         # a reset that follows the end comes within it
        error = sent or sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    if error or how != "eof":
        raise failure(proc, "after a request followed by 64 KiB the server reset the "
                      "connection", "the answer, then the server closes without a reset",
                      Answer(raw, how).shown() + f"\n(then the error {error!r})",
                      "Close each connection with finish, as given: closesocket with the "
                      "client's bytes unread sends a reset, which can destroy the answer.")
    # A root of 2 KiB: a target that fills PATH_LIMIT exactly, its NUL included, is
    # looked for (no such file); one byte more is 414. Windows' C library takes no
    # folder path past MAX_PATH (260 characters), so only a POSIX program has one.
    if platform.WINDOWS_PROGRAMS:
        return
    root = "root" + "/." * rng.randint(1030, 1040)
    proc = server("--root", root)
    for extra, status in [(0, 404), (1, 414)]:
        target = "/" + "d" * (PATH_LIMIT - len(root) - 2 + extra)
        expect_answer(proc, request(proc, get(target)), f"with a --root of {len(root)} bytes, "
                      f"GET of a target of {len(target)} bytes", status, None, None,
                      f"Root and path take {len(root) + len(target)} bytes, and their NUL "
                      f"one more: give map_path the whole of a PATH_LIMIT ({PATH_LIMIT}) "
                      "buffer (sizeof path); 414 only when they do not fit in it.")


@pytest.mark.points(3)
@pytest.mark.faults("short-recv")
def test_request_in_pieces(server, site):
    """a request split at every byte, and one sent a byte at a time, is answered whole"""
    proc = server()
    data = get("/notes.txt")
    hint = ("One recv may bring part of a request: append to the buffer and recv again "
            "until head_length finds the blank line.")
    for cut in range(1, len(data)):
        answer = request(proc, data, pieces=[data[:cut], data[cut:]], pause=0.005)
        expect_answer(proc, answer, f"a request cut after byte {cut}", 200,
                      site.files["notes.txt"], None, hint)
    answer = request(proc, data, pieces=[data[i:i + 1] for i in range(len(data))],
                     pause=0.002)
    expect_answer(proc, answer, "a request sent a byte at a time", 200,
                  site.files["notes.txt"], None, hint)


def served_meanwhile(proc, site, what):
    """A second client's request must be answered while WHAT holds a connection."""
    started = time.monotonic()
    answer = request(proc, get("/notes.txt"), timeout=SHORT_TIMEOUT + 15)
    if answer.status != 200 or answer.body != site.files["notes.txt"]:
        waited = answer.status is None
        raise failure(proc, f"another client was not served while {what}",
                      f"200 and notes.txt, within --timeout {SHORT_TIMEOUT} s and a few more",
                      answer.shown() + f"\n(after {time.monotonic() - started:.1f} s)",
                      "Give each request one deadline (--timeout seconds from accept) and "
                      "wait with select until it: then answer 408 and close, so that the "
                      "next client is served." if waited else
                      "The next client's GET /notes.txt is answered as any other, 200 with "
                      "the file: read its head afresh, from the start of the buffer.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, WAIT,
                      "recv s2: half a request, appended; no CR LF CR LF yet",
                      "select s2: 0, --timeout seconds since accept have passed",
                      *refusal(408, "the deadline passed"), *FINISH,
                      "accept s1: s2, the client that waited in the backlog")
@pytest.mark.points(3)
def test_half_request(server, site):
    """a client that sends half a request and waits gets 408 at its deadline, and keeps no one else out"""
    proc = server("--timeout", str(SHORT_TIMEOUT))
    with send_request(proc, b"GET /notes.txt HTTP/1.1\r\nHo") as stalled:
        served_meanwhile(proc, site, "a client sent half a request and waited")
        raw, how = peers.recv_until_close(stalled, SHORT_TIMEOUT + 10)
    answer = Answer(raw, how)
    if how not in ("eof", "reset"):
        raise failure(proc, "the server did not end the connection of a client that sent "
                      "half a request", f"408 Request Timeout, then the server closes, "
                      f"within --timeout {SHORT_TIMEOUT} s", answer.shown(),
                      "When the deadline passes, answer 408 and close the connection.")
    if answer.status != 408:
        raise failure(proc, "the server closed the connection of a client that sent half "
                      "a request without answering 408", "HTTP/1.1 408 Request Timeout, "
                      "then the server closes", answer.shown(),
                      "read_head's 408 is a status to answer (send_status), like 400 or "
                      "414; only -1 (the client closed or reset) gets no answer.")
    still_running(proc, "a client that stalled")


class Trickle(threading.Thread):
    """A client that sends a request one byte every PACE s, never reaching its end."""

    def __init__(self, proc, pace=0.3):
        super().__init__(daemon=True)
        self.sock = send_request(proc, b"GET /notes.txt HTTP/1.1\r\n")
        self.pace = pace
        self.stop = threading.Event()

    def run(self):
        while not self.stop.wait(self.pace):
            try:
                self.sock.sendall(b"X")
            except OSError:
                return


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, WAIT,
                      "recv s2: a byte now and then; select for what is left",
                      "select s2: 0, or no time left: one deadline for the head",
                      *refusal(408, "the deadline passed"), *FINISH,
                      "accept s1: s2, the client that waited in the backlog")
@pytest.mark.points(2)
def test_trickling_client(server, site):
    """a client that sends a byte now and then cannot hold the server past the request's deadline"""
    proc = server("--timeout", str(SHORT_TIMEOUT))
    trickle = Trickle(proc)
    trickle.start()
    try:
        served_meanwhile(proc, site, "a client sent a byte every 0.3 s")
        trickle.stop.set()
        trickle.join(5)
        raw, how = peers.recv_until_close(trickle.sock, SHORT_TIMEOUT + 10)
    finally:
        trickle.stop.set()
        trickle.join(5)
        trickle.sock.close()
    answer = Answer(raw, how)
    if answer.status != 408:
        raise failure(proc, "the server closed the connection of a client that sent a byte "
                      "every 0.3 s without answering 408", "HTTP/1.1 408 Request Timeout, "
                      "then the server closes", answer.shown(),
                      "When no time is left of the deadline, whether select timed out or a "
                      "byte came after the deadline, answer 408: only a client that closed "
                      "or reset gets no answer.")
    still_running(proc, "a client that trickled")


SECRET_HINT = ("Decode the target first, then refuse it if any segment is '..' (or ends "
               "in '.' or ' '), or it holds '\\', ':' or a device name: on every platform, "
               "as Windows would read it.")


# A traversal attempt's calls: the head read whole, then map_path's 400.
TRAVERSAL = (*LISTEN, ACCEPT, *READ, *refusal(400, "map_path refuses the target"), *FINISH)


def refused(proc, site, targets, statuses=(400,)):
    for target in targets:
        data = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        answer = request(proc, data)
        if site.secret in answer.raw or answer.status not in statuses:
            raise failure(proc, f"GET {target} was not refused",
                          " or ".join(map(str, statuses)) + ", and not the file outside "
                          "the folder", answer.shown(), SECRET_HINT)
    still_running(proc, "traversal attempts")


@pytest.mark.expected("http_server", *TRAVERSAL)
@pytest.mark.points(2)
def test_traversal_dotdot(server, site):
    """.. in a target is refused with 400, however deep"""
    refused(server(), site, ["/../secret.txt", "/sub/../../secret.txt", "/..",
                             "/sub/..", "/./../secret.txt"])


@pytest.mark.expected("http_server", *TRAVERSAL)
@pytest.mark.points(2)
def test_traversal_percent(server, site):
    """percent-encoded dots and slashes are decoded before the check, and refused"""
    refused(server(), site, ["/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
                             "/.%2e/secret.txt", "/sub/..%2f..%2fsecret.txt",
                             "/%2e%2e%5csecret.txt", "/secret.txt%00.html"])


@pytest.mark.expected("http_server", *TRAVERSAL)
@pytest.mark.points(2)
def test_traversal_windows(server, site):
    """backslashes, drive letters, device names and trailing dots are refused on every platform"""
    refused(server(), site, ["/..\\secret.txt", "/sub\\..\\..\\secret.txt",
                             "/C:/Windows/win.ini", "/c:secret.txt", "/NUL", "/nul.txt",
                             "/sub/CON", "/com1", "/LPT1.txt", "/aux.html",
                             "/notes.txt.", "/notes.txt%20", "/notes.txt::$DATA"])


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ,
                      *refusal("400 or 404", "never the file outside"), *FINISH)
@pytest.mark.points(2)
def test_traversal_absolute(server, site):
    """targets that are not a path from the folder's top, or name an absolute path, never reach the file"""
    proc = server()
    refused(proc, site, ["secret.txt", "http://127.0.0.1/../secret.txt", "*"])
    absolute = site.secret_path.resolve().as_posix()
    refused(proc, site, ["/" + absolute.lstrip("/"), "//" + absolute.lstrip("/")],
            (400, 404))


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, WAIT,
                      "recv s2 fails: WSAECONNRESET, the client reset mid-head",
                      "closesocket s2: no answer, and no socket kept", NEXT)
@pytest.mark.points(2)
def test_sockets_after_clients(server, site, rng):
    """after clients that finish, reset, stall or send garbage the server holds only its listener"""
    proc = server("--timeout", str(SHORT_TIMEOUT))
    for _ in range(5):
        request(proc, get("/notes.txt"))
        request(proc, MALFORMED[rng.randrange(len(MALFORMED))])
        sock = send_request(proc, b"GET / HT")
        peers.reset(sock)
    with send_request(proc, b"GET / HT") as sock:
        sock.shutdown(socket.SHUT_WR)       # closes half-way: no one to answer
        raw, how = peers.recv_until_close(sock, CLIENT_TIMEOUT)
    if raw:
        raise failure(proc, "a client that closed before its head was whole got an answer",
                      "no answer: the server closes", Answer(raw, how).shown(),
                      "read_head's -1 (the client closed or reset) is the one case with no "
                      "one to answer: close the connection without sending anything.")
    expect_answer(proc, request(proc, get("/notes.txt")), "GET /notes.txt after them",
                  200, site.files["notes.txt"], None, "")
    only_the_listener(proc)


def only_the_listener(proc):
    servers.only_the_listener(proc, "Close every client's socket (closesocket) after its "
                              "answer, and after a client that left or failed too.")


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ, HEADER, BODY, *FINISH,
                      "closesocket s1: after the Nth client", "WSACleanup", "exit: 0")
@pytest.mark.points(2)
@pytest.mark.memcheck
def test_max_clients(server, site, rng):
    """with --max-clients N the server exits 0 after N clients"""
    n = rng.randint(2, 4)
    proc = server("--max-clients", str(n))
    for _ in range(n):
        request(proc, get("/notes.txt"))
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="Count the clients served; after the last, close the "
                                 "listening socket, call WSACleanup and return 0.")
    expect.asked_for_winsock(result)


# The challenge's access log: CLIENT TARGET STATUS, CLIENT as ADDR:PORT or [ADDR]:PORT.
LOG_LINE = r"(\[[0-9a-fA-F:.]+\]|[0-9.]+):\d+ \S+ \d{3}"


@pytest.mark.expected("http_server", *LISTEN, ACCEPT, *READ, HEADER, BODY, *FINISH,
                      "closesocket s1: after the Nth client", "WSACleanup",
                      "exit: 0, stdout: the listening line, then log lines only")
@pytest.mark.points(1)
def test_stdout(server, site):
    """on stdout the server prints its 'listening on' line, then nothing but the challenge's log lines"""
    proc = server("--max-clients", "3")
    for data in (get("/notes.txt"), get("/no-such-file.html"), b"GET /notes.txt\r\n\r\n"):
        request(proc, data)
    result = proc.wait(EXIT_TIMEOUT)
    expect.exits(result, 0, hint="Count the clients served; after the last, close the "
                                 "listening socket, call WSACleanup and return 0.")
    other = [line for line in result.lines[1:] if not re.fullmatch(LOG_LINE, line)]
    if other:
        raise expect.Failure("the server wrote other lines than its listening line and "
                             "the access log on stdout",
                             expected=f"listening on {proc.host}:{proc.port}, then "
                                      "nothing, or a line CLIENT TARGET STATUS per request "
                                      "answered (the challenge)",
                             got="\n".join(other[:3]), result=result,
                             hint="stdout holds the listening line, and the access log if "
                                  "you write the challenge; anything else (a message, an "
                                  "error) goes to stderr (fprintf(stderr, ...)).")


@pytest.mark.expected("http_server", LISTEN[0],
                      "getaddrinfo: --bind ::1 and --port, AI_PASSIVE",
                      "socket s1: AF_INET6, the family getaddrinfo gave", *LISTEN[3:],
                      ACCEPT, *READ, HEADER, BODY, *FINISH)
@pytest.mark.points(1)
def test_ipv6(server, site):
    """with --bind ::1 the server answers over IPv6"""
    proc = server("--bind", "::1")
    expect_answer(proc, request(proc, get("/notes.txt")), "GET over IPv6", 200,
                  site.files["notes.txt"], None, "Pass --bind to open_listener (lab "
                  "03's), which resolves it with getaddrinfo and uses the family it gives.")


# --- real clients -----------------------------------------------------------------------

def url(proc, path="/"):
    host = f"[{proc.host}]" if ":" in proc.host else proc.host
    return f"http://{host}:{proc.port}{path}"


def curl(*args):
    if shutil.which("curl") is None:
        pytest.xfail("curl is not installed here; install it to have this behaviour graded")
    return subprocess.run(["curl", "-sS", "--max-time", "15", *args], capture_output=True,
                          timeout=30)


@pytest.mark.points(2)
@pytest.mark.faults("short-send")
def test_curl(server, site):
    """curl fetches a page and a binary file exactly, and HEAD with -I"""
    proc = server()
    for name in ("index.html", "data.bin"):
        # Into a folder of the grader's own, never the server's work folder, where the
        # server could have put a link in curl's way.
        with tempfile.TemporaryDirectory(prefix="kit-curl-") as private:
            out = Path(private) / name
            done = curl("-o", str(out), "-w", "%{http_code} %{content_type}",
                        url(proc, "/" + name))
            got = out.read_bytes() if out.exists() else b""
        if done.returncode != 0 or got != site.files[name] or \
                not done.stdout.startswith(b"200 "):
            raise failure(proc, f"curl could not fetch /{name}",
                          f"200 and {len(site.files[name])} bytes, curl exits 0",
                          f"curl exit {done.returncode}, {done.stdout.decode()!r}, "
                          f"{len(got)} bytes; {done.stderr.decode()[:300]}",
                          "curl reads Content-Length to know where the body ends: it must "
                          "be the file's size exactly.")
    done = curl("-I", url(proc, "/image.png"))
    text = done.stdout.decode("latin-1")
    if done.returncode != 0 or not text.startswith("HTTP/1.1 200") or \
            f"Content-Length: {len(site.files['image.png'])}" not in text:
        raise failure(proc, "curl -I (HEAD) got no proper answer", "HTTP/1.1 200 OK with "
                      "Content-Length, curl exits 0", f"exit {done.returncode}: {text[:400]} "
                      f"{done.stderr.decode()[:300]}",
                      "HEAD: the headers GET would send, and no body.")


@pytest.mark.points(2)
def test_browser(server, site):
    """a headless Chromium loads the page, applies its style sheet and shows its image"""
    if browser.find() is None:
        pytest.xfail(browser.BY_HAND)
    proc = server("--timeout", str(SHORT_TIMEOUT))
    # The grader's own client first: a page it cannot get, the browser cannot either.
    for name, kind in [("index.html", "text/html"), ("style.css", "text/css"),
                       ("image.png", "image/png")]:
        expect_answer(proc, request(proc, get("/" + name)), f"GET /{name}", 200,
                      site.files[name], kind, "The browser needs the page, its style "
                      "sheet and its image, each with its Content-Type.")
    try:
        dom, errors = browser.dump_dom(url(proc))
    except TimeoutError as e:
        raise failure(proc, "the browser did not finish loading the page", "the page, "
                      "its style sheet and its image loaded", str(e),
                      "Answer every request and close: a browser may open several "
                      "connections, and one it keeps idle waits out --timeout.") from None
    want = "color=rgb(%d, %d, %d) naturalWidth=%d" % (*site.color, site.width)
    m = re.search(r'<pre id="result">([^<]*)</pre>', dom)
    got = m.group(1) if m else None
    if got != want:
        raise failure(proc, "in the browser the page's style sheet or image did not arrive",
                      want, (got or dom[:400] or "(no page)") + "\n" + errors[-300:],
                      "The browser asks for style.css and image.png after the page: serve "
                      "them with text/css and image/png, and the PNG's bytes exactly.")


# --- the challenge (bonus) ----------------------------------------------------------------

LOG_TIMEOUT = 10


@pytest.mark.expected("http_server", *LISTEN,
                      "accept s1: s2, and the client's ADDR:PORT for the log line",
                      *READ, HEADER, BODY,
                      "shutdown s2: SD_SEND, after the line CLIENT TARGET STATUS",
                      *FINISH[1:],
                      "accept s1: s2, a client that closes without a request: no line",
                      "announce s1: a second server, on ::1: [ADDR]:PORT")
@pytest.mark.challenge
@pytest.mark.points(2)
def test_challenge_access_log(server, site):
    """challenge: each request answered is logged on stdout as CLIENT TARGET STATUS"""
    proc = server()
    logged = []
    for data, target, status in [(get("/notes.txt"), "/notes.txt", 200),
                                 (get("/sub/?x=1", "HEAD"), "/sub/?x=1", 200),
                                 (None, None, None),
                                 (get("/no-such-file.html"), "/no-such-file.html", 404),
                                 (b"GET /notes.txt\r\n\r\n", "-", 400)]:
        if data is None:
            with send_request(proc, b"GET /no"):
                pass        # leaves without a request: no line
            continue
        logged.append(logged_request(proc, data, target, status))
    other = [line for line in proc.out.data.decode("latin-1").splitlines()[1:]
             if line not in logged]
    if other:
        raise failure(proc, "the access log has a line for a client that left without a "
                      "request", "only the lines of the requests answered:\n" +
                      "\n".join(logged), "\n".join(other[:3]),
                      "read_head's -1 (the client closed or reset) is no request answered: "
                      "serve_client returns 0 for it, and the loop prints no line.")
    proc6 = server("--bind", "::1")
    logged_request(proc6, get("/notes.txt"), "/notes.txt", 200)


def logged_request(proc, data, target, status):
    """Sends DATA, expects STATUS, and waits for its log line. Returns the line."""
    with send_request(proc, data) as sock:
        name = sock.getsockname()
        raw, how = peers.recv_until_close(sock, CLIENT_TIMEOUT)
    answer = Answer(raw, how)
    if answer.status != status:
        raise failure(proc, f"{data.splitlines()[0].decode()}: the status line should "
                      f"say {status}", f"HTTP/1.1 {status} ...", answer.shown(),
                      "The challenge adds a log line; the answers stay as they were.")
    client = f"[{name[0]}]" if ":" in name[0] else name[0]
    wanted = f"{client}:{name[1]} {target} {status}"
    if proc.wait_line(re.escape(wanted), LOG_TIMEOUT) is None:
        raise failure(proc, "a request answered was not logged on stdout as CLIENT "
                      "TARGET STATUS", wanted, f"no such line within {LOG_TIMEOUT} s",
                      "Give accept a struct sockaddr_storage to learn the client's "
                      "address and port ([ADDR]:PORT for IPv6); after the answer, print "
                      "the line (\"-\" for the target of a request that did not parse) and "
                      "fflush(stdout): a pipe keeps stdout buffered.")
    return wanted


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import lab07 as model  # noqa: E402


@pytest.mark.points(3)
def test_model_functions(start, seed):
    """head_length, parse_request, map_path and content_type agree with a model of the README on hundreds of generated cases"""
    model.check_functions(start, seed)


@pytest.mark.points(4)
def test_model_server(start, workdir, rng, seed):
    """hundreds of generated requests to one server, against a random site, answered as a model of the README says"""
    model.check_server(start, workdir, rng, seed)
