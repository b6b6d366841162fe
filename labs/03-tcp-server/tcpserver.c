/*
 * tcpserver.c - lab 03: listening, and echoing one client's stream.
 */
#include <string.h>

#include "tcpserver.h"

int open_listener(const char *address, const char *port, SOCKET *s, const char **call)
{
    /* TODO(lab03): resolve address and port with getaddrinfo (hints: AF_UNSPEC,
       SOCK_STREAM, IPPROTO_TCP, AI_PASSIVE); if it fails, return its code with
       *call = "getaddrinfo". For each address: socket; setsockopt
       SO_EXCLUSIVEADDRUSE to 1; bind; listen(s, SOMAXCONN). On a failure remember
       WSAGetLastError() and the call's name, close the socket and try the next.
       freeaddrinfo the list. Return 0 with *s listening, or the last error. */
    (void)address;
    (void)port;
    *s = INVALID_SOCKET;
    *call = "TODO(lab03): open_listener";
    return WSAEOPNOTSUPP;
}

int send_all(SOCKET s, const char *buf, int len)
{
    /* TODO(lab03): call send until all len bytes are sent; send returns how many it
       took, which may be fewer than asked, or SOCKET_ERROR. */
    (void)s;
    (void)buf;
    (void)len;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

int echo_client(SOCKET client)
{
    /* TODO(lab03): loop: recv into a buffer; 0 means the client closed its side:
       return 0; otherwise send_all the n bytes received back. On SOCKET_ERROR return
       WSAGetLastError(). */
    (void)client;
    return WSAEOPNOTSUPP;
}
