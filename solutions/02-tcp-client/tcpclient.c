/*
 * tcpclient.c - lab 02: connecting, and moving bytes over a stream that keeps no
 * message boundaries.
 */
#include <string.h>

#include "tcpclient.h"

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

int send_all(SOCKET s, const char *buf, int len)
{
    int sent = 0;

    while (sent < len) {
        int n = send(s, buf + sent, len - sent, 0);
        if (n == SOCKET_ERROR)
            return SOCKET_ERROR;
        sent += n;
    }
    return 0;
}

long long recv_until_close(SOCKET s, FILE *out)
{
    char buf[16384];
    long long total = 0;

    for (;;) {
        int n = recv(s, buf, (int)sizeof buf, 0);
        if (n == 0)
            return total;           /* the peer closed: end of the stream */
        if (n == SOCKET_ERROR)
            return -1;
        /* fwrite, not printf("%s"): the bytes may include zeros. */
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
            WSASetLastError(0);
            return -1;
        }
        total += n;
    }
}
