/*
 * sockcompat.c - the platform's socket calls, sockcompat.h's wsa_ functions. On
 * Windows they are ws2_32's own; on POSIX, Winsock's behaviour on top of Berkeley
 * sockets. Where Windows refuses what POSIX or Wine lets pass, the last part gives
 * Windows' answer on both, so that code that breaks on Windows breaks everywhere.
 */
#define SOCKCOMPAT_IMPL
#include "sockcompat.h"

#include <string.h>

#ifdef _WIN32

int wsa_startup(WORD requested, WSADATA *data) { return WSAStartup(requested, data); }
int wsa_cleanup(void) { return WSACleanup(); }
SOCKET wsa_socket(int af, int type, int protocol) { return socket(af, type, protocol); }

int wsa_bind(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    return bind(s, addr, addrlen);
}

int wsa_connect(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    return connect(s, addr, addrlen);
}

int wsa_listen(SOCKET s, int backlog) { return listen(s, backlog); }

SOCKET wsa_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return accept(s, addr, addrlen);
}

int wsa_send(SOCKET s, const char *buf, int len, int flags)
{
    return send(s, buf, len, flags);
}

int wsa_recv(SOCKET s, char *buf, int len, int flags) { return recv(s, buf, len, flags); }

int wsa_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen)
{
    return sendto(s, buf, len, flags, to, tolen);
}

static int system_recvfrom(SOCKET s, char *buf, int len, int flags,
                           struct sockaddr *from, int *fromlen)
{
    return recvfrom(s, buf, len, flags, from, fromlen);
}

int wsa_shutdown(SOCKET s, int how) { return shutdown(s, how); }
int wsa_closesocket(SOCKET s) { return closesocket(s); }

int wsa_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)
{
    return setsockopt(s, level, optname, optval, optlen);
}

int wsa_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)
{
    return getsockopt(s, level, optname, optval, optlen);
}

int wsa_getsockname(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return getsockname(s, addr, addrlen);
}

int wsa_getpeername(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return getpeername(s, addr, addrlen);
}

int wsa_ioctlsocket(SOCKET s, long cmd, u_long *argp) { return ioctlsocket(s, cmd, argp); }

int wsa_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout)
{
    struct timeval tv, *tvp = NULL;
    if (timeout) {
        tv = *timeout;          /* ws2_32 takes it as not const; it never changes it */
        tvp = &tv;
    }
    return select(nfds, readfds, writefds, exceptfds, tvp);
}

int wsa_getaddrinfo(const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res)
{
    return getaddrinfo(node, service, hints, res);
}

void wsa_freeaddrinfo(struct addrinfo *list) { freeaddrinfo(list); }

long wsa_read(int fd, void *buf, size_t len) { return _read(fd, buf, (unsigned)len); }

long wsa_write(int fd, const void *buf, size_t len)
{
    return _write(fd, buf, (unsigned)len);
}

#else /* POSIX */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>

static int started;                     /* WSAStartup calls not yet cleaned up */
static _Thread_local int last_error;    /* per thread, like WSAGetLastError */

/* What Winsock remembers about a socket that a POSIX descriptor does not say: whether
   its sending side was shut down, and how many port-unreachable reports a send took
   over for the next receive. Indexed by descriptor; a socket numbered higher than
   this simply behaves as POSIX does. */
#define TRACKED_SOCKETS 4096
static unsigned char send_shut[TRACKED_SOCKETS];
static unsigned char resets_pending[TRACKED_SOCKETS];

static int tracked(SOCKET s) { return s < TRACKED_SOCKETS; }

static void forget_socket(SOCKET s)
{
    if (tracked(s))
        send_shut[s] = resets_pending[s] = 0;
}

int WSAGetLastError(void) { return last_error; }
void WSASetLastError(int code) { last_error = code; }

/* The one translation of errno into Winsock's codes. */
static int wsa_from_errno(int err)
{
    switch (err) {
    case 0: return 0;
    case EINTR: return WSAEINTR;
    case EBADF: return WSAENOTSOCK;      /* Winsock has no file descriptors */
    case EACCES: case EPERM: return WSAEACCES;
    case EFAULT: return WSAEFAULT;
    case EINVAL: return WSAEINVAL;
    case EMFILE: case ENFILE: return WSAEMFILE;
#if EAGAIN != EWOULDBLOCK
    case EAGAIN:
#endif
    case EWOULDBLOCK: return WSAEWOULDBLOCK;
    case EINPROGRESS: return WSAEWOULDBLOCK; /* a non-blocking connect, as Windows says */
    case EALREADY: return WSAEALREADY;
    case ENOTSOCK: return WSAENOTSOCK;
    case EDESTADDRREQ: return WSAEDESTADDRREQ;
    case EMSGSIZE: return WSAEMSGSIZE;
    case EPROTOTYPE: return WSAEPROTOTYPE;
    case ENOPROTOOPT: return WSAENOPROTOOPT;
    case EPROTONOSUPPORT: return WSAEPROTONOSUPPORT;
    case ESOCKTNOSUPPORT: return WSAESOCKTNOSUPPORT;
    case EOPNOTSUPP: return WSAEOPNOTSUPP;
    case EPFNOSUPPORT: return WSAEPFNOSUPPORT;
    case EAFNOSUPPORT: return WSAEAFNOSUPPORT;
    case EADDRINUSE: return WSAEADDRINUSE;
    case EADDRNOTAVAIL: return WSAEADDRNOTAVAIL;
    case ENETDOWN: return WSAENETDOWN;
    case ENETUNREACH: return WSAENETUNREACH;
    case ENETRESET: return WSAENETRESET;
    case ECONNABORTED: return WSAECONNABORTED;
    case ECONNRESET: case EPIPE: return WSAECONNRESET; /* send to a reset peer */
    case ENOBUFS: case ENOMEM: return WSAENOBUFS;
    case EISCONN: return WSAEISCONN;
    case ENOTCONN: return WSAENOTCONN;
    case ESHUTDOWN: return WSAESHUTDOWN;
    case ETIMEDOUT: return WSAETIMEDOUT;
    case ECONNREFUSED: return WSAECONNREFUSED;
    case ELOOP: return WSAELOOP;
    case ENAMETOOLONG: return WSAENAMETOOLONG;
    case EHOSTDOWN: return WSAEHOSTDOWN;
    case EHOSTUNREACH: return WSAEHOSTUNREACH;
    default: return WSAEINVAL;
    }
}

/* getaddrinfo's codes, as Windows' getaddrinfo returns them (ws2tcpip.h's EAI_*). */
static int wsa_from_eai(int err)
{
    switch (err) {
    case 0: return 0;
    case EAI_AGAIN: return WSATRY_AGAIN;
    case EAI_BADFLAGS: return WSAEINVAL;
    case EAI_FAIL: return WSANO_RECOVERY;
    case EAI_FAMILY: return WSAEAFNOSUPPORT;
    case EAI_MEMORY: return WSA_NOT_ENOUGH_MEMORY;
    case EAI_NONAME: return WSAHOST_NOT_FOUND;
    case EAI_SERVICE: return WSATYPE_NOT_FOUND;
    case EAI_SOCKTYPE: return WSAESOCKTNOSUPPORT;
    case EAI_SYSTEM: return wsa_from_errno(errno);
#ifdef EAI_NODATA
    case EAI_NODATA: return WSAHOST_NOT_FOUND;  /* Windows: EAI_NODATA is EAI_NONAME */
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY: return WSANO_DATA;
#endif
    default: return WSANO_RECOVERY;
    }
}

/* Records the outcome of a call that returns -1 and sets errno on failure. */
static int wsa_result(int rc)
{
    last_error = rc == -1 ? wsa_from_errno(errno) : 0;
    return rc == -1 ? SOCKET_ERROR : rc;
}

/* Like wsa_result, for send and receive calls: where POSIX says EAGAIN on a blocking
   socket, its SO_RCVTIMEO or SO_SNDTIMEO ran out, which Windows calls WSAETIMEDOUT. */
static int io_result(SOCKET s, ssize_t rc)
{
    if (rc == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        int flags = fcntl((int)s, F_GETFL);
        if (flags != -1 && !(flags & O_NONBLOCK)) {
            last_error = WSAETIMEDOUT;
            return SOCKET_ERROR;
        }
        errno = EWOULDBLOCK;
    }
    return wsa_result((int)rc);
}

static int not_started(void)
{
    if (started > 0)
        return 0;
    last_error = WSANOTINITIALISED;
    return 1;
}

/* Windows refuses an address buffer shorter than a struct sockaddr with WSAEFAULT,
   where POSIX truncates quietly: an uninitialised length shows up there too. (A
   buffer too short for the address that comes, a sockaddr_in for an IPv6 peer, is
   refused after the call: see too_long.) */
static int bad_address_length(const struct sockaddr *addr, const int *addrlen)
{
    if (addr == NULL)
        return 0;
    if (addrlen == NULL || *addrlen < (int)sizeof(struct sockaddr)) {
        last_error = WSAEFAULT;
        return 1;
    }
    return 0;
}

/* Windows fails a call whose address buffer is too short for the address it
   returns (a sockaddr_in for an IPv6 peer) with WSAEFAULT; POSIX truncates the
   address and says how long it was. Returns 1, the error set, if LEN, the length
   the system gave, does not fit in the caller's *ADDRLEN. */
static int too_long(const int *addrlen, socklen_t len)
{
    if (addrlen == NULL || len <= (socklen_t)*addrlen)
        return 0;
    last_error = WSAEFAULT;
    return 1;
}

/* The checks every send and receive call starts with. */
static int io_refused(int len)
{
    if (not_started())
        return 1;
    if (len < 0) {
        last_error = WSAEFAULT;
        return 1;
    }
    return 0;
}

/* Version negotiation as ws2_32.dll does it: versions 1.0 to 2.2 exist, a request
   below 1.0 is refused, a later one is granted 2.2, an unknown minor the highest
   minor of its major. */
static WORD negotiate(WORD requested)
{
    BYTE major = LOBYTE(requested), minor = HIBYTE(requested);

    if (major == 1 && minor > 1)
        return MAKEWORD(1, 1);
    if (major > 2 || (major == 2 && minor > 2))
        return MAKEWORD(2, 2);
    return requested;
}

int wsa_startup(WORD requested, WSADATA *data)
{
    if (data == NULL)
        return WSAEFAULT;
    memset(data, 0, sizeof *data);
    data->wHighVersion = MAKEWORD(2, 2);
    data->wVersion = MAKEWORD(2, 2);
    data->iMaxSockets = 0;      /* ignored since Winsock 2, as on Windows */
    data->iMaxUdpDg = 0;
    strcpy(data->szDescription, "WinSock 2.0");
    strcpy(data->szSystemStatus, "Running");
    if (LOBYTE(requested) < 1)
        return WSAVERNOTSUPPORTED;
    data->wVersion = negotiate(requested);
    /* Windows has no SIGPIPE: a send to a closed peer fails with WSAECONNRESET. */
    signal(SIGPIPE, SIG_IGN);
    started++;
    return 0;
}

int wsa_cleanup(void)
{
    if (not_started())
        return SOCKET_ERROR;
    started--;
    last_error = 0;
    return 0;
}

/* Windows reports an ICMP port unreachable, the answer to a datagram sent to a port
   where nothing listens, on the socket that sent it: its next recv or recvfrom fails
   with WSAECONNRESET, connected or not. Linux tells only a connected UDP socket,
   unless IP_RECVERR asks it to queue every such report; then the next call fails
   with ECONNREFUSED, and the report waits in the socket's error queue. (macOS has no
   such option: there an unconnected socket hears nothing, as under Wine.) */
static void report_unreachable(int fd, int af)
{
    int on = 1;
#ifdef IP_RECVERR
    if (af == AF_INET || af == AF_INET6)
        setsockopt(fd, IPPROTO_IP, IP_RECVERR, &on, sizeof on);
#endif
#ifdef IPV6_RECVERR
    if (af == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on, sizeof on);
#endif
    (void)fd;
    (void)af;
    (void)on;
}

static int is_datagram(SOCKET s)
{
    int type = 0;
    socklen_t len = sizeof type;
    return getsockopt((int)s, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_DGRAM;
}

/* One report taken from the error queue, so that the next one, if any, is reported
   by the next call, one WSAECONNRESET per port unreachable as on Windows. */
static void take_report(SOCKET s)
{
#ifdef MSG_ERRQUEUE
    char control[512];
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    recvmsg((int)s, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
#else
    (void)s;
#endif
}

/* A receive on a datagram socket that Linux failed with ECONNREFUSED, or that a send
   left a report for: Windows' WSAECONNRESET. Returns 1 if that is what happened. */
static int datagram_reset(SOCKET s, int failed)
{
    if (tracked(s) && resets_pending[s] > 0) {
        resets_pending[s]--;
    } else if (!(failed && errno == ECONNREFUSED && is_datagram(s))) {
        return 0;
    }
    take_report(s);
    last_error = WSAECONNRESET;
    return 1;
}

/* Linux fails the next send on the socket with ECONNREFUSED too, which Windows never
   does: the datagram is sent again and the report kept for the next receive. */
static ssize_t send_keeping_reports(SOCKET s, const char *buf, int len, int flags,
                                    const struct sockaddr *to, socklen_t tolen)
{
    ssize_t rc;
    int tries = 0;

    while ((rc = sendto((int)s, buf, (size_t)len, flags, to, tolen)) == -1 &&
           errno == ECONNREFUSED && tries++ < 16 && is_datagram(s)) {
        if (tracked(s) && resets_pending[s] < 255)
            resets_pending[s]++;
    }
    return rc;
}

/* After shutdown(SD_SEND), Windows fails a send with WSAESHUTDOWN; Linux says EPIPE,
   which it also says after a reset. Returns 1 if the socket's sending side is shut. */
static int sending_shut(SOCKET s)
{
    if (!tracked(s) || !send_shut[s])
        return 0;
    last_error = WSAESHUTDOWN;
    return 1;
}

SOCKET wsa_socket(int af, int type, int protocol)
{
    if (not_started())
        return INVALID_SOCKET;
    int fd = socket(af, type, protocol);
    if (fd == -1) {
        last_error = wsa_from_errno(errno);
        return INVALID_SOCKET;
    }
    forget_socket((SOCKET)fd);
    if (type == SOCK_DGRAM)
        report_unreachable(fd, af);
    last_error = 0;
    return (SOCKET)fd;
}

int wsa_bind(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    if (not_started())
        return SOCKET_ERROR;
    return wsa_result(bind((int)s, addr, (socklen_t)addrlen));
}

int wsa_connect(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    if (not_started())
        return SOCKET_ERROR;
    return wsa_result(connect((int)s, addr, (socklen_t)addrlen));
}

int wsa_listen(SOCKET s, int backlog)
{
    if (not_started())
        return SOCKET_ERROR;
    return wsa_result(listen((int)s, backlog));
}

SOCKET wsa_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    if (not_started() || bad_address_length(addr, addrlen))
        return INVALID_SOCKET;
    struct sockaddr_storage peer;
    socklen_t len = sizeof peer;
    int fd = accept((int)s, addr ? (struct sockaddr *)&peer : NULL, addr ? &len : NULL);
    if (fd == -1) {
        last_error = wsa_from_errno(errno);
        return INVALID_SOCKET;
    }
    if (addr && too_long(addrlen, len)) {
        close(fd);          /* the connection the kernel accepted is not the caller's */
        return INVALID_SOCKET;
    }
    if (addr) {
        memcpy(addr, &peer, len);
        *addrlen = (int)len;
    }
    forget_socket((SOCKET)fd);
    last_error = 0;
    return (SOCKET)fd;
}

int wsa_send(SOCKET s, const char *buf, int len, int flags)
{
    if (io_refused(len) || sending_shut(s))
        return SOCKET_ERROR;
    return io_result(s, send_keeping_reports(s, buf, len, flags, NULL, 0));
}

int wsa_recv(SOCKET s, char *buf, int len, int flags)
{
    if (io_refused(len) || datagram_reset(s, 0))
        return SOCKET_ERROR;
    ssize_t n = recv((int)s, buf, (size_t)len, flags);
    if (n == -1 && datagram_reset(s, 1))
        return SOCKET_ERROR;
    return io_result(s, n);
}

int wsa_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen)
{
    if (io_refused(len) || sending_shut(s))
        return SOCKET_ERROR;
    return io_result(s, send_keeping_reports(s, buf, len, flags, to, (socklen_t)tolen));
}

static int system_recvfrom(SOCKET s, char *buf, int len, int flags,
                           struct sockaddr *from, int *fromlen)
{
    if (io_refused(len) || bad_address_length(from, fromlen) || datagram_reset(s, 0))
        return SOCKET_ERROR;
    /* Windows reports a datagram longer than the buffer as WSAEMSGSIZE, having
       filled the buffer; POSIX truncates silently, saying so only in msg_flags. */
    struct iovec iov = { .iov_base = buf, .iov_len = (size_t)len };
    struct sockaddr_storage sender;
    struct msghdr msg;
    memset(&msg, 0, sizeof msg);
    msg.msg_name = from ? &sender : NULL;
    msg.msg_namelen = from ? sizeof sender : 0;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    ssize_t n = recvmsg((int)s, &msg, flags);
    if (n == -1 && datagram_reset(s, 1))
        return SOCKET_ERROR;
    if (n == -1)
        return io_result(s, n);
    if (from && too_long(fromlen, msg.msg_namelen))
        return SOCKET_ERROR;
    if (from) {
        memcpy(from, &sender, msg.msg_namelen);
        *fromlen = (int)msg.msg_namelen;
    }
    if (msg.msg_flags & MSG_TRUNC) {
        last_error = WSAEMSGSIZE;
        return SOCKET_ERROR;
    }
    last_error = 0;
    return (int)n;
}

int wsa_shutdown(SOCKET s, int how)
{
    if (not_started())
        return SOCKET_ERROR;
    int rc = shutdown((int)s, how);
    /* Linux shuts an unconnected datagram socket down but says ENOTCONN; Windows
       says nothing, as the socket is shut down all the same. */
    if (rc == -1 && errno == ENOTCONN && is_datagram(s))
        rc = 0;
    rc = wsa_result(rc);
    if (rc == 0 && (how == SD_SEND || how == SD_BOTH) && tracked(s))
        send_shut[s] = 1;
    return rc;
}

int wsa_closesocket(SOCKET s)
{
    if (not_started())
        return SOCKET_ERROR;
    int rc = wsa_result(close((int)s));
    if (rc == 0)
        forget_socket(s);
    return rc;
}

/* SO_RCVTIMEO and SO_SNDTIMEO take a DWORD of milliseconds on Windows and a struct
   timeval on POSIX. Windows reads the first DWORD of whatever it is given, so a
   timeval passed here is read as its seconds field taken as milliseconds, as there. */
static int set_timeout(SOCKET s, int optname, const char *optval, int optlen)
{
    DWORD ms;
    struct timeval tv;

    if (optval == NULL || optlen < (int)sizeof ms) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    memcpy(&ms, optval, sizeof ms);
    tv.tv_sec = (time_t)(ms / 1000);
    tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
    return wsa_result(setsockopt((int)s, SOL_SOCKET, optname, &tv, sizeof tv));
}

static int get_timeout(SOCKET s, int optname, char *optval, int *optlen)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    DWORD ms;

    if (optval == NULL || optlen == NULL || *optlen < (int)sizeof ms) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    if (getsockopt((int)s, SOL_SOCKET, optname, &tv, &len) == -1)
        return wsa_result(-1);
    ms = (DWORD)tv.tv_sec * 1000 + (DWORD)(tv.tv_usec / 1000);
    memcpy(optval, &ms, sizeof ms);
    *optlen = (int)sizeof ms;
    last_error = 0;
    return 0;
}

static int is_timeout_option(int level, int optname)
{
    return level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO);
}

/* Windows keeps SO_KEEPALIVE and TCP_NODELAY as one-byte BOOLEANs: getsockopt
   writes one byte and sets the length to 1, whatever the size of the buffer, so an
   int read back is only right if it was 0 before. */
static int is_boolean_option(int level, int optname)
{
    return (level == SOL_SOCKET && optname == SO_KEEPALIVE) ||
           (level == IPPROTO_TCP && optname == TCP_NODELAY);
}

static int get_boolean(SOCKET s, int level, int optname, char *optval, int *optlen)
{
    int value = 0;
    socklen_t len = sizeof value;

    if (optval == NULL || *optlen < 1) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    if (getsockopt((int)s, level, optname, &value, &len) == -1)
        return wsa_result(-1);
    optval[0] = (char)(value != 0);
    *optlen = 1;
    last_error = 0;
    return 0;
}

int wsa_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)
{
    if (not_started())
        return SOCKET_ERROR;
    if (is_timeout_option(level, optname))
        return set_timeout(s, optname, optval, optlen);
    if (level == SOL_SOCKET && optname == SO_EXCLUSIVEADDRUSE) {
        /* What a server asks of Windows with this option, POSIX does with
           SO_REUSEADDR. Windows lets a server bind a port that closed connections
           still hold in TIME_WAIT, and this option stops another socket from taking
           the port over. POSIX refuses the TIME_WAIT port unless SO_REUSEADDR is set,
           and without SO_REUSEPORT it never lets a second socket take a listening
           port. (SO_REUSEADDR on Windows means the opposite: others may take it.) */
        optname = SO_REUSEADDR;
    }
    if (optlen < 0) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    return wsa_result(setsockopt((int)s, level, optname, optval, (socklen_t)optlen));
}

int wsa_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)
{
    if (not_started())
        return SOCKET_ERROR;
    if (is_timeout_option(level, optname))
        return get_timeout(s, optname, optval, optlen);
    if (level == SOL_SOCKET && optname == SO_EXCLUSIVEADDRUSE)
        optname = SO_REUSEADDR;     /* as in wsa_setsockopt */
    if (optlen == NULL || *optlen < 0) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    if (is_boolean_option(level, optname))
        return get_boolean(s, level, optname, optval, optlen);
    if (level == SOL_SOCKET && optname == SO_LINGER && *optlen < (int)sizeof(struct linger)) {
        /* Windows refuses a buffer too small for the whole struct; POSIX would copy
           a part of it and succeed. */
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    socklen_t len = (socklen_t)*optlen;
    int rc = wsa_result(getsockopt((int)s, level, optname, optval, &len));
    if (rc == 0)
        *optlen = (int)len;
    if (rc == 0 && level == SOL_SOCKET && optname == SO_ERROR && len == sizeof(int)) {
        int err;                /* a pending error is an errno value: translate it */
        memcpy(&err, optval, sizeof err);
        err = wsa_from_errno(err);
        memcpy(optval, &err, sizeof err);
    }
    return rc;
}

/* getsockname and getpeername share this shape. */
static int name_call(int (*call)(int, struct sockaddr *, socklen_t *), SOCKET s,
                     struct sockaddr *addr, int *addrlen)
{
    if (not_started())
        return SOCKET_ERROR;
    if (addr == NULL) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    if (bad_address_length(addr, addrlen))
        return SOCKET_ERROR;
    struct sockaddr_storage name;
    socklen_t len = sizeof name;
    int rc = wsa_result(call((int)s, (struct sockaddr *)&name, &len));
    if (rc != 0 || too_long(addrlen, len))
        return SOCKET_ERROR;
    memcpy(addr, &name, len);
    *addrlen = (int)len;
    return 0;
}

int wsa_getsockname(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return name_call(getsockname, s, addr, addrlen);
}

int wsa_getpeername(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return name_call(getpeername, s, addr, addrlen);
}

int wsa_ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
    if (not_started())
        return SOCKET_ERROR;
    if (argp == NULL) {
        last_error = WSAEFAULT;
        return SOCKET_ERROR;
    }
    if (cmd == (long)FIONBIO) {
        int flags = fcntl((int)s, F_GETFL);
        if (flags == -1)
            return wsa_result(-1);
        flags = *argp ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        return wsa_result(fcntl((int)s, F_SETFL, flags) == -1 ? -1 : 0);
    }
    if (cmd == (long)FIONREAD) {
        int n = 0;
        int rc = wsa_result(ioctl((int)s, FIONREAD, &n));
        if (rc == 0)
            *argp = (u_long)n;
        return rc;
    }
    last_error = WSAEINVAL;
    return SOCKET_ERROR;
}

/* Windows ignores nfds: the sets carry their own sockets. With no set at all it is
   no sleep, as POSIX's is, but WSAEINVAL. */
int wsa_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout)
{
    (void)nfds;
    if (not_started())
        return SOCKET_ERROR;
    if (readfds == NULL && writefds == NULL && exceptfds == NULL) {
        last_error = WSAEINVAL;
        return SOCKET_ERROR;
    }
    struct timeval tv, *tvp = NULL;
    if (timeout) {
        tv = *timeout;          /* POSIX may modify it; Windows never does */
        tvp = &tv;
    }
    return wsa_result(select(FD_SETSIZE, readfds, writefds, exceptfds, tvp));
}

/* Windows' getaddrinfo returns a WSA code (its EAI_* are WSA codes) and sets it as
   the last error too. It refuses, with WSANO_RECOVERY, hints whose ai_addrlen,
   ai_canonname, ai_addr or ai_next is not 0 or NULL: hints not zeroed first. */
int wsa_getaddrinfo(const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res)
{
    if (not_started())
        return WSANOTINITIALISED;
    if (hints != NULL && (hints->ai_addrlen != 0 || hints->ai_canonname != NULL ||
                          hints->ai_addr != NULL || hints->ai_next != NULL)) {
        last_error = WSANO_RECOVERY;
        return last_error;
    }
    last_error = wsa_from_eai(getaddrinfo(node, service, hints, res));
    return last_error;
}

void wsa_freeaddrinfo(struct addrinfo *list)
{
    freeaddrinfo(list);
}

int _setmode(int fd, int mode)
{
    (void)fd;
    (void)mode;
    return _O_BINARY;
}

/* Windows' C runtime reads and writes its own descriptors only (sockcompat.h). */
static int refused_on_windows(int fd, const char *call)
{
    static int said;
    struct stat st;

    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return 0;
    if (!said) {
        said = 1;
        fprintf(stderr, "sockcompat: %s() of socket %d: on Windows %s works on files "
                "only, and fails on a socket; use %s\n", call, fd, call,
                call[0] == 'r' ? "recv" : "send");
    }
    errno = EBADF;
    return 1;
}

long wsa_read(int fd, void *buf, size_t len)
{
    return refused_on_windows(fd, "read") ? -1 : (long)read(fd, buf, len);
}

long wsa_write(int fd, const void *buf, size_t len)
{
    return refused_on_windows(fd, "write") ? -1 : (long)write(fd, buf, len);
}

#endif /* POSIX */

/* --- Windows' strictness, on every platform ------------------------------------- */

/* recvfrom into a from buffer too short for the sender's address (a sockaddr_in for
   an IPv6 sender) fails with WSAEFAULT on Windows, the datagram taken all the same.
   Wine fills what fits, and POSIX would truncate: the sender's address is received
   into a buffer of the layer's own, and given only if it fits. */
int wsa_recvfrom(SOCKET s, char *buf, int len, int flags, struct sockaddr *from,
                 int *fromlen)
{
    struct sockaddr_storage sender;
    int size = (int)sizeof sender;
    int rc;

    if (from == NULL || fromlen == NULL || *fromlen < (int)sizeof(struct sockaddr) ||
        *fromlen >= size)
        return system_recvfrom(s, buf, len, flags, from, fromlen);
    rc = system_recvfrom(s, buf, len, flags, (struct sockaddr *)&sender, &size);
    if (rc == SOCKET_ERROR)
        return rc;
    if (size > *fromlen) {
        WSASetLastError(WSAEFAULT);
        return SOCKET_ERROR;
    }
    memcpy(from, &sender, (size_t)size);
    *fromlen = size;
    return rc;
}
