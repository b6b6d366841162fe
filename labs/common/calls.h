/*
 * calls.h - the socket calls as the program makes them (calls.c): each passed on to
 * the platform's call (sockcompat.h), written in the record when KIT_CALLS names a
 * file (record.h), and given the faults KIT_FAULTS asks for (faults.h).
 *
 * A program never includes this header: the kit's build puts it before the first
 * line of every file it compiles outside labs/common (gcc -include, in
 * labs/common/Makefile.local). The Winsock names, which sockcompat.h makes the wsa_
 * calls, are then the rec_ calls below, so that a program's source stays plain
 * Winsock and its every call is seen. The layer's own files are compiled without
 * it: the kit's own calls (kit_announce's getsockname) are not the program's, and
 * stay out of its record.
 */
#ifndef CALLS_H
#define CALLS_H

#include "sockcompat.h"

/* Each returns what its wsa_ call returns (sockcompat.h). */

/* 0, or SOCKET_ERROR and WSAGetLastError says why. */
int rec_WSACleanup(void);
int rec_bind(SOCKET s, const struct sockaddr *addr, int addrlen);
int rec_connect(SOCKET s, const struct sockaddr *addr, int addrlen);
int rec_listen(SOCKET s, int backlog);
int rec_shutdown(SOCKET s, int how);
int rec_closesocket(SOCKET s);
int rec_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen);
int rec_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen);
int rec_getsockname(SOCKET s, struct sockaddr *addr, int *addrlen);
int rec_getpeername(SOCKET s, struct sockaddr *addr, int *addrlen);
int rec_ioctlsocket(SOCKET s, long cmd, u_long *argp);

/* A count, or SOCKET_ERROR and WSAGetLastError says why. */
int rec_send(SOCKET s, const char *buf, int len, int flags);
int rec_recv(SOCKET s, char *buf, int len, int flags);
int rec_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen);
int rec_recvfrom(SOCKET s, char *buf, int len, int flags,
                 struct sockaddr *from, int *fromlen);
int rec_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout);

/* A socket, or INVALID_SOCKET and WSAGetLastError says why. */
SOCKET rec_socket(int af, int type, int protocol);
SOCKET rec_accept(SOCKET s, struct sockaddr *addr, int *addrlen);

/* 0, or a WSA error code. */
int rec_WSAStartup(WORD requested, WSADATA *data);
int rec_getaddrinfo(const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res);

/* Frees a list rec_getaddrinfo gave; returns nothing. */
void rec_freeaddrinfo(struct addrinfo *list);

/* The Winsock names, as the program calls them, are the calls above. */
#undef WSAStartup
#undef WSACleanup
#undef socket
#undef bind
#undef connect
#undef listen
#undef accept
#undef send
#undef recv
#undef sendto
#undef recvfrom
#undef shutdown
#undef closesocket
#undef setsockopt
#undef getsockopt
#undef getsockname
#undef getpeername
#undef ioctlsocket
#undef select
#undef getaddrinfo
#undef freeaddrinfo
#define WSAStartup(requested, data) rec_WSAStartup(requested, data)
#define WSACleanup() rec_WSACleanup()
#define socket(af, type, protocol) rec_socket(af, type, protocol)
#define bind(s, addr, len) rec_bind(s, addr, len)
#define connect(s, addr, len) rec_connect(s, addr, len)
#define listen(s, backlog) rec_listen(s, backlog)
#define accept(s, addr, lenp) rec_accept(s, addr, lenp)
#define send(s, buf, len, flags) rec_send(s, buf, len, flags)
#define recv(s, buf, len, flags) rec_recv(s, buf, len, flags)
#define sendto(s, buf, len, flags, to, tolen) rec_sendto(s, buf, len, flags, to, tolen)
#define recvfrom(s, buf, len, flags, from, fromlen) \
    rec_recvfrom(s, buf, len, flags, from, fromlen)
#define shutdown(s, how) rec_shutdown(s, how)
#define closesocket(s) rec_closesocket(s)
#define setsockopt(s, level, name, val, len) rec_setsockopt(s, level, name, val, len)
#define getsockopt(s, level, name, val, lenp) rec_getsockopt(s, level, name, val, lenp)
#define getsockname(s, addr, lenp) rec_getsockname(s, addr, lenp)
#define getpeername(s, addr, lenp) rec_getpeername(s, addr, lenp)
#define ioctlsocket(s, cmd, argp) rec_ioctlsocket(s, cmd, argp)
#define select(n, r, w, e, t) rec_select(n, r, w, e, t)
#define getaddrinfo(node, service, hints, res) rec_getaddrinfo(node, service, hints, res)
#define freeaddrinfo(list) rec_freeaddrinfo(list)

#endif /* CALLS_H */
