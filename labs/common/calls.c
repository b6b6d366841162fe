/*
 * calls.c - the socket calls as the program makes them (calls.h): each one passed on
 * to the platform's call, given its fault when one was asked for (faults.h), and
 * written as one line of the record (record.h). The grader's variables turn them on;
 * without KIT_CALLS and KIT_FAULTS every call goes straight to the platform.
 */
#include "calls.h"

#include <stdio.h>
#include <stdlib.h>

#include "faults.h"
#include "record.h"

/* How the program ends when the grader's variables make no sense. */
#define EXIT_KIT_ENV 64

/* --- the grader's variables -------------------------------------------------------- */

/* Ends the program at once: NAME's VALUE makes no sense, for the reason WHY (NULL:
   it does, and the program goes on). */
static void refuse(const char *name, const char *value, const char *why)
{
    if (why == NULL)
        return;
    fprintf(stderr, "sockcompat: %s='%s': %s\n", name, value, why);
    fflush(stderr);
    exit(EXIT_KIT_ENV);
}

/* NAME's value, or NULL when it is unset or empty. */
static const char *variable(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? value : NULL;
}

/* Reads KIT_FAULTS, KIT_SEED, KIT_REFUSER and KIT_CALLS. Returns 1 if calls are to
   be recorded or given faults, else 0. */
static int start(void)
{
    const char *faults = variable("KIT_FAULTS");
    const char *seed = variable("KIT_SEED");
    const char *refuser = variable("KIT_REFUSER");
    const char *path = variable("KIT_CALLS");

    if (faults)
        refuse("KIT_FAULTS", faults, faults_read(faults));
    if (seed)
        refuse("KIT_SEED", seed, faults_read_seed(seed));
    if (refuser)
        refuse("KIT_REFUSER", refuser, faults_read_refuser(refuser));
    refuse("KIT_FAULTS", faults, faults_missing());
    if (path)
        refuse("KIT_CALLS", path, record_open(path));
    return path != NULL || faults_any();
}

/* 1 when calls are recorded or given faults; the cost of the check is all the layer
   costs otherwise. */
static int on(void)
{
    static int state = -1;          /* -1: the variables not read yet */

    if (state < 0)
        state = start();
    return state;
}

/* --- the calls --------------------------------------------------------------------- */

int rec_WSAStartup(WORD requested, WSADATA *data)
{
    struct line l;
    int rc = wsa_startup(requested, data);

    if (!on())
        return rc;
    record_startup(rc != 0);
    line_begin(&l, "WSAStartup");
    line_add(&l, "%u.%u) = %s", LOBYTE(requested), HIBYTE(requested),
             rc == 0 ? "0" : wsa_error_name(rc));
    record_write(&l);
    return rc;
}

int rec_WSACleanup(void)
{
    struct line l;
    int rc = wsa_cleanup();

    if (!on())
        return rc;
    if (rc == 0)
        record_cleanup();
    line_begin(&l, "WSACleanup");
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    record_write(&l);
    return rc;
}

SOCKET rec_socket(int af, int type, int protocol)
{
    struct line l;
    SOCKET s = wsa_socket(af, type, protocol);

    if (!on())
        return s;
    if (s != INVALID_SOCKET)
        record_opened(s, type);
    line_begin(&l, "socket");
    line_family(&l, af);
    line_add(&l, ", ");
    line_type(&l, type);
    line_add(&l, ", ");
    line_protocol(&l, protocol);
    line_add(&l, ") = ");
    if (s == INVALID_SOCKET)
        line_add(&l, "INVALID_SOCKET %s", wsa_error_name(WSAGetLastError()));
    else
        line_socket(&l, s);
    record_write(&l);
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
    line_begin(&l, name);
    line_socket(&l, s);
    line_add(&l, ", ");
    line_address_arg(&l, addr, addrlen);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    record_write(&l);
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
    int faulted = on() && fault_fail_listen();
    int rc = faulted ? SOCKET_ERROR : wsa_listen(s, backlog);
    int err = WSAGetLastError();

    if (!on())
        return rc;
    line_begin(&l, "listen");
    line_socket(&l, s);
    if (backlog == SOMAXCONN)
        line_add(&l, ", SOMAXCONN)");
    else
        line_add(&l, ", %d)", backlog);
    line_result(&l, rc, err);
    if (faulted)
        line_add(&l, " [fault: listen failed]");
    record_write(&l);
    WSASetLastError(err);
    return rc;
}

SOCKET rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    struct line l;
    int size = addrlen ? *addrlen : 0;
    int faulted = on() && fault_reset_in_backlog(s);
    int failed = !faulted && on() && fault_fail_accept();
    SOCKET c = faulted || failed ? INVALID_SOCKET : wsa_accept(s, addr, addrlen);
    int err = WSAGetLastError();

    if (!on())
        return c;
    line_begin(&l, "accept");
    line_socket(&l, s);
    line_add(&l, ", ");
    line_buffer(&l, addr, addrlen ? &size : NULL);
    line_add(&l, ") = ");
    if (c == INVALID_SOCKET) {
        line_add(&l, "INVALID_SOCKET %s", wsa_error_name(err));
    } else {
        record_opened(c, SOCK_STREAM);
        line_socket(&l, c);
        if (addr != NULL && addrlen != NULL) {
            line_add(&l, " from ");
            line_address(&l, addr, *addrlen);
        }
    }
    if (faulted)
        line_add(&l, " [fault: the client reset while it waited in the backlog]");
    if (failed)
        line_add(&l, " [fault: accept failed]");
    record_write(&l);
    WSASetLastError(err);
    return c;
}

int rec_send(SOCKET s, const char *buf, int len, int flags)
{
    struct line l;
    int passed = on() ? fault_send_length(s, len) : len;
    int rc = wsa_send(s, buf, passed, flags);

    if (!on())
        return rc;
    line_begin(&l, "send");
    line_socket(&l, s);
    line_add(&l, ", %d bytes", len);
    line_flags(&l, flags);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    if (passed != len)
        line_add(&l, " [fault: short send]");
    record_write(&l);
    return rc;
}

int rec_recv(SOCKET s, char *buf, int len, int flags)
{
    struct line l;
    int passed = on() ? fault_recv_length(s, len) : len;
    int rc = wsa_recv(s, buf, passed, flags);

    if (!on())
        return rc;
    line_begin(&l, "recv");
    line_socket(&l, s);
    line_add(&l, ", %d bytes", len);
    line_flags(&l, flags);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    if (passed != len)
        line_add(&l, " [fault: short recv, asked the system for %d]", passed);
    record_write(&l);
    return rc;
}

int rec_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen)
{
    struct line l;
    int rc = wsa_sendto(s, buf, len, flags, to, tolen);

    if (!on())
        return rc;
    line_begin(&l, "sendto");
    line_socket(&l, s);
    line_add(&l, ", %d bytes", len);
    line_flags(&l, flags);
    line_add(&l, ", ");
    line_address_arg(&l, to, tolen);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    record_write(&l);
    return rc;
}

int rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                 struct sockaddr *from, int *fromlen)
{
    struct line l;
    int size = fromlen ? *fromlen : 0;
    int rc = wsa_recvfrom(s, buf, len, flags, from, fromlen);

    if (!on())
        return rc;
    line_begin(&l, "recvfrom");
    line_socket(&l, s);
    line_add(&l, ", %d bytes", len);
    line_flags(&l, flags);
    line_add(&l, ", ");
    line_buffer(&l, from, fromlen ? &size : NULL);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    if (rc != SOCKET_ERROR && from != NULL && fromlen != NULL) {
        line_add(&l, " from ");
        line_address(&l, from, *fromlen);
    }
    record_write(&l);
    return rc;
}

int rec_shutdown(SOCKET s, int how)
{
    struct line l;
    int rc = wsa_shutdown(s, how);

    if (!on())
        return rc;
    line_begin(&l, "shutdown");
    line_socket(&l, s);
    line_add(&l, ", ");
    line_how(&l, how);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    record_write(&l);
    return rc;
}

int rec_closesocket(SOCKET s)
{
    struct line l;
    int rc = wsa_closesocket(s);

    if (!on())
        return rc;
    line_begin(&l, "closesocket");
    line_socket(&l, s);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    if (rc == 0)
        record_closed(s);
    record_write(&l);
    return rc;
}

int rec_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen)
{
    struct line l;
    int rc = wsa_setsockopt(s, level, optname, optval, optlen);

    if (!on())
        return rc;
    line_begin(&l, "setsockopt");
    line_socket(&l, s);
    line_add(&l, ", ");
    line_option(&l, level, optname);
    line_add(&l, ", ");
    line_value(&l, optname, optval, optlen);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    record_write(&l);
    return rc;
}

int rec_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen)
{
    struct line l;
    int size = optlen ? *optlen : 0;
    int rc = wsa_getsockopt(s, level, optname, optval, optlen);

    if (!on())
        return rc;
    line_begin(&l, "getsockopt");
    line_socket(&l, s);
    line_add(&l, ", ");
    line_option(&l, level, optname);
    if (optlen)
        line_add(&l, ", length %d)", size);
    else
        line_add(&l, ", NULL length)");
    line_result(&l, rc, WSAGetLastError());
    if (rc == 0 && optlen != NULL) {
        line_add(&l, " value ");
        line_value(&l, optname, optval, *optlen);
    }
    record_write(&l);
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
    line_begin(&l, name);
    line_socket(&l, s);
    line_add(&l, ", ");
    line_buffer(&l, addr, addrlen ? &size : NULL);
    line_add(&l, ")");
    line_result(&l, rc, WSAGetLastError());
    if (rc == 0) {
        line_add(&l, " ");
        line_address(&l, addr, *addrlen);
    }
    record_write(&l);
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
    line_begin(&l, "ioctlsocket");
    line_socket(&l, s);
    if (cmd == (long)FIONBIO)
        line_add(&l, ", FIONBIO, %lu)", (unsigned long)arg);
    else if (cmd == (long)FIONREAD)
        line_add(&l, ", FIONREAD)");
    else
        line_add(&l, ", 0x%lx)", (unsigned long)cmd);
    line_result(&l, rc, WSAGetLastError());
    if (rc == 0 && cmd == (long)FIONREAD && argp != NULL)
        line_add(&l, " value %lu", (unsigned long)*argp);
    record_write(&l);
    return rc;
}

int rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout)
{
    struct line l;
    int rc, faulted, err;

    if (!on())
        return wsa_select(nfds, readfds, writefds, exceptfds, timeout);
    line_begin(&l, "select");       /* the sets as given: select changes them */
    line_set(&l, "read", readfds);
    line_set(&l, "; write", writefds);
    line_set(&l, "; except", exceptfds);
    if (timeout)
        line_add(&l, "; timeout %ld.%06ld s)", (long)timeout->tv_sec, (long)timeout->tv_usec);
    else
        line_add(&l, "; no timeout)");
    faulted = fault_fail_select();
    rc = faulted ? SOCKET_ERROR : wsa_select(nfds, readfds, writefds, exceptfds, timeout);
    err = WSAGetLastError();
    line_result(&l, rc, err);
    if (faulted)
        line_add(&l, " [fault: select failed]");
    record_write(&l);
    WSASetLastError(err);
    return rc;
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
        *res = fault_refuser_first(hints, *res);
    line_begin(&l, "getaddrinfo");
    line_text(&l, node);
    line_add(&l, ", ");
    line_text(&l, service);
    if (hints != NULL) {
        line_add(&l, ", ");
        line_family(&l, hints->ai_family);
        line_add(&l, ", ");
        line_type(&l, hints->ai_socktype);
        if (hints->ai_flags & AI_PASSIVE)
            line_add(&l, ", AI_PASSIVE");
    } else {
        line_add(&l, ", NULL");
    }
    line_add(&l, ") = %s", rc == 0 ? "0" : wsa_error_name(rc));
    for (const struct addrinfo *ai = rc == 0 && res ? *res : NULL; ai; ai = ai->ai_next) {
        line_add(&l, " ");
        line_address(&l, ai->ai_addr, (int)ai->ai_addrlen);
    }
    if (rc == 0 && res != NULL && *res != system)
        line_add(&l, " [fault: the first address refuses]");
    record_write(&l);
    WSASetLastError(rc);
    return rc;
}

void rec_freeaddrinfo(struct addrinfo *list)
{
    struct line l;
    int count = 0;

    for (const struct addrinfo *ai = list; ai; ai = ai->ai_next)
        count++;
    list = fault_free_refuser(list);
    if (list != NULL)
        wsa_freeaddrinfo(list);
    if (!on())
        return;
    line_begin(&l, "freeaddrinfo");
    line_add(&l, "%d address%s)", count, count == 1 ? "" : "es");
    record_write(&l);
}
