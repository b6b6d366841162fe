"""Lab 01's model: version words (README section 2 and parse_version's rules in
section 7) and socket addresses as format_endpoint and format_raw write them
(sections 4, 5 and 7), checked through the driver lab01_model."""
import re

from hypothesis import strategies as st

from .. import expect
from . import Crashed, Driver, Exploration, crash_text, scaled, shown

CASES = 200
SHRINKS = 300
SECONDS = 20.0


def parse_version(text):
    """The word parse_version stores for TEXT (bytes, or None for NULL), or None."""
    if text is None:
        return None
    text = text.split(b"\0", 1)[0]          # a C string ends at its first NUL
    m = re.fullmatch(rb"([0-9]+)\.([0-9]+)", text)
    if not m or int(m.group(1)) > 255 or int(m.group(2)) > 255:
        return None
    return int(m.group(1)) | int(m.group(2)) << 8


def endpoint_text(kind, ntop, port):
    if kind == 4:
        return f"AF_INET {ntop}:{port}"
    if kind == 6:
        return f"AF_INET6 [{ntop}]:{port}"
    return None


def raw_text(kind, address, port, scope, af_inet6):
    if kind not in (4, 6):
        return None
    family = "2 (AF_INET" if kind == 4 else f"{af_inet6} (AF_INET6"
    lines = [f"  family: {family}, host byte order)",
             f"  port:   {port >> 8:02x} {port & 0xFF:02x} (network byte order; ntohs gives "
             f"{port})",
             "  addr:   " + " ".join(f"{b:02x}" for b in address[:4 if kind == 4 else 16])]
    if kind == 6:
        lines.append(f"  scope:  {scope}")
    return "".join(line + "\n" for line in lines)


def versions():
    number = st.one_of(st.integers(0, 9), st.integers(0, 255), st.integers(250, 300),
                       st.integers(0, 99999))
    good = st.tuples(st.sampled_from(["", "", "0", "00"]), number, number).map(
        lambda t: f"{t[0]}{t[1]}.{t[2]}".encode())
    junk = st.lists(st.sampled_from(list(b"0123456789.. +-,x\t\0")), max_size=8).map(bytes)
    # A valid version with something put in anywhere: " 2.2", "2. 2", "2.+2", "2.2x".
    edited = st.tuples(good, st.sampled_from([b" ", b".", b"+", b"-", b"\0", b"x", b".1",
                                              b"\t", b"0x"]), st.integers(0, 12)).map(
        lambda t: t[0][:t[2] % (len(t[0]) + 1)] + t[1] + t[0][t[2] % (len(t[0]) + 1):])
    # What strtoul and atoi take and the README does not: "2. 2", "2.+2", "2.-0".
    signed = st.tuples(number, st.sampled_from([" ", "+", "\t", "-", " +"]), number).map(
        lambda t: f"{t[0]}.{t[1]}{t[2]}".encode())
    return st.one_of(good, good, junk, edited, signed, st.none())


def addresses():
    v4 = st.one_of(st.binary(min_size=4, max_size=4),
                   st.sampled_from([b"\x7f\0\0\x01", b"\0\0\0\0", b"\xff\xff\xff\xff"]))
    v6 = st.one_of(st.binary(min_size=16, max_size=16),
                   st.sampled_from([b"\0" * 15 + b"\x01", b"\0" * 16,
                                    b"\xfe\x80" + b"\0" * 13 + b"\x01",
                                    b"\x20\x01\x0d\xb8" + b"\0" * 11 + b"\x07"]))
    port = st.one_of(st.integers(0, 65535), st.sampled_from([0, 1, 80, 255, 256, 8080,
                                                             65535]))
    size = st.one_of(st.integers(0, 80), st.just(256))
    return st.one_of(
        st.tuples(st.just(4), v4, port, st.just(0), size),
        st.tuples(st.just(6), v6, port, st.integers(0, 2 ** 32 - 1), size),
        st.tuples(st.just(0), st.just(b"\0" * 16), port, st.just(0), size))


def cases():
    return st.one_of(st.tuples(st.just("parse"), versions()),
                     st.tuples(st.just("format"), st.integers(0, 65535)),
                     st.tuples(st.just("compare"), st.integers(0, 65535),
                               st.integers(0, 65535)),
                     st.tuples(st.just("endpoint"), addresses()))


def check(start, seed):
    with Driver(start, "lab01_model") as driver:
        Exploration(seed, scaled(CASES), SHRINKS, SECONDS).run(
            cases(), lambda case: _case(driver, case))


def word(w):
    return f"0x{w:04x} (MAKEWORD({w & 0xFF}, {w >> 8}))"


def _case(driver, case):
    try:
        {"parse": _parse, "format": _format, "compare": _compare,
         "endpoint": _endpoint}[case[0]](driver, *case[1:])
    except Crashed as crash:
        raise expect.Failure(f"the driver crashed or hung on this case: {case!r}"[:600],
                             got=crash_text(crash.args[0]),
                             hint="The crash or the sanitizer's report names the line: "
                                  "check the family before you cast, and write only "
                                  "inside buf (size bytes).") from None


def _parse(driver, text):
    reply = driver.ask("V", int(text is None), text or b"")
    rc, got = reply.int(), reply.int()
    want = parse_version(text)
    call = f"parse_version({'NULL' if text is None else shown(text)}, &version)"
    if (want is None) != (rc != 0) or (want is not None and got != want):
        raise expect.Failure(
            f"{call} returned {rc}" + (f" with {word(got)}" if rc == 0 else "") +
            "; the README (section 7) says " +
            ("-1: it is not exactly MAJOR.MINOR, two runs of decimal digits from 0 to 255"
             if want is None else f"0 with {word(want)}"),
            expected="-1" if want is None else f"0, {word(want)}",
            got=f"{rc}" + (f", {word(got)}" if rc == 0 else ""),
            hint="Accept only digits, one '.', digits, and the end of the string, each "
                 "number at most 255 (leading zeros allowed); strtoul and atoi accept "
                 "spaces and signs. MAKEWORD(major, minor) puts the major in the low byte.")


def _format(driver, w):
    reply = driver.ask("F", w)
    text, returned, broke = reply.bytes(), reply.int(), reply.int()
    want = f"{w & 0xFF}.{w >> 8}".encode()
    if text != want or not returned or broke:
        raise expect.Failure(
            f"format_version({word(w)}, buf, 16) wrote {shown(text or b'(no string)')}"
            f"{'' if returned else ' and did not return buf'}; the README (section 2) "
            f"says {want.decode()}", expected=f"{want.decode()}, returning buf",
            got=(text or b"(no NUL in buf)").decode("latin-1"),
            hint="LOBYTE is the major version, HIBYTE the minor: snprintf \"%u.%u\".")


def _compare(driver, a, b):
    got = driver.ask("C", a, b).int()
    key = lambda v: (v & 0xFF, v >> 8)   # noqa: E731 - the README's order
    want = (key(a) > key(b)) - (key(a) < key(b))
    if got != want:
        names = {-1: "negative", 0: "zero", 1: "positive"}
        raise expect.Failure(
            f"compare_versions({word(a)}, {word(b)}) was {names[got]}; the README "
            f"(section 2) says {names[want]}: majors first (LOBYTE), minors only when "
            "they are equal", expected=names[want], got=names[got],
            hint="Version words compared as numbers give the wrong order: compare LOBYTE "
                 "of each first, then HIBYTE.")


def _endpoint(driver, args):
    kind, address, port, scope, size = args
    reply = driver.ask("E", kind, 1, address, port, scope, size)
    results = [(reply.int(), reply.bytes(), reply.int()) for _ in range(2)]
    ntop, af_inet6 = reply.bytes().decode("latin-1"), reply.int()
    shown_sa = ({4: "sockaddr_in", 6: "sockaddr_in6"}.get(kind, "a sockaddr of another "
                                                          "family") +
                (f" of {ntop} port {port}" if kind else "") +
                (f" scope {scope}" if kind == 6 and scope else ""))
    for name, want, (rc, text, broke) in zip(
            ("format_endpoint", "format_raw"),
            (endpoint_text(kind, ntop, port), raw_text(kind, address, port, scope, af_inet6)),
            results):
        fits = want is not None and len(want) + 1 <= size
        want_rc = 0 if fits else -1
        call = f"{name}({shown_sa}, buf, {size})"
        if broke:
            raise expect.Failure(f"{call} wrote past the {size} bytes of buf",
                                 expected=f"at most {size} bytes written", got="more",
                                 hint="snprintf with size writes at most size bytes; "
                                      "compare what it returns with size.")
        if rc != want_rc or (fits and text != want.encode()):
            why = ("another family" if want is None else
                   f"a buffer of {size} bytes cannot hold the {len(want)} characters and "
                   "the NUL" if not fits else "")
            raise expect.Failure(
                f"{call} returned {rc}" + (f" with {shown(text or b'')}" if rc == 0 else "") +
                f"; the README (sections 4, 5 and 7) says {want_rc}" +
                (f" ({why})" if why else f" with {want!r}"),
                expected=f"{want_rc}" + (f": {want!r}" if fits else ""),
                got=f"{rc}" + (f": {(text or b'').decode('latin-1')!r}" if rc == 0 else ""),
                hint="Check sa_family first; inet_ntop on sin_addr or sin6_addr, the port "
                     "through ntohs, IPv6 in brackets; -1 when snprintf's result is size "
                     "or more. The raw lines show the bytes as they sit in memory.")
