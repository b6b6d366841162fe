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

/* A UDP socket bound to the first of host's addresses (any family) that takes one,
   as lab 03's open_listener, without listen. Returns 0 with the socket in *s, or a
   WSA error code with *call naming the call that failed ("getaddrinfo", or "socket"
   or "bind" for the last address tried) and no socket left open. */
static int open_socket(const char *host, const char *port, SOCKET *s, const char **call)
{
    /* TODO(lab04): as the comment above says: getaddrinfo for datagram sockets,
       passive, then socket and bind for each address until one binds. */
    (void)host;
    (void)port;
    *s = INVALID_SOCKET;
    *call = "TODO(lab04): open_socket";
    return WSAEOPNOTSUPP;
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
    const char *call = "getaddrinfo";
    int rc;

    if (kit_server_args(argc, argv, "--max-datagrams", &args) != 0)
        return usage();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = open_socket(args.bind, args.port, &s, &call);
    if (rc != 0) {
        kit_error(PROG, call, rc);
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
