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
    /* TODO(lab03): serve clients one after another, each echoed until it closes,
       until max have been served (0: forever). A client that fails, in accept or
       in echo_client, is reported with the kit's error line ("accept" or
       "echo_client"), counts as served, and the server goes on. Returns EXIT_OK
       after the last client; the listener stays open, no client socket does. */
    (void)listener;
    (void)max;
    fprintf(stderr, "%s: TODO(lab03): accept and echo clients\n", PROG);
    return EXIT_NETWORK;
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
