/*
 * datagram.c - lab 04: UDP, one datagram at a time.
 */
#include "datagram.h"

#include <string.h>

int same_endpoint(const struct sockaddr *a, const struct sockaddr *b)
{
    /* TODO(lab04): 1 if a and b are the same endpoint: both AF_INET, or both
       AF_INET6, with the same address and port. 0 otherwise, any other family
       included. Nothing else in the structures counts. */
    (void)a;
    (void)b;
    return 0;
}

int set_receive_timeout(SOCKET s, DWORD ms)
{
    /* TODO(lab04): make recv and recvfrom on s give up with WSAETIMEDOUT after ms
       milliseconds. Returns 0, or the WSA code of the call that failed
       (WSAENOTSOCK for a closed socket). */
    (void)s;
    (void)ms;
    return WSAEOPNOTSUPP;
}

int echo_datagram(SOCKET s, char *buf, int size, const char **call)
{
    /* TODO(lab04): receive one datagram (up to size bytes, into buf) and send the
       same bytes back to its sender. Returns 0, or the WSA code of the call that
       failed with its name, "recvfrom" or "sendto", in *call. A datagram longer
       than size is not echoed: WSAEMSGSIZE from "recvfrom". */
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
    /* TODO(lab04): receive until a datagram comes from req->to; datagrams from
       any other sender are ignored. Returns as the comment above says. */
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
    /* TODO(lab04): as datagram.h says: send the request, take only the reply
       from req->to (await_reply), and send again after each wait that times out,
       at most req->retries times. Returns 0 with *got; WSAETIMEDOUT once the last
       wait ran out; any other error at once, its call ("sendto" or "recvfrom")
       in *call. */
    (void)s;
    (void)req;
    (void)reply;
    (void)size;
    (void)got;
    (void)await_reply;
    *call = "recvfrom";
    return WSAEOPNOTSUPP;
}
