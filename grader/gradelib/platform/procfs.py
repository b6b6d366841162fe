"""Linux's /proc: the processes of a program run, and the sockets listening on a port."""
import os
import sys

from . import hosts

def stat_fields(process_dir):
    """The fields of PROCESS_DIR/stat (/proc/PID) after the command's name: the state
    letter first ("Z": a zombie), the parent's PID, the process group's."""
    with open(os.path.join(process_dir, "stat"), "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()


def linux_members(pgid, mark, proc_dir="/proc", mark_name=None):
    """PIDs of the live (not zombie) processes in process group PGID or carrying MARK
    in their environment (as MARK_NAME, default hosts.MARK), read from PROC_DIR."""
    found = []
    marker = f"{mark_name or hosts.MARK}={mark}".encode() if mark else None
    me = os.getpid()
    for entry in os.scandir(proc_dir):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            fields = stat_fields(entry.path)
            if fields[0] in (b"Z", b"X"):
                continue
            if int(fields[2]) == pgid:
                found.append(int(entry.name))
            elif marker:
                with open(os.path.join(entry.path, "environ"), "rb") as f:
                    if marker in f.read().split(b"\0"):
                        found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


def listening_addresses(port, pids=(), host=None, proc="/proc"):
    """The local addresses ("127.0.0.1", "::", ...) where PORT is served: TCP sockets
    listening on it and UDP sockets bound to it, read from PROC/net on Linux (native
    programs and Wine's alike); None where the system does not tell. When processes
    of PIDS hold some of those sockets, theirs only (a native program holds its own;
    under Wine, wineserver holds a listening socket, so then TCP's come first)."""
    if not (host or hosts.HOST).on_linux:
        return None
    rows = []       # (address, inode, tcp)
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(os.path.join(proc, "net", name)) as f:
                table = f.read().splitlines()[1:]
        except OSError:
            continue
        for row in table:
            fields = row.split()
            if len(fields) < 10:
                continue
            address, hex_port = fields[1].rsplit(":", 1)
            tcp = name.startswith("tcp")
            if int(hex_port, 16) == port and (not tcp or fields[3] == "0A"):   # 0A: LISTEN
                rows.append((proc_net_address(address), fields[9], tcp))
    owned = socket_inodes(pids, proc)
    theirs = [address for address, inode, _ in rows if inode in owned]
    if theirs:
        return theirs
    return [address for address, _, tcp in rows if tcp] or [address for address, *_ in rows]


def socket_inodes(pids, proc="/proc"):
    """The inodes of the sockets the processes PIDS hold open."""
    inodes = set()
    for pid in pids:
        try:
            fds = os.listdir(os.path.join(proc, str(pid), "fd"))
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink(os.path.join(proc, str(pid), "fd", fd))
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    return inodes


def proc_net_address(hex_address):
    """An address as /proc/net/tcp writes it: 32-bit words in the host's byte order."""
    import ipaddress
    raw = bytes.fromhex(hex_address)
    if sys.byteorder == "little":
        raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(raw))
