/*
 * datagram.c - lab 04: UDP, one datagram at a time.
 */
#include "datagram.h"

#include <string.h>

int same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
    if (a->sa_family != b->sa_family)
        return 0;
    if (a->sa_family == AF_INET) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
        const struct sockaddr_in *b4 = (const struct sockaddr_in *)b;
        return a4->sin_port == b4->sin_port &&
               a4->sin_addr.s_addr == b4->sin_addr.s_addr;
    }
    if (a->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
        const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)b;
        return a6->sin6_port == b6->sin6_port &&
               memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof a6->sin6_addr) == 0;
    }
    return 0;
}

int set_receive_timeout(SOCKET s, DWORD ms)
{
    /* A DWORD of milliseconds, as Windows takes it (not a struct timeval). */
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, (int)sizeof ms) ==
        SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int echo_datagram(SOCKET s, char *buf, int size, const char **call)
{
    struct sockaddr_storage from;
    int fromlen = (int)sizeof from;
    int n;

    n = recvfrom(s, buf, size, 0, (struct sockaddr *)&from, &fromlen);
    if (n == SOCKET_ERROR) {
        *call = "recvfrom";
        return WSAGetLastError();
    }
    /* n bytes, which may be 0 or contain any byte: the length is n, not strlen. */
    if (sendto(s, buf, n, 0, (struct sockaddr *)&from, fromlen) == SOCKET_ERROR) {
        *call = "sendto";
        return WSAGetLastError();
    }
    return 0;
}

/* Waits for a datagram from req->to, skipping any other. Returns 0 with its length
   in *got, or recvfrom's WSA error code (WSAETIMEDOUT when the wait ran out). */
static int await_reply(SOCKET s, const struct request *req, char *reply, int size,
                       int *got)
{
    struct sockaddr_storage from;
    int fromlen, n;

    for (;;) {
        fromlen = (int)sizeof from;
        n = recvfrom(s, reply, size, 0, (struct sockaddr *)&from, &fromlen);
        if (n == SOCKET_ERROR)
            return WSAGetLastError();
        if (same_endpoint((struct sockaddr *)&from, req->to)) {
            *got = n;
            return 0;
        }
        /* Anyone can send to our port: a datagram from a stranger is not the reply. */
    }
}

int request_reply(SOCKET s, const struct request *req, char *reply, int size, int *got,
                  const char **call)
{
    int rc = WSAETIMEDOUT;

    for (int attempt = 0; attempt <= req->retries; attempt++) {
        if (sendto(s, req->message, req->length, 0, req->to, req->tolen) == SOCKET_ERROR) {
            *call = "sendto";
            return WSAGetLastError();
        }
        rc = await_reply(s, req, reply, size, got);
        if (rc != WSAETIMEDOUT)
            break;      /* the reply, or a failure that waiting longer will not cure */
    }
    *call = "recvfrom";
    return rc;
}
