/*
 * summary_server - reads each client's upload to its end, answers with its length
 * and FNV-1a hash, then ends the connection in order.
 *
 * usage: summary_server [--port N] [--bind ADDR] [--max-clients N]
 */
#include <stdio.h>
#include <string.h>

#include "labkit.h"
#include "listener.h"      /* open_listener: yours, from lab 03 */
#include "transfer.h"

static const char *PROG = "summary_server";

static int usage(void)
{
    fprintf(stderr, "usage: %s [--port N] [--bind ADDR] [--max-clients N]\n"
                    "  --port N         the port to listen on (default 0: any free port)\n"
                    "  --bind ADDR      the address to listen on (default 127.0.0.1)\n"
                    "  --max-clients N  exit after N clients\n", PROG);
    return EXIT_USAGE;
}

/* Reads one client's upload to its end, answers with the summary and ends the
   connection. Problems with this client are reported; the server goes on. */
static void serve_client(SOCKET c)
{
    /* TODO(lab05): the client's upload, read to its end-of-file (summarise), is
       answered with its summary line, after which the client reads an
       end-of-file. A failed call (a client that resets) is reported with
       kit_error naming it. Either way c is closed. */
    (void)c;
}

/* Serves clients one after the other, count of them (0: for ever). Returns an exit
   code. */
static int serve(SOCKET listener, long count)
{
    /* TODO(lab05): accept and serve clients one after the other until count have
       come (count 0: for ever). A failed accept counts as a client: it is
       reported (kit_error) and the server goes on. Returns EXIT_OK. */
    (void)listener;
    (void)count;
    (void)serve_client;
    fprintf(stderr, "%s: TODO(lab05): write serve in summary_server.c\n", PROG);
    return EXIT_NETWORK;
}

int main(int argc, char **argv)
{
    struct kit_server_args args;
    WSADATA data;
    SOCKET s;
    const char *call;
    int rc;

    if (kit_server_args(argc, argv, "--max-clients", &args) != 0)
        return usage();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = open_listener(args.bind, args.port, &s, &call);
    if (rc != 0) {
        kit_error(PROG, call, rc);
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = kit_announce(s);
    if (rc != 0) {
        kit_error(PROG, "getsockname", rc);
        rc = EXIT_NETWORK;
    } else {
        rc = serve(s, args.count);
    }
    closesocket(s);
    WSACleanup();
    return rc;
}
