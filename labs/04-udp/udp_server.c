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
    /* TODO(lab04): getaddrinfo(host, port) with hints for datagram sockets
       (SOCK_DGRAM) of any family, to bind to (AI_PASSIVE); on failure kit_error
       (PROG, "getaddrinfo", rc). Walk the list: socket, then bind; on a failure
       remember the call and WSAGetLastError(), close the socket and try the next
       address. freeaddrinfo. If no address worked, kit_error with what failed last.
       A UDP server has no listen and no accept. */
    (void)host;
    (void)port;
    fprintf(stderr, "%s: TODO(lab04): write open_socket in udp_server.c\n", PROG);
    return INVALID_SOCKET;
}

/* Echoes datagrams until count have been echoed (0: for ever). Returns an exit code. */
static int serve(SOCKET s, long count)
{
    /* TODO(lab04): until count datagrams are echoed (count 0: for ever), call
       echo_datagram(s, buf, sizeof buf, &call). 0: one more echoed. WSAECONNRESET
       or WSAEMSGSIZE: kit_error(PROG, call, rc) and go on, as these are reports
       about earlier datagrams, not failures of the socket. Any other code:
       kit_error and return EXIT_NETWORK. Return EXIT_OK at the end. */
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
