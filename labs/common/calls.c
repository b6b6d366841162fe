/*
 * calls.c - the socket calls as the program makes them: each passed on to the
 * platform's call (sockcompat.c), recorded one line per call when KIT_CALLS names a
 * file, and given the faults KIT_FAULTS lists, decided by KIT_SEED. The same on
 * every platform: it reaches the platform only through sockcompat.h's wsa_ calls.
 *
 * The record reads like strace, in the program's terms. Sockets are numbered in the
 * order the program made them (s1, s2, ...), so it reads the same everywhere:
 *
 *     socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = s3
 *     connect(s3, [::1]:8080) = SOCKET_ERROR WSAECONNREFUSED
 *     send(s4, 65536 bytes) = 913 [fault: short send]
 *
 * Without KIT_CALLS and KIT_FAULTS every call goes straight to the platform.
 */
#define SOCKCOMPAT_IMPL
#include "labkit.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lines the record keeps; later calls are counted, not written. */
#define RECORD_LIMIT 20000
/* Open sockets the record follows by number; more are shown as s? */
#define TRACKED 1024
/* How the program ends when the grader's variables make no sense. */
#define EXIT_KIT_ENV 64

enum fault {
    SHORT_SEND = 1,         /* send takes a random part of what it is asked */
    SHORT_RECV = 2,         /* recv asks the system for a random part of the buffer */
    ACCEPT_RESET = 4,       /* the first connection accepted was reset in the backlog */
    FIRST_REFUSES = 8       /* getaddrinfo puts KIT_REFUSER's address first */
};

static const struct { const char *name; enum fault fault; } fault_names[] = {
    { "short-send", SHORT_SEND },
    { "short-recv", SHORT_RECV },
    { "accept-reset", ACCEPT_RESET },
    { "first-refuses", FIRST_REFUSES },
};

struct tracked {
    SOCKET s;
    unsigned long number;   /* sN */
    int type;               /* SOCK_STREAM, SOCK_DGRAM, or 0 if not known */
};

static struct {
    int state;              /* -1: not read yet; 0: off; 1: recording or faults */
    FILE *file;
    unsigned long written, unrecorded;
    unsigned faults;
    uint64_t rng;
    struct sockaddr_storage refuser;
    int refuser_len;
    struct addrinfo *added[16];     /* getaddrinfo's entries the layer made */
    struct tracked open[TRACKED];
    int open_count;
    unsigned long sockets;          /* sockets numbered so far */
    long startups, failed_startups, cleanups;
} rec = { .state = -1 };

/* --- the environment -------------------------------------------------------------- */

static void refuse_env(const char *name, const char *value, const char *why)
{
    fprintf(stderr, "sockcompat: %s='%s': %s\n", name, value, why);
    fflush(stderr);
    exit(EXIT_KIT_ENV);
}

static void read_faults(const char *list)
{
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ",");
        size_t i;
        for (i = 0; i < sizeof fault_names / sizeof fault_names[0]; i++)
            if (strlen(fault_names[i].name) == n && strncmp(p, fault_names[i].name, n) == 0)
                break;
        if (i == sizeof fault_names / sizeof fault_names[0] && n > 0)
            refuse_env("KIT_FAULTS", list, "unknown fault (known: short-send, short-recv, "
                                           "accept-reset, first-refuses)");
        if (i < sizeof fault_names / sizeof fault_names[0])
            rec.faults |= (unsigned)fault_names[i].fault;
        p += n + (p[n] == ',');
    }
}

static void read_seed(const char *text)
{
    char *end;
    unsigned long long seed;

    errno = 0;
    seed = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
        refuse_env("KIT_SEED", text, "not a decimal number");
    rec.rng = (uint64_t)seed;
}

/* KIT_REFUSER: 127.0.0.1:PORT or [::1]:PORT, where the grader holds a socket that
   does not listen (for a datagram socket: a port where nothing is bound). */
static void read_refuser(const char *text)
{
    char host[64];
    unsigned short port;
    const char *colon = strrchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : 0;

    if (colon == NULL || n == 0 || n >= sizeof host || kit_parse_port(colon + 1, &port) != 0)
        refuse_env("KIT_REFUSER", text, "not ADDRESS:PORT");
    memcpy(host, text, n);
    host[n] = '\0';
    memset(&rec.refuser, 0, sizeof rec.refuser);
    if (host[0] == '[' && host[n - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&rec.refuser;
        host[n - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            refuse_env("KIT_REFUSER", text, "not an IPv6 address in brackets");
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        rec.refuser_len = (int)sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&rec.refuser;
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            refuse_env("KIT_REFUSER", text, "not an IPv4 address");
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        rec.refuser_len = (int)sizeof *a4;
    }
}

static void at_exit(void);

static void start_recording(void)
{
    const char *path = getenv("KIT_CALLS");
    const char *faults = getenv("KIT_FAULTS");
    const char *seed = getenv("KIT_SEED");
    const char *refuser = getenv("KIT_REFUSER");

    rec.state = 0;
    if (faults && *faults)
        read_faults(faults);
    if (seed && *seed)
        read_seed(seed);
    if (refuser && *refuser)
        read_refuser(refuser);
    if ((rec.faults & FIRST_REFUSES) && rec.refuser_len == 0)
        refuse_env("KIT_FAULTS", faults, "first-refuses needs KIT_REFUSER=ADDRESS:PORT");
    if (path && *path) {
        rec.file = fopen(path, "ab");
        if (rec.file == NULL)
            refuse_env("KIT_CALLS", path, "cannot open the file for writing");
        setvbuf(rec.file, NULL, _IONBF, 0);     /* each line written out at once */
        atexit(at_exit);
    }
    rec.state = rec.file != NULL || rec.faults != 0;
}

/* 1 when calls are recorded or faults injected; the cost of the check is all the
   layer costs otherwise. */
static int on(void)
{
    if (rec.state < 0)
        start_recording();
    return rec.state;
}

/* --- the seeded faults ------------------------------------------------------------ */

/* splitmix64: the next number of the one stream every fault decision takes from, so
   that the decisions depend only on the seed and the program's sequence of calls. */
static uint64_t next_random(void)
{
    uint64_t z = (rec.rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A random length from 1 to len - 1 (len > 1). */
static int shorter(int len)
{
    return 1 + (int)(next_random() % (uint64_t)(len - 1));
}

/* --- sockets by number ------------------------------------------------------------ */

static struct tracked *find(SOCKET s)
{
    for (int i = 0; i < rec.open_count; i++)
        if (rec.open[i].s == s)
            return &rec.open[i];
    return NULL;
}

static void opened(SOCKET s, int type)
{
    struct tracked *t = find(s);        /* a number the system gave again */

    rec.sockets++;
    if (t == NULL && rec.open_count < TRACKED)
        t = &rec.open[rec.open_count++];
    if (t != NULL) {
        t->s = s;
        t->number = rec.sockets;
        t->type = type;
    }
}

static void closed(SOCKET s)
{
    struct tracked *t = find(s);

    if (t != NULL)
        *t = rec.open[--rec.open_count];
}

static int is_stream(SOCKET s)
{
    struct tracked *t = find(s);
    int type = 0, len = (int)sizeof type;

    if (t != NULL && t->type != 0)
        return t->type == SOCK_STREAM;
    if (wsa_getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len) != 0)
        return 0;
    if (t != NULL)
        t->type = type;
    return type == SOCK_STREAM;
}

/* --- one line ---------------------------------------------------------------------- */

struct line {
    char text[768];
    size_t len;
};

static void add(struct line *l, const char *format, ...)
{
    va_list ap;
    int n;

    if (l->len >= sizeof l->text - 1)
        return;
    va_start(ap, format);
    n = vsnprintf(l->text + l->len, sizeof l->text - l->len, format, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->text - l->len ? (size_t)n : sizeof l->text - 1 - l->len;
}

static void add_socket(struct line *l, SOCKET s)
{
    struct tracked *t = find(s);

    if (t != NULL)
        add(l, "s%lu", t->number);
    else if (s == INVALID_SOCKET)
        add(l, "INVALID_SOCKET");
    else
        add(l, "s?");               /* not a socket the program has open */
}

static void add_address(struct line *l, const struct sockaddr *addr, int len)
{
    char host[INET6_ADDRSTRLEN];

    if (addr == NULL) {
        add(l, "NULL");
    } else if (addr->sa_family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, (void *)&a4->sin_addr, host, sizeof host);
        add(l, "%s:%u", host, ntohs(a4->sin_port));
    } else if (addr->sa_family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, (void *)&a6->sin6_addr, host, sizeof host);
        add(l, "[%s]:%u", host, ntohs(a6->sin6_port));
    } else {
        add(l, "(family %d, %d bytes)", addr->sa_family, len);
    }
}

/* An address argument, with its length when that is not the family's own. */
static void add_address_arg(struct line *l, const struct sockaddr *addr, int len)
{
    add_address(l, addr, len);
    if (addr != NULL && !((addr->sa_family == AF_INET && len == (int)sizeof(struct sockaddr_in)) ||
                          (addr->sa_family == AF_INET6 &&
                           len == (int)sizeof(struct sockaddr_in6))))
        add(l, " length %d", len);
}

/* An address buffer the call fills: its size, or NULL. */
static void add_buffer(struct line *l, const struct sockaddr *addr, const int *len)
{
    if (addr == NULL)
        add(l, "NULL");
    else if (len == NULL)
        add(l, "addr[NULL length]");
    else
        add(l, "addr[%d]", *len);
}

struct name {
    int value;
    const char *name;
};

#define NAME(x) { x, #x }

static const struct name families[] = { NAME(AF_UNSPEC), NAME(AF_INET), NAME(AF_INET6) };
static const struct name types[] = { NAME(SOCK_STREAM), NAME(SOCK_DGRAM), NAME(SOCK_RAW) };
static const struct name protocols[] = { NAME(IPPROTO_TCP), NAME(IPPROTO_UDP) };
static const struct name levels[] = { NAME(SOL_SOCKET), NAME(IPPROTO_TCP), NAME(IPPROTO_IP),
                                      NAME(IPPROTO_IPV6) };
static const struct name socket_options[] = {
    NAME(SO_EXCLUSIVEADDRUSE), NAME(SO_REUSEADDR), NAME(SO_KEEPALIVE), NAME(SO_LINGER),
    NAME(SO_RCVBUF), NAME(SO_SNDBUF), NAME(SO_RCVTIMEO), NAME(SO_SNDTIMEO), NAME(SO_ERROR),
    NAME(SO_TYPE), NAME(SO_BROADCAST), NAME(SO_ACCEPTCONN), NAME(SO_DONTROUTE),
    NAME(SO_OOBINLINE),
};
static const struct name tcp_options[] = { NAME(TCP_NODELAY) };
static const struct name ipv6_options[] = { NAME(IPV6_V6ONLY) };
static const struct name hows[] = { NAME(SD_RECEIVE), NAME(SD_SEND), NAME(SD_BOTH) };

static void add_name(struct line *l, const struct name *names, size_t count, int value)
{
    for (size_t i = 0; i < count; i++)
        if (names[i].value == value) {
            add(l, "%s", names[i].name);
            return;
        }
    add(l, "%d", value);
}

#define ADD_NAME(l, names, value) add_name(l, names, sizeof names / sizeof names[0], value)

static void add_flags(struct line *l, int flags)
{
    if (flags == 0)
        return;
    add(l, ", ");
    if (flags & MSG_PEEK)
        add(l, "MSG_PEEK%s", flags & ~MSG_PEEK ? "|" : "");
    if (flags & MSG_OOB)
        add(l, "MSG_OOB%s", flags & ~(MSG_PEEK | MSG_OOB) ? "|" : "");
    if (flags & ~(MSG_PEEK | MSG_OOB))
        add(l, "0x%x", (unsigned)(flags & ~(MSG_PEEK | MSG_OOB)));
}

static void add_option(struct line *l, int level, int optname)
{
    ADD_NAME(l, levels, level);
    add(l, ", ");
    if (level == SOL_SOCKET)
        ADD_NAME(l, socket_options, optname);
    else if (level == IPPROTO_TCP)
        ADD_NAME(l, tcp_options, optname);
    else if (level == IPPROTO_IPV6)
        ADD_NAME(l, ipv6_options, optname);
    else
        add(l, "%d", optname);
}

/* An option's value as the program gave or got it. */
static void add_value(struct line *l, int optname, const char *val, int len)
{
    if (val == NULL) {
        add(l, "NULL");
    } else if (optname == SO_LINGER && len >= (int)sizeof(struct linger)) {
        struct linger lg;
        memcpy(&lg, val, sizeof lg);
        add(l, "{l_onoff %d, l_linger %d}", (int)lg.l_onoff, (int)lg.l_linger);
    } else if (len == (int)sizeof(int)) {
        int v;
        memcpy(&v, val, sizeof v);
        add(l, "%d", v);
    } else if (len == 1) {
        add(l, "%d", (unsigned char)val[0]);
    } else {
        add(l, "%d bytes", len);
    }
}

/* " = RESULT" for a call that returns 0 or SOCKET_ERROR, or a count. */
static void add_result(struct line *l, int rc, int err)
{
    if (rc == SOCKET_ERROR)
        add(l, " = SOCKET_ERROR %s", wsa_error_name(err));
    else
        add(l, " = %d", rc);
}

/* Writes the line, keeping the program's last error: writing a file may change it. */
static void emit(struct line *l)
{
    int err = WSAGetLastError();
    int saved_errno = errno;

    if (rec.file != NULL) {
        if (rec.written < RECORD_LIMIT) {
            if (l->len > sizeof l->text - 2)
                l->len = sizeof l->text - 2;    /* a line cut short still ends */
            l->text[l->len++] = '\n';
            fwrite(l->text, 1, l->len, rec.file);
            rec.written++;
        } else {
            rec.unrecorded++;
        }
    }
    errno = saved_errno;
    WSASetLastError(err);
}

/* The line of a call, begun: "NAME(". */
static struct line *begin(struct line *l, const char *call)
{
    l->len = 0;
    add(l, "%s(", call);
    return l;
}

static void at_exit(void)
{
    struct line l = { .len = 0 };

    if (rec.unrecorded > 0 && rec.file != NULL) {
        char text[128];
        int n = snprintf(text, sizeof text, "not recorded: %lu calls after the first %d\n",
                         rec.unrecorded, RECORD_LIMIT);
        fwrite(text, 1, (size_t)n, rec.file);
    }
    add(&l, "exit: open");
    for (int i = 0; i < rec.open_count; i++)
        add(&l, " s%lu", rec.open[i].number);
    if (rec.open_count == 0)
        add(&l, " none");
    add(&l, "; WSAStartup %ld (%ld failed); WSACleanup %ld\n", rec.startups + rec.failed_startups,
        rec.failed_startups, rec.cleanups);
    if (rec.file != NULL)
        fwrite(l.text, 1, l.len, rec.file);
}

void calls_announce(SOCKET s, const char *address)
{
    struct line l;

    if (!on())
        return;
    begin(&l, "announce");
    add_socket(&l, s);
    add(&l, ", %s)", address);
    emit(&l);
}

/* --- the calls --------------------------------------------------------------------- */

int rec_WSAStartup(WORD requested, WSADATA *data)
{
    struct line l;
    int rc = wsa_startup(requested, data);

    if (!on())
        return rc;
    if (rc == 0)
        rec.startups++;
    else
        rec.failed_startups++;
    begin(&l, "WSAStartup");
    add(&l, "%u.%u) = %s", LOBYTE(requested), HIBYTE(requested),
        rc == 0 ? "0" : wsa_error_name(rc));
    emit(&l);
    return rc;
}

int rec_WSACleanup(void)
{
    struct line l;
    int rc = wsa_cleanup();

    if (!on())
        return rc;
    if (rc == 0)
        rec.cleanups++;
    begin(&l, "WSACleanup");
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

SOCKET rec_socket(int af, int type, int protocol)
{
    struct line l;
    SOCKET s = wsa_socket(af, type, protocol);

    if (!on())
        return s;
    if (s != INVALID_SOCKET)
        opened(s, type);
    begin(&l, "socket");
    ADD_NAME(&l, families, af);
    add(&l, ", ");
    ADD_NAME(&l, types, type);
    add(&l, ", ");
    ADD_NAME(&l, protocols, protocol);
    add(&l, ") = ");
    if (s == INVALID_SOCKET)
        add(&l, "INVALID_SOCKET %s", wsa_error_name(WSAGetLastError()));
    else
        add_socket(&l, s);
    emit(&l);
    return s;
}

/* bind and connect share this shape. */
static int address_call(int (*call)(SOCKET, const struct sockaddr *, int), const char *name,
                        SOCKET s, const struct sockaddr *addr, int addrlen)
{
    struct line l;
    int rc = call(s, addr, addrlen);

    if (!on())
        return rc;
    begin(&l, name);
    add_socket(&l, s);
    add(&l, ", ");
    add_address_arg(&l, addr, addrlen);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

int rec_bind(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    return address_call(wsa_bind, "bind", s, addr, addrlen);
}

int rec_connect(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    return address_call(wsa_connect, "connect", s, addr, addrlen);
}

int rec_listen(SOCKET s, int backlog)
{
    struct line l;
    int rc = wsa_listen(s, backlog);

    if (!on())
        return rc;
    begin(&l, "listen");
    add_socket(&l, s);
    if (backlog == SOMAXCONN)
        add(&l, ", SOMAXCONN)");
    else
        add(&l, ", %d)", backlog);
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

/* The accept-reset fault, once, on the first connection the program accepts: the
   connection is reset, as a client that gave up while it waited in the backlog
   leaves it, and the call fails as Windows' then does. Returns 1 if it did so. */
static int reset_in_backlog(SOCKET s)
{
    static int done;
    struct linger abort = { 1, 0 };
    SOCKET c;

    if (done || !(rec.faults & ACCEPT_RESET))
        return 0;
    c = wsa_accept(s, NULL, NULL);
    if (c == INVALID_SOCKET)
        return 0;       /* no connection yet: the fault waits for the first one */
    done = 1;
    wsa_setsockopt(c, SOL_SOCKET, SO_LINGER, (const char *)&abort, (int)sizeof abort);
    wsa_closesocket(c);
    WSASetLastError(WSAECONNRESET);
    return 1;
}

SOCKET rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    struct line l;
    int size = addrlen ? *addrlen : 0;
    int faulted = on() && reset_in_backlog(s);
    SOCKET c = faulted ? INVALID_SOCKET : wsa_accept(s, addr, addrlen);
    int err = WSAGetLastError();

    if (!on())
        return c;
    begin(&l, "accept");
    add_socket(&l, s);
    add(&l, ", ");
    add_buffer(&l, addr, addrlen ? &size : NULL);
    add(&l, ") = ");
    if (c == INVALID_SOCKET) {
        add(&l, "INVALID_SOCKET %s", wsa_error_name(err));
    } else {
        opened(c, SOCK_STREAM);
        add_socket(&l, c);
        if (addr != NULL && addrlen != NULL) {
            add(&l, " from ");
            add_address(&l, addr, *addrlen);
        }
    }
    if (faulted)
        add(&l, " [fault: the client reset while it waited in the backlog]");
    emit(&l);
    WSASetLastError(err);
    return c;
}

int rec_send(SOCKET s, const char *buf, int len, int flags)
{
    struct line l;
    int asked = len;
    int faulted = on() && (rec.faults & SHORT_SEND) && len > 1 && is_stream(s);
    int rc = wsa_send(s, buf, faulted ? shorter(len) : len, flags);

    if (!on())
        return rc;
    begin(&l, "send");
    add_socket(&l, s);
    add(&l, ", %d bytes", asked);
    add_flags(&l, flags);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    if (faulted)
        add(&l, " [fault: short send]");
    emit(&l);
    return rc;
}

int rec_recv(SOCKET s, char *buf, int len, int flags)
{
    struct line l;
    int asked = len;
    /* One recv in four may still fill the whole buffer, as a real one does when
       enough has arrived: a program that writes one byte past what recv filled must
       meet a full buffer under this fault too. */
    int faulted = on() && (rec.faults & SHORT_RECV) && len > 1 && is_stream(s) &&
                  next_random() % 4 != 0;
    int shortened = faulted ? shorter(len) : len;
    int rc = wsa_recv(s, buf, shortened, flags);

    if (!on())
        return rc;
    begin(&l, "recv");
    add_socket(&l, s);
    add(&l, ", %d bytes", asked);
    add_flags(&l, flags);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    if (faulted)
        add(&l, " [fault: short recv, asked the system for %d]", shortened);
    emit(&l);
    return rc;
}

int rec_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen)
{
    struct line l;
    int rc = wsa_sendto(s, buf, len, flags, to, tolen);

    if (!on())
        return rc;
    begin(&l, "sendto");
    add_socket(&l, s);
    add(&l, ", %d bytes", len);
    add_flags(&l, flags);
    add(&l, ", ");
    add_address_arg(&l, to, tolen);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

/* recvfrom, with Windows' answer to a from buffer too short for the sender's address
   (a sockaddr_in for an IPv6 sender): WSAEFAULT, as the POSIX layer gives too, where
   Wine fills what fits. The datagram is taken either way. */
static int sender_into(SOCKET s, char *buf, int len, int flags, struct sockaddr *from,
                       int *fromlen)
{
    struct sockaddr_storage sender;
    int size = (int)sizeof sender;
    int rc;

    if (from == NULL || fromlen == NULL || *fromlen < (int)sizeof(struct sockaddr) ||
        *fromlen >= size)
        return wsa_recvfrom(s, buf, len, flags, from, fromlen);
    rc = wsa_recvfrom(s, buf, len, flags, (struct sockaddr *)&sender, &size);
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

int rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                 struct sockaddr *from, int *fromlen)
{
    struct line l;
    int size = fromlen ? *fromlen : 0;
    int rc = sender_into(s, buf, len, flags, from, fromlen);

    if (!on())
        return rc;
    begin(&l, "recvfrom");
    add_socket(&l, s);
    add(&l, ", %d bytes", len);
    add_flags(&l, flags);
    add(&l, ", ");
    add_buffer(&l, from, fromlen ? &size : NULL);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    if (rc != SOCKET_ERROR && from != NULL && fromlen != NULL) {
        add(&l, " from ");
        add_address(&l, from, *fromlen);
    }
    emit(&l);
    return rc;
}

int rec_shutdown(SOCKET s, int how)
{
    struct line l;
    int rc = wsa_shutdown(s, how);

    if (!on())
        return rc;
    begin(&l, "shutdown");
    add_socket(&l, s);
    add(&l, ", ");
    ADD_NAME(&l, hows, how);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

int rec_closesocket(SOCKET s)
{
    struct line l;
    int rc = wsa_closesocket(s);

    if (!on())
        return rc;
    begin(&l, "closesocket");
    add_socket(&l, s);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    if (rc == 0)
        closed(s);
    emit(&l);
    return rc;
}

int rec_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)
{
    struct line l;
    int rc = wsa_setsockopt(s, level, optname, optval, optlen);

    if (!on())
        return rc;
    begin(&l, "setsockopt");
    add_socket(&l, s);
    add(&l, ", ");
    add_option(&l, level, optname);
    add(&l, ", ");
    add_value(&l, optname, optval, optlen);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

int rec_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)
{
    struct line l;
    int size = optlen ? *optlen : 0;
    int rc = wsa_getsockopt(s, level, optname, optval, optlen);

    if (!on())
        return rc;
    begin(&l, "getsockopt");
    add_socket(&l, s);
    add(&l, ", ");
    add_option(&l, level, optname);
    if (optlen)
        add(&l, ", length %d)", size);
    else
        add(&l, ", NULL length)");
    add_result(&l, rc, WSAGetLastError());
    if (rc == 0 && optlen != NULL) {
        add(&l, " value ");
        add_value(&l, optname, optval, *optlen);
    }
    emit(&l);
    return rc;
}

/* getsockname and getpeername share this shape. */
static int name_call(int (*call)(SOCKET, struct sockaddr *, int *), const char *name,
                     SOCKET s, struct sockaddr *addr, int *addrlen)
{
    struct line l;
    int size = addrlen ? *addrlen : 0;
    int rc = call(s, addr, addrlen);

    if (!on())
        return rc;
    begin(&l, name);
    add_socket(&l, s);
    add(&l, ", ");
    add_buffer(&l, addr, addrlen ? &size : NULL);
    add(&l, ")");
    add_result(&l, rc, WSAGetLastError());
    if (rc == 0) {
        add(&l, " ");
        add_address(&l, addr, *addrlen);
    }
    emit(&l);
    return rc;
}

int rec_getsockname(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return name_call(wsa_getsockname, "getsockname", s, addr, addrlen);
}

int rec_getpeername(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    return name_call(wsa_getpeername, "getpeername", s, addr, addrlen);
}

int rec_ioctlsocket(SOCKET s, long cmd, u_long *argp)
{
    struct line l;
    u_long arg = argp ? *argp : 0;
    int rc = wsa_ioctlsocket(s, cmd, argp);

    if (!on())
        return rc;
    begin(&l, "ioctlsocket");
    add_socket(&l, s);
    if (cmd == (long)FIONBIO)
        add(&l, ", FIONBIO, %lu)", (unsigned long)arg);
    else if (cmd == (long)FIONREAD)
        add(&l, ", FIONREAD)");
    else
        add(&l, ", 0x%lx)", (unsigned long)cmd);
    add_result(&l, rc, WSAGetLastError());
    if (rc == 0 && cmd == (long)FIONREAD && argp != NULL)
        add(&l, " value %lu", (unsigned long)*argp);
    emit(&l);
    return rc;
}

/* The program's open sockets in SET, by number. */
static void add_set(struct line *l, const char *name, fd_set *set)
{
    int any = 0;

    add(l, "%s", name);
    if (set == NULL) {
        add(l, " NULL");
        return;
    }
    for (int i = 0; i < rec.open_count; i++)
        if (FD_ISSET(rec.open[i].s, set)) {
            add(l, " s%lu", rec.open[i].number);
            any = 1;
        }
    if (!any)
        add(l, " none");
}

int rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout)
{
    struct line l;
    int rc;

    if (!on())
        return wsa_select(nfds, readfds, writefds, exceptfds, timeout);
    begin(&l, "select");
    add_set(&l, "read", readfds);
    add_set(&l, "; write", writefds);
    add_set(&l, "; except", exceptfds);
    if (timeout)
        add(&l, "; timeout %ld.%06ld s)", (long)timeout->tv_sec, (long)timeout->tv_usec);
    else
        add(&l, "; no timeout)");
    rc = wsa_select(nfds, readfds, writefds, exceptfds, timeout);
    add_result(&l, rc, WSAGetLastError());
    emit(&l);
    return rc;
}

static void add_text(struct line *l, const char *text)
{
    if (text == NULL)
        add(l, "NULL");
    else
        add(l, "\"%.100s\"", text);
}

/* The first-refuses fault: an entry of the layer's own, for KIT_REFUSER's address,
   put before the system's. Returns the new head of the list. */
static struct addrinfo *refuser_first(const struct addrinfo *hints, struct addrinfo *list)
{
    struct addrinfo *ai;
    size_t slot;

    if (!(rec.faults & FIRST_REFUSES) || list == NULL)
        return list;
    if (hints != NULL && ((hints->ai_flags & AI_PASSIVE) ||
                          (hints->ai_family != AF_UNSPEC &&
                           hints->ai_family != rec.refuser.ss_family) ||
                          (hints->ai_socktype != 0 && hints->ai_socktype != SOCK_STREAM &&
                           hints->ai_socktype != SOCK_DGRAM)))
        return list;
    for (slot = 0; slot < sizeof rec.added / sizeof rec.added[0] && rec.added[slot]; slot++)
        ;
    if (slot == sizeof rec.added / sizeof rec.added[0])
        return list;
    ai = calloc(1, sizeof *ai + sizeof rec.refuser);
    if (ai == NULL)
        return list;
    *ai = *list;
    ai->ai_canonname = NULL;
    ai->ai_family = rec.refuser.ss_family;
    ai->ai_addr = (struct sockaddr *)(ai + 1);
    memcpy(ai->ai_addr, &rec.refuser, (size_t)rec.refuser_len);
    ai->ai_addrlen = rec.refuser_len;
    ai->ai_next = list;
    rec.added[slot] = ai;
    return ai;
}

int rec_getaddrinfo(const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res)
{
    struct line l;
    int rc = wsa_getaddrinfo(node, service, hints, res);
    struct addrinfo *system = rc == 0 && res ? *res : NULL;

    if (!on())
        return rc;
    if (rc == 0 && res != NULL)
        *res = refuser_first(hints, *res);
    begin(&l, "getaddrinfo");
    add_text(&l, node);
    add(&l, ", ");
    add_text(&l, service);
    if (hints != NULL) {
        add(&l, ", ");
        ADD_NAME(&l, families, hints->ai_family);
        add(&l, ", ");
        ADD_NAME(&l, types, hints->ai_socktype);
        if (hints->ai_flags & AI_PASSIVE)
            add(&l, ", AI_PASSIVE");
    } else {
        add(&l, ", NULL");
    }
    add(&l, ") = %s", rc == 0 ? "0" : wsa_error_name(rc));
    for (const struct addrinfo *ai = rc == 0 && res ? *res : NULL; ai; ai = ai->ai_next) {
        add(&l, " ");
        add_address(&l, ai->ai_addr, (int)ai->ai_addrlen);
    }
    if (rc == 0 && res != NULL && *res != system)
        add(&l, " [fault: the first address refuses]");
    emit(&l);
    WSASetLastError(rc);
    return rc;
}

void rec_freeaddrinfo(struct addrinfo *list)
{
    struct line l;
    int count = 0;

    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
        count++;
    for (size_t i = 0; list != NULL && i < sizeof rec.added / sizeof rec.added[0]; i++)
        if (rec.added[i] == list) {
            struct addrinfo *rest = list->ai_next;
            rec.added[i] = NULL;
            free(list);         /* the layer's own entry; the system frees the rest */
            list = rest;
            break;
        }
    if (list != NULL)
        wsa_freeaddrinfo(list);
    if (!on())
        return;
    begin(&l, "freeaddrinfo");
    add(&l, "%d address%s)", count, count == 1 ? "" : "es");
    emit(&l);
}
