/*
 * listener.c - lab 03: a listening socket on the first address that works, its
 * port its own. Labs 05, 06 and 07 link this file alone: it uses nothing of
 * tcpserver.c, and everything in it but open_listener is static (their programs
 * have a send_all of their own).
 */
#include <string.h>

#include "listener.h"

/* A socket bound to ai's address with SO_EXCLUSIVEADDRUSE, listening. Returns 0, or
   a WSA error code with *call set. */
static int listen_on(const struct addrinfo *ai, SOCKET *s, const char **call)
{
    int one = 1, rc;

    *s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (*s == INVALID_SOCKET) {
        *call = "socket";
        return WSAGetLastError();
    }
    /* Windows lets a restarted server bind a port that connections of its previous
       run still hold in TIME_WAIT; this option keeps other sockets off the port. */
    if (setsockopt(*s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one,
                   (int)sizeof one) == SOCKET_ERROR)
        *call = "setsockopt";
    else if (bind(*s, ai->ai_addr, (int)ai->ai_addrlen) == SOCKET_ERROR)
        *call = "bind";
    else if (listen(*s, SOMAXCONN) == SOCKET_ERROR)
        *call = "listen";
    else
        return 0;
    rc = WSAGetLastError();
    closesocket(*s);
    *s = INVALID_SOCKET;
    return rc;
}

int open_listener(const char *address, const char *port, SOCKET *s, const char **call)
{
    struct addrinfo hints, *list, *ai;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(address, port, &hints, &list);
    if (rc != 0) {
        *call = "getaddrinfo";
        return rc;
    }
    rc = WSAHOST_NOT_FOUND;
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        rc = listen_on(ai, s, call);
        if (rc == 0)
            break;
    }
    freeaddrinfo(list);
    return rc;
}
