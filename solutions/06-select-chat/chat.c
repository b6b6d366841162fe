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
    u_long on = 1;

    if (ioctlsocket(s, FIONBIO, &on) == SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int read_client(struct client *c)
{
    int room = (int)sizeof c->in - c->in_len;
    int n = recv(c->s, c->in + c->in_len, room, 0);

    if (n > 0)
        c->in_len += n;
    return n;
}

int take_line(struct client *c, char *line)
{
    const char *end = memchr(c->in, '\n', (size_t)c->in_len);
    int len;

    if (end == NULL)
        return c->in_len == (int)sizeof c->in ? -1 : 0;
    len = (int)(end - c->in) + 1;
    memcpy(line, c->in, (size_t)len);
    /* What follows may already be the next line, or the start of one. */
    memmove(c->in, c->in + len, (size_t)(c->in_len - len));
    c->in_len -= len;
    return len;
}

int queue_output(struct client *c, const char *data, int len)
{
    if (len > (int)sizeof c->out - c->out_len)
        return -1;
    memcpy(c->out + c->out_len, data, (size_t)len);
    c->out_len += len;
    return 0;
}

int flush_output(struct client *c)
{
    int sent = 0, rc = 0;

    while (sent < c->out_len) {
        int n = send(c->s, c->out + sent, c->out_len - sent, 0);
        if (n == SOCKET_ERROR) {
            rc = WSAGetLastError();
            if (rc == WSAEWOULDBLOCK)
                rc = 0;         /* the socket's buffer is full: the rest waits */
            break;
        }
        sent += n;
    }
    memmove(c->out, c->out + sent, (size_t)(c->out_len - sent));
    c->out_len -= sent;
    return rc;
}
