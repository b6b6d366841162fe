/*
 * udp_server - sends every datagram back to where it came from.
 *
 * usage: udp_server [--port N] [--bind ADDR] [--max-datagrams N]
 */
#include <stdio.h>
#include <string.h>

#include "datagram.h"
#include "labkit.h"

static const char *PROG = "udp_server";

static char buf[MAX_DATAGRAM];

static int usage(void)
{
    fprintf(stderr, "usage: %s [--port N] [--bind ADDR] [--max-datagrams N]\n"
                    "  --port N           the port to listen on (default 0: any free port)\n"
                    "  --bind ADDR        the address to listen on (default 127.0.0.1)\n"
                    "  --max-datagrams N  exit after echoing N datagrams\n", PROG);
    return EXIT_USAGE;
}

/* A UDP socket bound to host and port. Returns it, or INVALID_SOCKET with the error
   reported. */
static SOCKET open_socket(const char *host, const char *port)
{
    /* TODO(lab04): a UDP socket bound to the first of host:port's addresses, of
       any family, that takes one. Returns it, or INVALID_SOCKET once kit_error
       has reported what failed (getaddrinfo, or the last socket or bind); no
       socket is left open then. */
    (void)host;
    (void)port;
    fprintf(stderr, "%s: TODO(lab04): write open_socket in udp_server.c\n", PROG);
    return INVALID_SOCKET;
}

/* Echoes datagrams until count have been echoed (0: for ever). Returns an exit code. */
static int serve(SOCKET s, long count)
{
    /* TODO(lab04): echo datagrams (echo_datagram) until count have been echoed,
       for ever if count is 0. WSAECONNRESET and WSAEMSGSIZE are reported on
       stderr (kit_error) and the server carries on, without counting them. Any
       other failure is reported and returns EXIT_NETWORK; EXIT_OK after count. */
    (void)s;
    (void)count;
    (void)buf;
    return EXIT_NETWORK;
}

int main(int argc, char **argv)
{
    struct kit_server_args args;
    WSADATA data;
    SOCKET s;
    int rc;

    if (kit_server_args(argc, argv, "--max-datagrams", &args) != 0)
        return usage();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    s = open_socket(args.bind, args.port);
    if (s == INVALID_SOCKET) {
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = kit_announce(s);
    if (rc != 0) {
        kit_error(PROG, "getsockname", rc);
        closesocket(s);
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = serve(s, args.count);
    closesocket(s);
    WSACleanup();
    return rc;
}
