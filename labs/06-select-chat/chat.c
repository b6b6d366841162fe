/*
 * chat.c - lab 06: a client's buffers, non-blocking reads and sends, and lines.
 */
#include <stdio.h>
#include <string.h>

#include "chat.h"

/* A socket bound to ai's address with SO_EXCLUSIVEADDRUSE, listening. Returns 0, or
   a WSA error code with *call set. (Lab 03's, as it is.) */
static int listen_on(const struct addrinfo *ai, SOCKET *s, const char **call)
{
    int one = 1, rc;

    *s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (*s == INVALID_SOCKET) {
        *call = "socket";
        return WSAGetLastError();
    }
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

int client_name(const struct sockaddr *addr, char *name, size_t size)
{
    char host[INET6_ADDRSTRLEN];
    unsigned short port;
    int n;

    if (addr->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host) == NULL)
            return -1;
        port = ntohs(in->sin_port);
        n = snprintf(name, size, "%s:%u", host, port);
    } else if (addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host) == NULL)
            return -1;
        port = ntohs(in6->sin6_port);
        n = snprintf(name, size, "[%s]:%u", host, port);
    } else {
        return -1;
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

int set_nonblocking(SOCKET s)
{
    /* TODO(lab06): turn on FIONBIO with ioctlsocket (its argument a u_long set to
       1). Return 0, or WSAGetLastError() if it fails. */
    (void)s;
    return WSAEOPNOTSUPP;
}

int read_client(struct client *c)
{
    /* TODO(lab06): one recv on c->s into the free end of c->in (at c->in + c->in_len,
       at most sizeof c->in - c->in_len bytes); add what came to c->in_len. Return
       what recv returned. */
    (void)c;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

int take_line(struct client *c, char *line)
{
    /* TODO(lab06): find the first '\n' in the c->in_len bytes of c->in (the bytes may
       be anything, '\0' too). None: return -1 if c->in is full, else 0. Found:
       copy the line with its '\n' into line, move the bytes after it to the start
       of c->in, shorten c->in_len, return the line's length. */
    (void)c;
    (void)line;
    return -1;
}

int queue_output(struct client *c, const char *data, int len)
{
    /* TODO(lab06): if len bytes do not fit in what is left of c->out, return -1 and
       change nothing; else append them and return 0. */
    (void)c;
    (void)data;
    (void)len;
    return -1;
}

int flush_output(struct client *c)
{
    /* TODO(lab06): send from c->out until all of it is sent or send fails; send may
       take fewer bytes than asked. WSAEWOULDBLOCK is no failure: the socket is full,
       stop and return 0. Another error: stop and return it. Either way remove what
       was sent, moving the unsent rest to the start of c->out. */
    (void)c;
    return WSAEOPNOTSUPP;
}
