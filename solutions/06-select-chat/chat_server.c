/*
 * chat_server - a line-based chat: every line a client sends goes to every other
 * client, prefixed with the sender's name. One thread serves them all: select says
 * which sockets are ready, and no call ever waits on one client.
 *
 * usage: chat_server [--port N] [--bind ADDR] [--max-clients N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "labkit.h"
#include "listener.h"      /* open_listener: yours, from lab 03 */

static const char *PROG = "chat_server";

/* The server's state: the listener and the clients connected now, in the order they
   came. A client dropped during a round is marked gone (its socket closed) and taken
   out of the list at the end of that round, so that no loop over the list skips one. */
struct room {
    SOCKET listener;
    struct client *clients[CHAT_MAX_CLIENTS];
    int count;
    long joined;        /* clients accepted so far, a failed accept counted too */
    long left;          /* clients gone so far */
};

static int usage(void)
{
    fprintf(stderr, "usage: %s [--port N] [--bind ADDR] [--max-clients N]\n"
                    "  --port N         listen on port N (default 0: any free port)\n"
                    "  --bind ADDR      listen on ADDR (default 127.0.0.1)\n"
                    "  --max-clients N  exit once N clients have come and gone\n", PROG);
    return EXIT_USAGE;
}

/* Closes c's socket and marks it gone, saying why on stderr (why NULL: it left). */
static void drop_client(struct room *room, struct client *c, const char *why)
{
    if (c->s == INVALID_SOCKET)
        return;
    if (why != NULL)
        fprintf(stderr, "%s: %s: %s, disconnected\n", PROG, c->name, why);
    closesocket(c->s);
    c->s = INVALID_SOCKET;
    room->left++;
}

/* Takes the clients marked gone out of the list and frees them. */
static void sweep(struct room *room)
{
    int kept = 0;

    for (int i = 0; i < room->count; i++) {
        if (room->clients[i]->s == INVALID_SOCKET)
            free(room->clients[i]);
        else
            room->clients[kept++] = room->clients[i];
    }
    room->count = kept;
}

/* Fills readable with the listener (while more clients may come: max is 0 or not yet
   reached) and every client, and writable with every client that has output waiting. */
static void build_sets(const struct room *room, long max, fd_set *readable,
                       fd_set *writable)
{
    FD_ZERO(readable);
    FD_ZERO(writable);
    if (max == 0 || room->joined < max)
        FD_SET(room->listener, readable);
    for (int i = 0; i < room->count; i++) {
        FD_SET(room->clients[i]->s, readable);
        if (room->clients[i]->out_len > 0)
            FD_SET(room->clients[i]->s, writable);
    }
}

/* Accepts the client waiting on the listener: non-blocking, named by its address,
   greeted with "* you are NAME\n", added to the room. */
static void accept_client(struct room *room)
{
    struct sockaddr_storage addr;
    int addr_len = (int)sizeof addr, rc, sndbuf = CHAT_SNDBUF;
    struct client *c;
    SOCKET s = accept(room->listener, (struct sockaddr *)&addr, &addr_len);
    char hello[CHAT_NAME_MAX + 16];

    if (s == INVALID_SOCKET) {
        rc = WSAGetLastError();
        /* The client may have gone between select and accept: nothing to accept. */
        if (rc == WSAEWOULDBLOCK)
            return;
        /* A failed accept is that client's failure, not the server's. */
        kit_error(PROG, "accept", rc);
        room->joined++;
        room->left++;
        return;
    }
    room->joined++;
    c = room->count < CHAT_MAX_CLIENTS ? calloc(1, sizeof *c) : NULL;
    if (c == NULL) {
        fprintf(stderr, "%s: the room is full: a client refused\n", PROG);
        closesocket(s);
        room->left++;
        return;
    }
    c->s = s;
    room->clients[room->count++] = c;
    if (client_name((struct sockaddr *)&addr, c->name, sizeof c->name) != 0)
        snprintf(c->name, sizeof c->name, "client%ld", room->joined);
    rc = set_nonblocking(s);
    if (rc != 0) {
        kit_error(PROG, "ioctlsocket", rc);
        drop_client(room, c, NULL);
        return;
    }
    /* A fixed send buffer: left to itself the system grows it (to 4 MiB on Linux) for
       a client that reads nothing, and what that client has not taken is unbounded. */
    if (setsockopt(s, SOL_SOCKET, SO_SNDBUF, (const char *)&sndbuf,
                   (int)sizeof sndbuf) == SOCKET_ERROR) {
        kit_error(PROG, "setsockopt", WSAGetLastError());
        drop_client(room, c, NULL);
        return;
    }
    snprintf(hello, sizeof hello, "* you are %s\n", c->name);
    queue_output(c, hello, (int)strlen(hello));
}

/* Sends "NAME: LINE" to every client but the sender; a client whose output would
   overflow CHAT_OUT_MAX is too slow to keep: it is dropped, the others go on. */
static void broadcast(struct room *room, const struct client *from, const char *line,
                      int len)
{
    char message[CHAT_NAME_MAX + 2 + CHAT_LINE_MAX];
    int n = snprintf(message, sizeof message, "%s: ", from->name);

    memcpy(message + n, line, (size_t)len);
    n += len;
    for (int i = 0; i < room->count; i++) {
        struct client *to = room->clients[i];
        if (to == from || to->s == INVALID_SOCKET)
            continue;
        if (queue_output(to, message, n) != 0)
            drop_client(room, to, "too slow (its output is full)");
    }
}

/* The challenge's /who: sends c alone "* here:" and the name of every client now
   connected, in the order they came, c included. */
static void who(struct room *room, struct client *c)
{
    static char list[16 + CHAT_MAX_CLIENTS * (CHAT_NAME_MAX + 1)];
    int n = snprintf(list, sizeof list, "* here:");

    for (int i = 0; i < room->count; i++)
        if (room->clients[i]->s != INVALID_SOCKET)
            n += snprintf(list + n, sizeof list - (size_t)n, " %s",
                          room->clients[i]->name);
    list[n++] = '\n';
    if (queue_output(c, list, n) != 0)
        drop_client(room, c, "too slow (its output is full)");
}

/* Reads what client c sent and broadcasts every line it completes. A client that
   closed, failed, or sent a line longer than CHAT_LINE_MAX is dropped; the partial
   line of a client that vanished is dropped with it. */
static void read_lines(struct room *room, struct client *c)
{
    char line[CHAT_LINE_MAX];
    int n = read_client(c), len;

    if (n == 0) {
        drop_client(room, c, NULL);
        return;
    }
    if (n == SOCKET_ERROR) {
        n = WSAGetLastError();
        if (n != WSAEWOULDBLOCK) {
            kit_error(PROG, "recv", n);
            drop_client(room, c, NULL);
        }
        return;
    }
    /* One recv may hold the end of a line, several lines, and the start of the next. */
    while ((len = take_line(c, line)) > 0) {
        if (len == 5 && memcmp(line, "/who\n", 5) == 0)
            who(room, c);
        else
            broadcast(room, c, line, len);
    }
    if (len < 0)
        drop_client(room, c, "line too long");
}

/* Serves clients until max of them have come and gone (forever if max is 0). Returns
   an exit code. */
static int serve(SOCKET listener, long max)
{
    struct room room = { .listener = listener };
    int rc = EXIT_OK;

    while (max == 0 || room.left < max) {
        fd_set readable, writable;

        build_sets(&room, max, &readable, &writable);
        /* The first argument is ignored by Winsock: the sets carry their sockets. */
        if (select(0, &readable, &writable, NULL, NULL) == SOCKET_ERROR) {
            kit_error(PROG, "select", WSAGetLastError());
            rc = EXIT_NETWORK;
            break;
        }
        if (FD_ISSET(listener, &readable))
            accept_client(&room);
        for (int i = 0; i < room.count; i++) {
            struct client *c = room.clients[i];
            if (c->s != INVALID_SOCKET && FD_ISSET(c->s, &readable))
                read_lines(&room, c);
        }
        for (int i = 0; i < room.count; i++) {
            struct client *c = room.clients[i];
            if (c->s != INVALID_SOCKET && FD_ISSET(c->s, &writable)) {
                int err = flush_output(c);
                if (err != 0) {
                    kit_error(PROG, "send", err);
                    drop_client(&room, c, NULL);
                }
            }
        }
        sweep(&room);
    }
    for (int i = 0; i < room.count; i++)
        drop_client(&room, room.clients[i], NULL);
    sweep(&room);
    return rc;
}

int main(int argc, char **argv)
{
    struct kit_server_args args;
    WSADATA data;
    SOCKET listener = INVALID_SOCKET;
    const char *call;
    int rc;

    if (kit_server_args(argc, argv, "--max-clients", &args) != 0)
        return usage();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = open_listener(args.bind, args.port, &listener, &call);
    if (rc == 0 && (rc = set_nonblocking(listener)) != 0)
        call = "ioctlsocket";
    if (rc != 0) {
        kit_error(PROG, call, rc);
        if (listener != INVALID_SOCKET)
            closesocket(listener);
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = kit_announce(listener);
    if (rc != 0) {
        kit_error(PROG, "getsockname", rc);
        rc = EXIT_NETWORK;
    } else {
        rc = serve(listener, args.count);
    }
    closesocket(listener);
    WSACleanup();
    return rc;
}
