/*
 * tcp_server - an iterative echo server: serves one client at a time, sending back
 * every byte it receives until that client closes, then accepts the next.
 *
 * usage: tcp_server [--port N] [--bind ADDR] [--max-clients N]
 */
#include <stdio.h>

#include "labkit.h"
#include "tcpserver.h"

static const char *PROG = "tcp_server";

static int usage(void)
{
    fprintf(stderr, "usage: %s [--port N] [--bind ADDR] [--max-clients N]\n"
                    "  --port N         listen on port N (default 0: any free port)\n"
                    "  --bind ADDR      listen on ADDR (default 127.0.0.1)\n"
                    "  --max-clients N  exit after serving N clients\n", PROG);
    return EXIT_USAGE;
}

/* Accepts and serves clients one at a time, max of them (0: no limit). Returns an
   exit code. */
static int serve(SOCKET listener, long max)
{
    for (long served = 0; max == 0 || served < max; served++) {
        SOCKET client = accept(listener, NULL, NULL);
        int rc;

        /* A failed accept is that client's failure (one that reset while it
           waited in the backlog, say): report it and accept the next. */
        if (client == INVALID_SOCKET) {
            kit_error(PROG, "accept", WSAGetLastError());
            continue;
        }
        rc = echo_client(client);
        /* A client that goes wrong ends its own connection, not the server. */
        if (rc != 0)
            kit_error(PROG, "echo_client", rc);
        closesocket(client);
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    struct kit_server_args args;
    WSADATA data;
    SOCKET listener;
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
    if (rc != 0) {
        kit_error(PROG, call, rc);
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
