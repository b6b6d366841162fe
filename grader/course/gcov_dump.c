/*
 * gcov_dump.c - linked into the coverage build of mutation.py only (make mutation):
 * the program writes its coverage before each socket call that may wait.
 *
 * The grader ends a server it has finished with by SIGKILL, so the server never
 * reaches exit, where gcc's --coverage runtime writes what ran. A server the grader
 * kills is nearly always waiting in one of these calls; writing the counts before
 * each (and starting them again from zero, so that nothing counts twice) keeps every
 * line it ran. The link wraps the layer's calls (-Wl,--wrap=rec_accept ...): the
 * program's rec_accept reaches __wrap_rec_accept here, which calls the layer's own,
 * __real_rec_accept.
 */
#include "sockcompat.h"

void __gcov_dump(void);
void __gcov_reset(void);

static void write_coverage(void)
{
    __gcov_dump();
    __gcov_reset();
}

SOCKET __real_rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen);
int __real_rec_connect(SOCKET s, const struct sockaddr *addr, int addrlen);
int __real_rec_send(SOCKET s, const char *buf, int len, int flags);
int __real_rec_recv(SOCKET s, char *buf, int len, int flags);
int __real_rec_sendto(SOCKET s, const char *buf, int len, int flags,
                      const struct sockaddr *to, int tolen);
int __real_rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                        struct sockaddr *from, int *fromlen);
int __real_rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      const struct timeval *timeout);

SOCKET __wrap_rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen);
int __wrap_rec_connect(SOCKET s, const struct sockaddr *addr, int addrlen);
int __wrap_rec_send(SOCKET s, const char *buf, int len, int flags);
int __wrap_rec_recv(SOCKET s, char *buf, int len, int flags);
int __wrap_rec_sendto(SOCKET s, const char *buf, int len, int flags,
                      const struct sockaddr *to, int tolen);
int __wrap_rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                        struct sockaddr *from, int *fromlen);
int __wrap_rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      const struct timeval *timeout);

SOCKET __wrap_rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen)
{
    write_coverage();
    return __real_rec_accept(s, addr, addrlen);
}

int __wrap_rec_connect(SOCKET s, const struct sockaddr *addr, int addrlen)
{
    write_coverage();
    return __real_rec_connect(s, addr, addrlen);
}

int __wrap_rec_send(SOCKET s, const char *buf, int len, int flags)
{
    write_coverage();
    return __real_rec_send(s, buf, len, flags);
}

int __wrap_rec_recv(SOCKET s, char *buf, int len, int flags)
{
    write_coverage();
    return __real_rec_recv(s, buf, len, flags);
}

int __wrap_rec_sendto(SOCKET s, const char *buf, int len, int flags,
                      const struct sockaddr *to, int tolen)
{
    write_coverage();
    return __real_rec_sendto(s, buf, len, flags, to, tolen);
}

int __wrap_rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                        struct sockaddr *from, int *fromlen)
{
    write_coverage();
    return __real_rec_recvfrom(s, buf, len, flags, from, fromlen);
}

int __wrap_rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
                      const struct timeval *timeout)
{
    write_coverage();
    return __real_rec_select(nfds, readfds, writefds, exceptfds, timeout);
}
