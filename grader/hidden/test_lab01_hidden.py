"""WSAStartup and addresses

Lab 01's hidden behaviours: written like the public ones in grader/, graded by the
autograders, and left out of the students' handout, which counts them only.
"""

import pytest

from gradelib import expect

# The calls the README expects of resolve (gradelib.page.expected), as the public tests'.
pytestmark = pytest.mark.expected(
    "resolve", "WSAStartup: version 2.2", "getaddrinfo: HOST and PORT, any family",
    "freeaddrinfo: after printing each distinct address once", "WSACleanup",
    "exit: 0, each address with its bytes on stdout")


@pytest.mark.points(2)
def test_resolve_raw_ipv6(run, rng):
    """resolve --raw ::1 PORT shows the port bytes and all 16 address bytes"""
    port = rng.choice([p for p in range(1024, 65536) if p >> 8 != p & 0xFF])
    result = run("resolve", "--raw", "::1", port)
    expect.exits(result, 0)
    port_line = f"  port:   {port >> 8:02x} {port & 0xFF:02x} " \
                f"(network byte order; ntohs gives {port})"
    addr_line = "  addr:   " + " ".join(["00"] * 15 + ["01"])
    expect.has_lines(result, [f"AF_INET6 [::1]:{port}", port_line, addr_line],
                     hint="An IPv6 address is 16 bytes (sizeof sin6_addr), not 4: show "
                          "every byte of sin6_addr, and of sin6_port for the port.")
