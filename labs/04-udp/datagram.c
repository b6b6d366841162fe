/*
 * datagram.c - lab 04: UDP, one datagram at a time.
 */
#include "datagram.h"

#include <string.h>

int same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
    /* TODO(lab04): different families are different endpoints. For AF_INET compare
       sin_port and sin_addr.s_addr; for AF_INET6, sin6_port and the 16 bytes of
       sin6_addr (memcmp). Any other family: 0. */
    (void)a;
    (void)b;
    return 0;
}

int set_receive_timeout(SOCKET s, DWORD ms)
{
    /* TODO(lab04): setsockopt(SO_RCVTIMEO) with the DWORD itself: (const char *)&ms,
       sizeof ms. On SOCKET_ERROR return WSAGetLastError(). */
    (void)s;
    (void)ms;
    return WSAEOPNOTSUPP;
}

int echo_datagram(SOCKET s, char *buf, int size, const char **call)
{
    /* TODO(lab04): recvfrom into buf, with a struct sockaddr_storage for the
       sender's address and an int holding its size; then sendto the n bytes
       received back to that address (fromlen as recvfrom left it). On a failure,
       set *call to the call's name and return WSAGetLastError(). */
    (void)s;
    (void)buf;
    (void)size;
    *call = "recvfrom";
    return WSAEOPNOTSUPP;
}

/* Waits for a datagram from req->to, skipping any other. Returns 0 with its length
   in *got, or recvfrom's WSA error code (WSAETIMEDOUT when the wait ran out). */
static int await_reply(SOCKET s, const struct request *req, char *reply, int size,
                       int *got)
{
    /* TODO(lab04): recvfrom in a loop, into a struct sockaddr_storage (its length
       set to sizeof before each call): return WSAGetLastError() on SOCKET_ERROR;
       return 0 with *got = n when the sender is req->to (same_endpoint); otherwise
       the datagram is a stranger's: receive again. */
    (void)s;
    (void)req;
    (void)reply;
    (void)size;
    (void)got;
    return WSAEOPNOTSUPP;
}

int request_reply(SOCKET s, const struct request *req, char *reply, int size, int *got,
                  const char **call)
{
    /* TODO(lab04): 1 + req->retries times: sendto the message (on failure *call =
       "sendto" and return WSAGetLastError()), then await_reply. Go round again only
       on WSAETIMEDOUT. Set *call = "recvfrom" and return await_reply's result: 0,
       WSAETIMEDOUT after the last try, or another error. */
    (void)s;
    (void)req;
    (void)reply;
    (void)size;
    (void)got;
    (void)await_reply;
    *call = "recvfrom";
    return WSAEOPNOTSUPP;
}
