"""WSAStartup and addresses

Lab 01's behaviours: the unit tests of wsabasics.c, then wsainfo and resolve run as
programs. Ports and versions are random, so no answer can be written in advance.
"""
import re
import socket

import pytest

from gradelib import expect, platform

UNITS = "lab01_units"

# The calls the README expects of resolve and wsainfo, drawn beside a failed test's on the
# report page (gradelib.page.expected); a test whose path differs says its own.
RESOLVE = ("WSAStartup: version 2.2", "getaddrinfo: HOST and PORT, any family",
           "freeaddrinfo: after printing each distinct address once", "WSACleanup")
pytestmark = pytest.mark.expected(
    "resolve", *RESOLVE, "exit: 0, one line per address on stdout")
WSAINFO = ("WSAStartup: the version asked for (2.2 without one)",
           "WSACleanup: once, after the WSADATA lines")


# --- wsabasics.c, through its unit tests (tests/unit/lab01_test.c) ------------------

@pytest.mark.points(3)
def test_unit_versions(unit):
    """parse_version, format_version and compare_versions (unit tests)"""
    unit(UNITS, "Versions", "MAKEWORD(major, minor) puts the major version in the LOW "
         "byte: read it back with LOBYTE, the minor with HIBYTE, and compare majors first.")


@pytest.mark.points(3)
def test_unit_startup(unit):
    """start_winsock starts Winsock, and cleans up when the version is too old (unit tests)"""
    unit(UNITS, "Startup", "Return WSAStartup's own result when it fails; when it succeeds "
         "but grants less than needed, call WSACleanup before returning WSAVERNOTSUPPORTED.")


@pytest.mark.points(3)
def test_unit_endpoints(unit):
    """format_endpoint writes IPv4 and IPv6 endpoints (unit tests)"""
    unit(UNITS, "Endpoints", "inet_ntop turns sin_addr / sin6_addr into text; the port is "
         "in network byte order, so print ntohs(port); IPv6 goes in [brackets].")


@pytest.mark.points(2)
def test_unit_raw(unit):
    """format_raw shows the port and address bytes as they sit in memory (unit tests)"""
    unit(UNITS, "Raw", "Print the bytes of sin_port and sin_addr one by one, through an "
         "unsigned char pointer, without converting them first.")


@pytest.mark.points(2)
def test_unit_resolve(unit):
    """resolve_host asks getaddrinfo for stream sockets (unit tests)"""
    unit(UNITS, "Resolve", "Zero the hints, set ai_family = AF_UNSPEC and ai_socktype = "
         "SOCK_STREAM, and return getaddrinfo's result as it is.")


@pytest.mark.points(1)
def test_unit_repeats(unit):
    """resolve prints an address that getaddrinfo gives twice only once (unit tests)"""
    unit(UNITS, "Repeats", "getaddrinfo may give an address more than once (once per "
         "socket type, say): in print_addresses, skip a line seen_before says was "
         "printed, and print the raw fields only with the line.")


# --- wsainfo ---------------------------------------------------------------------------

def granted(major, minor):
    """The version Winsock grants for a request (README: version negotiation)."""
    if major == 1 and minor > 1:
        return "1.1"
    if major > 2 or (major == 2 and minor > 2):
        return "2.2"
    return f"{major}.{minor}"


def wsainfo_lines(requested, version):
    return [f"requested: {requested}", f"version: {version}", "highest: 2.2",
            "description: WinSock 2.0", "status: Running", "cleanup: ok"]


@pytest.mark.expected("wsainfo", "WSAStartup: version 2.2, after requested: is flushed",
                      WSAINFO[1], "exit: 0, cleanup: ok the last line")
@pytest.mark.points(2)
@pytest.mark.memcheck
def test_wsainfo_default(run):
    """wsainfo with no argument asks for 2.2 and reports what it got"""
    result = run("wsainfo")
    expect.exits(result, 0)
    expect.has_lines(result, wsainfo_lines("2.2", "2.2"), exact=True,
                     hint="Print each line as the README shows it, then WSACleanup, then "
                          "'cleanup: ok'.")


@pytest.mark.expected("wsainfo", *WSAINFO, "exit: 0, the version Winsock granted shown")
@pytest.mark.points(3)
def test_wsainfo_negotiates(run, rng):
    """wsainfo MAJOR.MINOR shows the version Winsock negotiated"""
    # The oldest version, which any program must accept as granted; two others; and
    # one of the longest texts, 7 characters ("255.255").
    requests = [(1, 0)] + rng.sample([(1, 1), (1, 7), (2, 0), (2, 1), (2, 9), (3, 0)], 2)
    requests.append((rng.randint(100, 255), rng.randint(100, 255)))
    for major, minor in requests:
        result = run("wsainfo", f"{major}.{minor}")
        expect.exits(result, 0)
        expect.has_lines(result, wsainfo_lines(f"{major}.{minor}", granted(major, minor)),
                         exact=True,
                         hint="Print wVersion and wHighVersion as WSAStartup filled them "
                              "in; LOBYTE is the major version, HIBYTE the minor.")


@pytest.mark.expected("wsainfo", "WSAStartup fails: WSAVERNOTSUPPORTED, below 1.0",
                      "exit: 2, the error line; no WSACleanup, nothing started")
@pytest.mark.points(2)
def test_wsainfo_refuses_old_version(run, rng):
    """wsainfo 0.N fails with WSAVERNOTSUPPORTED and exit 2"""
    minor = rng.randint(0, 255)
    result = run("wsainfo", f"0.{minor}")
    expect.exits(result, 2, hint="WSAStartup returns its error code: report it with "
                                 "kit_error and exit 2.")
    expect.has_lines(result, [f"requested: 0.{minor}"])
    expect.error_line(result, "WSAStartup", "WSAVERNOTSUPPORTED", 10092,
                      hint="Pass WSAStartup's return value to kit_error: it does not set "
                           "WSAGetLastError.")
    # Its stdout and stderr in one pipe, as a terminal shows them: the requested line,
    # flushed before WSAStartup runs, comes before the error line.
    both = run("wsainfo", f"0.{minor}", merged=True)
    expect.exits(both, 2)
    requested = f"requested: 0.{minor}"
    error = next((i for i, line in enumerate(both.lines)
                  if re.match(r"\S+: WSAStartup: ", line)), None)
    if requested not in both.lines[:error]:
        raise expect.Failure("with stdout and stderr in one pipe, the requested line "
                             "should come before WSAStartup's error line",
                             expected=f"{requested}\nwsainfo: WSAStartup: ...",
                             got=both.text.strip() or "(nothing)",
                             hint="stdout in a pipe is written only when its buffer is "
                                  "full or the program ends, stderr at once: call "
                                  "fflush(stdout) after the requested line, before "
                                  "WSAStartup.")


@pytest.mark.expected("wsainfo", "exit: 1, the usage on stderr, before WSAStartup")
@pytest.mark.points(1)
def test_wsainfo_usage(run, rng):
    """wsainfo with a malformed version, or two versions, prints usage and exits 1"""
    for args in [[arg] for arg in rng.sample(["2", "2.", "x.y", "2.2.2", "256.1", "-1.0",
                                                 "1.2a", "2. 2", "2.+2"], 3)] + [["2.2", "1.1"]]:
        result = run("wsainfo", *args)
        expect.exits(result, 1, hint="parse_version must refuse anything but MAJOR.MINOR "
                                     "(0 to 255 each), and wsainfo takes one argument at "
                                     "most; then print usage and exit 1.")
        expect.usage(result)


# --- resolve ---------------------------------------------------------------------------

def random_port(rng):
    # Ports whose two bytes differ, so a missing ntohs cannot go unseen.
    while True:
        port = rng.randint(1024, 65535)
        if port >> 8 != port & 0xFF:
            return port


@pytest.mark.points(2)
@pytest.mark.memcheck
def test_resolve_ipv4(run, rng):
    """resolve 127.0.0.1 PORT prints the IPv4 endpoint"""
    port = random_port(rng)
    result = run("resolve", "127.0.0.1", port)
    expect.exits(result, 0)
    expect.has_lines(result, [f"AF_INET 127.0.0.1:{port}"], exact=True,
                     hint="Print 'AF_INET ADDRESS:PORT' with the port through ntohs.")


@pytest.mark.points(2)
def test_resolve_ipv6(run, rng):
    """resolve ::1 PORT prints the IPv6 endpoint in brackets"""
    port = random_port(rng)
    result = run("resolve", "::1", port)
    expect.exits(result, 0)
    expect.has_lines(result, [f"AF_INET6 [::1]:{port}"], exact=True,
                     hint="An IPv6 address goes in brackets, so its colons are not "
                          "read as the port's.")
    # The version it asks for is read from the record of its calls (gradelib.calls).
    record = result.calls
    startups = record.named("WSAStartup") if record is not None and record.exists else None
    if startups is not None and (not startups or any(c.args != ["2.2"] for c in startups)):
        raise expect.Failure("resolve should ask WSAStartup for version 2.2",
                             expected="WSAStartup(2.2) = 0",
                             got="\n".join(c.text for c in startups) or "no WSAStartup call",
                             hint="resolve starts Winsock 2.2: start_winsock(MAKEWORD(2, 2), "
                                  "MAKEWORD(2, 2), &data).")


@pytest.mark.points(2)
def test_resolve_localhost(run, rng):
    """resolve localhost PORT prints each distinct address once"""
    port = random_port(rng)
    result = run("resolve", "localhost", port)
    expect.exits(result, 0)
    expect.has_lines(result, [f"AF_INET 127.0.0.1:{port}"],
                     hint="localhost is loopback: 127.0.0.1 (and ::1 where configured).")
    pattern = re.compile(rf"AF_INET (\d+\.){{3}}\d+:{port}|AF_INET6 \[[0-9a-f:.]+\]:{port}")
    odd = [line for line in result.lines if not pattern.fullmatch(line)]
    if odd or len(set(result.lines)) != len(result.lines):
        raise expect.Failure("resolve localhost printed lines other than distinct endpoints",
                             expected="each address once, as 'AF_INET 127.0.0.1:PORT'",
                             got=result.text.strip(), result=result,
                             hint="Ask getaddrinfo for SOCK_STREAM only, or it answers once "
                                  "per socket type; print each address once.")


@pytest.mark.points(2)
@pytest.mark.memcheck
def test_resolve_raw(run, rng):
    """resolve --raw shows port and address bytes in network order"""
    port = random_port(rng)
    octets = [10, rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)]
    address = ".".join(map(str, octets))
    result = run("resolve", "--raw", address, port)
    expect.exits(result, 0)
    port_line = f"  port:   {port >> 8:02x} {port & 0xFF:02x} " \
                f"(network byte order; ntohs gives {port})"
    addr_line = "  addr:   " + " ".join(f"{o:02x}" for o in octets)
    expect.has_lines(result, [f"AF_INET {address}:{port}", port_line, addr_line],
                     hint="Show the bytes as they are in memory: sin_port holds the high "
                          "byte first (network order); ntohs turns it into the number.")


# AF_INET6 is 23 in Windows programs (Wine's included), and the system's own elsewhere.
AF_INET6_NUMBER = 23 if platform.WINDOWS_PROGRAMS else int(socket.AF_INET6)


@pytest.mark.points(1)
def test_resolve_raw_family(run, rng):
    """resolve --raw shows the family as a number in host byte order, and IPv6's scope"""
    port = random_port(rng)
    v4 = run("resolve", "--raw", "127.0.0.1", port)
    expect.exits(v4, 0)
    expect.has_lines(v4, [f"AF_INET 127.0.0.1:{port}", "  family: 2 (AF_INET, host byte order)"],
                     hint="Print sin_family as it is, a number in host byte order (no "
                          "htons or ntohs): AF_INET is 2.")
    v6 = run("resolve", "--raw", "::1", port)
    expect.exits(v6, 0)
    expect.has_lines(v6, [f"AF_INET6 [::1]:{port}",
                          f"  family: {AF_INET6_NUMBER} (AF_INET6, host byte order)",
                          "  scope:  0"],
                     hint=f"Print sin6_family as it is: AF_INET6 is {AF_INET6_NUMBER} "
                          "here; then the scope line, sin6_scope_id.")


@pytest.mark.expected("resolve", RESOLVE[0], "getaddrinfo fails: WSAHOST_NOT_FOUND",
                      "WSACleanup", "exit: 2, the getaddrinfo error line on stderr")
@pytest.mark.points(2)
def test_resolve_unknown_host(run, rng):
    """resolve of an unknown host fails with WSAHOST_NOT_FOUND and exit 2"""
    # Not a valid host name at all, so no resolver sends a query: no DNS is needed.
    result = run("resolve", "no_such_host!.invalid", random_port(rng))
    expect.exits(result, 2, hint="When getaddrinfo fails, report its result with kit_error "
                                 "and exit 2.")
    expect.error_line(result, "getaddrinfo", "WSAHOST_NOT_FOUND", 11001,
                      hint="getaddrinfo returns the WSA error code itself: pass that to "
                           "kit_error.")


@pytest.mark.expected("resolve", "exit: 1, the usage on stderr, before WSAStartup")
@pytest.mark.points(1)
def test_resolve_usage(run):
    """resolve with bad arguments prints usage and exits 1"""
    # "-x 80" and "" are no host: an option, and an empty argument.
    for args in ([], ["127.0.0.1", "65536"], ["127.0.0.1", "http"], ["--bogus", "::1"],
                 ["127.0.0.1", "80", "extra"], ["-x", "80"], ["", "80"]):
        result = run("resolve", *args)
        expect.exits(result, 1, hint="Check the arguments before anything else: HOST (not "
                                     "empty), an optional PORT from 0 to 65535, and --raw; "
                                     "any other argument that starts with '-' is an "
                                     "option it does not have.")
        expect.usage(result)


# --- the challenge (bonus points, shown apart) ------------------------------------------------

def name_of(address):
    """The name ADDRESS resolves back to here, as resolve --names prints it. Only an
    address the hosts file names is asked: any other would go to a DNS server."""
    try:
        return socket.getnameinfo((address, 0), socket.NI_NAMEREQD)[0]
    except OSError:
        return "(none)"


@pytest.mark.challenge
@pytest.mark.points(2)
def test_challenge_names(run, rng):
    """challenge: resolve --names prints the name an address resolves back to"""
    port = random_port(rng)
    result = run("resolve", "--names", "127.0.0.1", port)
    expect.exits(result, 0, hint="--names is an option like --raw: take it out of the "
                                 "arguments and go on as without it.")
    expect.has_lines(result, [f"AF_INET 127.0.0.1:{port}", f"  name: {name_of('127.0.0.1')}"],
                     exact=True,
                     hint="After each address line, ask getnameinfo for the address's "
                          "name with NI_NAMEREQD and print '  name: NAME', or "
                          "'  name: (none)' when it fails.")


# --- models of the README, and the smallest case that differs (gradelib.models) ------

from gradelib.models import lab01 as model  # noqa: E402


@pytest.mark.points(3)
def test_model_versions_and_addresses(start, seed):
    """parse_version, format_version, compare_versions, format_endpoint and format_raw agree with a model of the README on hundreds of generated cases"""
    model.check(start, seed)
