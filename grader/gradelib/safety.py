"""What the grader will not do, whatever a test or a submission asks: open a socket
to, or on, anything but loopback. An audit hook checks every bind, connect and
sendto of the grader's process; anything else fails the test that tried."""
import socket
import sys

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_EVENTS = ("socket.bind", "socket.connect", "socket.sendto", "socket.sendmsg")
_installed = []


class NotLoopback(PermissionError):
    pass


def check(event, args):
    """Audit hook: refuses an Internet address other than loopback."""
    if event not in _EVENTS or len(args) < 2:
        return
    sock, address = args[0], args[1]
    family = getattr(sock, "family", None)
    if family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
        return
    host = address[0] if address else None
    if host not in LOOPBACK:
        raise NotLoopback(f"the grader uses loopback only (127.0.0.1, ::1): it will not "
                          f"{event.split('.')[1]} to {host!r} port {address[1]}")


def install():
    """Installs the hook once per process (audit hooks cannot be removed)."""
    if not _installed:
        sys.addaudithook(check)
        _installed.append(True)
