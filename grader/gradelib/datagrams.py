"""The grader's UDP peers: loopback datagram sockets for the student's UDP clients
and servers. Every call is bounded in time; nothing here waits forever."""
import socket
import threading
import time

from . import budget, platform
from .peers import IPV4, family

# The largest UDP payload over IPv4 (65535 less the IPv4 and UDP headers), and over
# IPv6 (65535 less the UDP header: the IPv6 header is not counted in its length).
MAX_IPV4 = 65507
MAX_IPV6 = 65527


def udp_socket(host=IPV4, timeout=5.0):
    """A UDP socket bound to a free loopback port, whose receives time out after
    TIMEOUT seconds."""
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(timeout)
    return sock


def closed_port(host=IPV4):
    """A loopback UDP port where nothing listens: a datagram sent there is answered
    with an ICMP port unreachable."""
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def receive(sock, timeout, source=None, sender=None):
    """The next datagram on SOCK (from SOURCE only, if given, skipping others) within
    TIMEOUT seconds: (data, address), or (None, None) if none came. With SENDER, a
    Process, the wait ends early once that program has exited and nothing is left
    to read."""
    deadline = time.monotonic() + budget.left(timeout)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None
        gone = sender is not None and sender.poll() is not None
        if gone:
            sock.settimeout(0)      # it sends no more: what it sent is already here
        else:
            sock.settimeout(left if sender is None else min(left, 0.2))
        try:
            data, addr = sock.recvfrom(1 << 17)
        except (socket.timeout, BlockingIOError, ConnectionResetError):
            # Windows reports an ICMP port unreachable as a reset: not a datagram.
            if gone:
                return None, None
            continue
        if source is None or addr[:2] == source[:2]:
            return data, addr


def vanishing_send(host, port, data):
    """Sends DATA to HOST:PORT from a client that is gone before the echo comes back,
    so that the echo is answered with an ICMP port unreachable."""
    sock = socket.socket(family(host), socket.SOCK_DGRAM)
    try:
        if platform.UDP_SENDTO_WHILE_CONNECTED:
            # Connected elsewhere, the socket turns the echo away as a closed port
            # would, however fast the server answers.
            sock.connect((host, closed_port(host)))
        sock.sendto(data, (host, port))
    finally:
        sock.close()


class Server:
    """A grader UDP server on loopback for the student's client. ANSWER(n, data)
    says what to send back to the n-th datagram (counting from 0): bytes, or None
    to drop it. With STRANGER, a datagram from another port (the same address) goes
    to the client just before each answer. What came is kept in .received as
    (data, address, monotonic time)."""

    def __init__(self, answer, host=IPV4, stranger=None, timeout=30.0):
        self.sock = udp_socket(host)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.received = []
        self._answer = answer
        self._stranger = udp_socket(host) if stranger is not None else None
        self._stranger_data = stranger
        self._deadline = time.monotonic() + timeout
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self):
        while not self._closed.is_set() and time.monotonic() < self._deadline:
            self.sock.settimeout(0.2)
            try:
                data, addr = self.sock.recvfrom(1 << 17)
            except (socket.timeout, ConnectionResetError):
                continue
            except OSError:
                return          # closed by close()
            self.received.append((data, addr, time.monotonic()))
            reply = self._answer(len(self.received) - 1, data)
            if reply is None:
                continue
            try:
                if self._stranger is not None:
                    self._stranger.sendto(self._stranger_data, addr)
                self.sock.sendto(reply, addr)
            except OSError:
                return

    def close(self):
        self._closed.set()
        self._thread.join(5)
        self.sock.close()
        if self._stranger is not None:
            self._stranger.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
