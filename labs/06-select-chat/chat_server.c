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
    /* TODO(lab06): FD_ZERO both sets. Put the listener in readable while more
       clients may come (max is 0, or fewer than max have joined), every client in
       readable, and in writable every client with output waiting (out_len > 0). */
    (void)room;
    (void)max;
    FD_ZERO(readable);
    FD_ZERO(writable);
}

/* Accepts the client waiting on the listener: non-blocking, named by its address,
   greeted with "* you are NAME\n", added to the room. */
static void accept_client(struct room *room)
{
    /* TODO(lab06): accept, with a struct sockaddr_storage for the client's address
       (IPv4 or IPv6). If it fails with WSAEWOULDBLOCK, the client went away: return.
       Another failure is that client's: kit_error, count it as joined and left.
       Else count it joined; if the room is full (CHAT_MAX_CLIENTS) or calloc fails,
       say so on stderr, close it and count it left. Else fill in a struct client
       (socket, client_name), add it to the room, make it non-blocking and give it
       a send buffer (SO_SNDBUF) of CHAT_SNDBUF bytes (if either fails: kit_error
       and drop it), and queue "* you are NAME\n" for it. */
    (void)room;
}

/* Sends "NAME: LINE" to every client but the sender; a client whose output would
   overflow CHAT_OUT_MAX is too slow to keep: it is dropped, the others go on. */
static void broadcast(struct room *room, const struct client *from, const char *line,
                      int len)
{
    /* TODO(lab06): build "NAME: " followed by the line's len bytes (its '\n'
       included) in a buffer; queue_output it to every client but from and those
       already gone. A client whose output it does not fit is too slow: drop_client
       it with a reason. */
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
    /* TODO(lab06): read_client. 0: the client has gone, drop it. SOCKET_ERROR: if
       not WSAEWOULDBLOCK, kit_error "recv" and drop it. Bytes: take_line until it
       gives no more lines, broadcasting each; if it returns -1, drop the client
       ("line too long"). */
    (void)room;
    (void)c;
}

/* Serves clients until max of them have come and gone (forever if max is 0). Returns
   an exit code. */
static int serve(SOCKET listener, long max)
{
    /* TODO(lab06): until max clients have come and gone (forever if max is 0):
       build_sets; select on them (no timeout: it returns when a socket is ready; a
       failure is kit_error "select" and EXIT_NETWORK); accept_client if the listener
       is readable; read_lines every client that is readable, then flush_output
       every one that is writable (a failure: kit_error "send" and drop it); sweep.
       Skip clients already gone in a round. At the end drop every client left and
       sweep. Return EXIT_OK. */
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
