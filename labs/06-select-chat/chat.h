/*
 * chat.h - lab 06: the pieces of a chat server that serves many clients at once from
 * one thread. The functions you write in chat.c; chat_server.c uses them, and
 * tests/unit/lab06_test.c checks them.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>

#include "sockcompat.h"

/* Clients at once. Every one of them and the listener must fit in an fd_set: below
   FD_SETSIZE sockets on Windows, descriptors below FD_SETSIZE on POSIX (1024 on both,
   see sockcompat.h), with room left for the program's other descriptors. */
#define CHAT_MAX_CLIENTS 500
#define CHAT_LINE_MAX 1024      /* the longest line a client may send, '\n' included */
#define CHAT_OUT_MAX 65536      /* output a client may leave untaken before it is dropped */
#define CHAT_SNDBUF 65536       /* the system's send buffer for each client (SO_SNDBUF) */
#define CHAT_NAME_MAX 64        /* "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" */

/* One connected client: its socket, its name, the partial line it has sent and the
   output it has not yet taken. */
struct client {
    SOCKET s;
    char name[CHAT_NAME_MAX];
    char in[CHAT_LINE_MAX];
    int in_len;
    char out[CHAT_OUT_MAX];
    int out_len;
};

/* Writes a client's name, "127.0.0.1:50312" or "[::1]:50312", from its address into
   name (size bytes). Returns 0, or -1 if the address is not IPv4 or IPv6 or the name
   does not fit. */
int client_name(const struct sockaddr *addr, char *name, size_t size);

/* Makes s non-blocking: a call that would wait fails with WSAEWOULDBLOCK instead.
   Returns 0, or the WSA error code of ioctlsocket. */
int set_nonblocking(SOCKET s);

/* Receives what is waiting on c->s into the free end of c->in. Returns the number of
   bytes received, 0 if the client closed its side, or SOCKET_ERROR (WSAGetLastError
   says why: WSAEWOULDBLOCK if nothing was waiting after all). */
int read_client(struct client *c);

/* Takes the first complete line out of c->in: copies it, its '\n' included, into line
   (CHAT_LINE_MAX bytes) and moves what follows it to the start of c->in. Returns the
   line's length; 0 if c->in holds no complete line yet; -1 if c->in is full without
   a '\n' (a line longer than CHAT_LINE_MAX). */
int take_line(struct client *c, char *line);

/* Appends len bytes of data to c->out, all of them or none. Returns 0, or -1 if they
   do not fit in what is left of CHAT_OUT_MAX (c->out is then unchanged). */
int queue_output(struct client *c, const char *data, int len);

/* Sends as much of c->out as c->s takes without waiting and removes it from c->out,
   keeping the rest in order. Returns 0 when all is sent or the socket would block
   (WSAEWOULDBLOCK: the rest waits for the next round), or the WSA error code of a
   send that failed. */
int flush_output(struct client *c);

#endif /* CHAT_H */
