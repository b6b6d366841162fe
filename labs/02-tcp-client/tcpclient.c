/*
 * tcpclient.c - lab 02: connecting, and moving bytes over a stream that keeps no
 * message boundaries.
 */
#include <string.h>

#include "tcpclient.h"

int connect_to(const char *host, const char *port, SOCKET *s, const char **call)
{
    /* TODO(lab02): resolve host and port with getaddrinfo (hints: AF_UNSPEC,
       SOCK_STREAM, IPPROTO_TCP); if it fails, return its code with *call =
       "getaddrinfo". Then, for each address in the list: socket, connect; on a
       failure remember WSAGetLastError() and the call's name, close the socket and
       try the next. freeaddrinfo the list. Return 0 with *s connected, or the last
       error. */
    (void)host;
    (void)port;
    *s = INVALID_SOCKET;
    *call = "TODO(lab02): connect_to";
    return WSAEOPNOTSUPP;
}

int send_all(SOCKET s, const char *buf, int len)
{
    /* TODO(lab02): call send until all len bytes are sent; send returns how many it
       took, which may be fewer than asked, or SOCKET_ERROR. */
    (void)s;
    (void)buf;
    (void)len;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

long long recv_until_close(SOCKET s, FILE *out)
{
    /* TODO(lab02): call recv in a loop into a buffer; write each chunk of n bytes to
       out with fwrite (it may hold zeros); recv returns 0 when the peer has closed:
       return the total then. On SOCKET_ERROR return -1. */
    (void)s;
    (void)out;
    WSASetLastError(WSAEOPNOTSUPP);
    return -1;
}
