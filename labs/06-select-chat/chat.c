/*
 * chat.c - lab 06: a client's buffers, non-blocking reads and sends, and lines.
 */
#include <stdio.h>
#include <string.h>

#include "chat.h"

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
    /* TODO(lab06): make s non-blocking. Returns 0, or the WSA error code of the
       call that failed. */
    (void)s;
    return WSAEOPNOTSUPP;
}

int read_client(struct client *c)
{
    /* TODO(lab06): receive what is waiting, without waiting, after the c->in_len
       bytes c->in already holds and never past its end; c->in_len counts what came.
       Returns what recv does: bytes, 0 when the client closed, SOCKET_ERROR with the
       WSA error (WSAEWOULDBLOCK: nothing was waiting). */
    (void)c;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

int take_line(struct client *c, char *line)
{
    /* TODO(lab06): as chat.h says: the first complete line of c->in, '\n' included,
       into line, and what followed it left at the start of c->in. Returns its
       length; 0 without a complete line; -1 when c->in is full without one. A line
       may hold any byte but '\n', '\0' too. */
    (void)c;
    (void)line;
    return -1;
}

int queue_output(struct client *c, const char *data, int len)
{
    /* TODO(lab06): append all len bytes to c->out, or none. Returns 0, or -1 if they
       do not fit in CHAT_OUT_MAX (c->out and c->out_len unchanged). */
    (void)c;
    (void)data;
    (void)len;
    return -1;
}

int flush_output(struct client *c)
{
    /* TODO(lab06): send what c->s takes of c->out without waiting; what was sent
       leaves c->out, the rest stays in order at its start. Returns 0 when all was
       sent or the socket is full (WSAEWOULDBLOCK), else the WSA error of the send
       that failed. */
    (void)c;
    return WSAEOPNOTSUPP;
}
