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
    struct addrinfo hints, *list, *ai;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE;
    rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        *call = "getaddrinfo";
        return rc;
    }
    *s = INVALID_SOCKET;
    rc = WSAHOST_NOT_FOUND;     /* stays so only if the list is empty */
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        *s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (*s == INVALID_SOCKET) {
            rc = WSAGetLastError();
            *call = "socket";
            continue;
        }
        if (bind(*s, ai->ai_addr, (int)ai->ai_addrlen) == 0)
            break;
        rc = WSAGetLastError();
        *call = "bind";
        closesocket(*s);
        *s = INVALID_SOCKET;
    }
    freeaddrinfo(list);
    return *s == INVALID_SOCKET ? rc : 0;
}

/* Echoes datagrams until count have been echoed (0: for ever). Returns an exit code. */
static int serve(SOCKET s, long count)
{
    const char *call = "recvfrom";
    long echoed = 0;

    while (count == 0 || echoed < count) {
        int rc = echo_datagram(s, buf, (int)sizeof buf, &call);
        if (rc == 0) {
            echoed++;
        } else if (rc == WSAECONNRESET || rc == WSAEMSGSIZE) {
            /* Not this socket's failure: Windows reports here that an earlier echo
               found no one at its port (ICMP port unreachable), or that a datagram
               was longer than any we echo. Say so, and serve the next one. */
            kit_error(PROG, call, rc);
        } else {
            kit_error(PROG, call, rc);
            return EXIT_NETWORK;
        }
    }
    return EXIT_OK;
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
