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
    unsigned long long bytes;
    uint32_t hash;
    char line[64];
    int rc, n;

    rc = summarise(c, &bytes, &hash);
    if (rc != 0) {
        kit_error(PROG, "recv", rc);    /* a reset: there is no one to answer */
        closesocket(c);
        return;
    }
    n = format_summary(bytes, hash, line, sizeof line);
    rc = send_all(c, line, n);
    if (rc != 0)
        kit_error(PROG, "send", rc);
    /* The answer is complete: the client reads an end-of-file after it. */
    else if (shutdown(c, SD_SEND) == SOCKET_ERROR)
        kit_error(PROG, "shutdown", WSAGetLastError());
    closesocket(c);
}

/* Serves clients one after the other, count of them (0: for ever). Returns an exit
   code. */
static int serve(SOCKET listener, long count)
{
    for (long served = 0; count == 0 || served < count; served++) {
        SOCKET c = accept(listener, NULL, NULL);
        if (c == INVALID_SOCKET) {      /* that client's failure, not the server's */
            kit_error(PROG, "accept", WSAGetLastError());
            continue;
        }
        serve_client(c);
    }
    return EXIT_OK;
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
