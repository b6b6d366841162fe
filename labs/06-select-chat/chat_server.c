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
    /* TODO(lab06): the sets for this round's select, as the comment above says:
       nothing else in them, whatever they held before. */
    (void)room;
    (void)max;
    FD_ZERO(readable);
    FD_ZERO(writable);
}

/* Accepts the client waiting on the listener: non-blocking, named by its address,
   greeted with "* you are NAME\n", added to the room. */
static void accept_client(struct room *room)
{
    /* TODO(lab06): accept one client, IPv4 or IPv6. Nobody there after all
       (WSAEWOULDBLOCK) is no event. A failed accept is reported (kit_error) and
       counts as a client that joined and left. A client beyond CHAT_MAX_CLIENTS,
       or one there is no memory for, is said on stderr ("the room is full: a client
       refused"), closed and counted so. Every client kept is non-blocking, has a
       send buffer of CHAT_SNDBUF (a failure of either: kit_error and drop it), and
       gets its greeting first. room->joined and room->left count them all. */
    (void)room;
}

/* Sends "NAME: LINE" to every client but the sender; a client whose output would
   overflow CHAT_OUT_MAX is too slow to keep: it is dropped, the others go on. */
static void broadcast(struct room *room, const struct client *from, const char *line,
                      int len)
{
    /* TODO(lab06): as the comment above says, to every client still connected but
       from; the line is len bytes, its '\n' included, any byte in it. A client
       dropped says why: "too slow (its output is full)". */
    (void)room;
    (void)from;
    (void)line;
    (void)len;
}

/* Reads what client c sent and broadcasts every line it completes. A client that
   closed, failed, or sent a line longer than CHAT_LINE_MAX is dropped; the partial
   line of a client that vanished is dropped with it. */
static void read_lines(struct room *room, struct client *c)
{
    /* TODO(lab06): as the comment above says. Every line the bytes complete is
       broadcast, in order. A failed recv is reported (kit_error "recv") unless it
       is only "not now"; a line too long drops the client saying "line too long". */
    (void)room;
    (void)c;
}

/* Serves clients until max of them have come and gone (forever if max is 0). Returns
   an exit code. */
static int serve(SOCKET listener, long max)
{
    /* TODO(lab06): serve every client in rounds, waiting only in select, never on
       one socket, until max clients have come and gone (max 0: forever). A failed
       select is reported (kit_error "select") and is EXIT_NETWORK; a failed send
       (kit_error "send") drops that client only. At the end no client is left
       open. Returns EXIT_OK. */
    (void)listener;
    (void)max;
    (void)build_sets;       /* the helpers above, for your loop to call */
    (void)accept_client;
    (void)read_lines;
    (void)broadcast;
    (void)drop_client;
    (void)sweep;
    fprintf(stderr, "%s: TODO(lab06): serve the clients\n", PROG);
    return EXIT_NETWORK;
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
