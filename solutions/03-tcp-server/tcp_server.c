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

/* The challenge: writes the client's endpoint as ADDR:PORT ([ADDR]:PORT for IPv6)
   into buf, from the address accept filled in. */
static void format_client(const struct sockaddr_storage *peer, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (peer->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)peer;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)peer;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
    }
}

/* Accepts and serves clients one at a time, max of them (0: no limit). Returns an
   exit code. */
static int serve(SOCKET listener, long max)
{
    for (long served = 0; max == 0 || served < max; served++) {
        struct sockaddr_storage peer;
        int peer_len = (int)sizeof peer;
        char who[INET6_ADDRSTRLEN + 16];
        SOCKET client = accept(listener, (struct sockaddr *)&peer, &peer_len);
        int rc;

        /* A failed accept is that client's failure (one that reset while it
           waited in the backlog, say): report it and accept the next. */
        if (client == INVALID_SOCKET) {
            kit_error(PROG, "accept", WSAGetLastError());
            continue;
        }
        format_client(&peer, who, sizeof who);
        fprintf(stderr, "%s: client %s connected\n", PROG, who);
        rc = echo_client(client);
        /* A client that goes wrong ends its own connection, not the server. */
        if (rc != 0)
            kit_error(PROG, "echo_client", rc);
        closesocket(client);
        fprintf(stderr, "%s: client %s done\n", PROG, who);
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
