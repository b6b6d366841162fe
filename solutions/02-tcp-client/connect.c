/*
 * connect.c - lab 02: connecting to a server by name, trying every address.
 * Lab 05 links this file alone: it uses nothing of tcpclient.c, and everything in it
 * but connect_to is static.
 */
#include <string.h>

#include "connect.h"

int connect_to(const char *host, const char *port, SOCKET *s, const char **call)
{
    struct addrinfo hints, *list, *ai;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        *call = "getaddrinfo";
        return rc;
    }
    *s = INVALID_SOCKET;
    rc = WSAHOST_NOT_FOUND;     /* stays so only if the list is empty */
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        *s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (*s == INVALID_SOCKET) {
            rc = WSAGetLastError();
            *call = "socket";
            continue;
        }
        if (connect(*s, ai->ai_addr, (int)ai->ai_addrlen) == 0)
            break;
        rc = WSAGetLastError();
        *call = "connect";
        closesocket(*s);
        *s = INVALID_SOCKET;
    }
    freeaddrinfo(list);
    if (*s == INVALID_SOCKET)
        return rc;
    return 0;
}
