/*
 * tcp_client - connects to a TCP server, sends one line, and writes everything the
 * server sends back to stdout until the server closes the connection.
 *
 * usage: tcp_client HOST PORT MESSAGE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labkit.h"
#include "tcpclient.h"

static const char *PROG = "tcp_client";

static int usage(void)
{
    fprintf(stderr, "usage: %s HOST PORT MESSAGE\n"
                    "  sends MESSAGE and a newline, then prints what the server sends\n"
                    "  back until it closes; PORT is a number from 0 to 65535\n", PROG);
    return EXIT_USAGE;
}

/* Sends message and a newline, in one buffer. Returns 0 or SOCKET_ERROR. */
static int send_line(SOCKET s, const char *message)
{
    size_t n = strlen(message);
    char *line = malloc(n + 1);
    int rc;

    if (line == NULL) {
        WSASetLastError(WSAENOBUFS);
        return SOCKET_ERROR;
    }
    memcpy(line, message, n);
    line[n] = '\n';
    rc = send_all(s, line, (int)(n + 1));
    free(line);
    return rc;
}

/* The challenge: with -v, the line on stderr that says which connection was made. */
static int verbose;

/* Writes a socket address as ADDR:PORT ([ADDR]:PORT for IPv6) into buf. */
static void format_address(const struct sockaddr_storage *sa, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN] = "?";

    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        snprintf(buf, size, "[%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(buf, size, "%s:%u", host, ntohs(in->sin_port));
    }
}

/* Prints "connected from LOCAL to PEER" on stderr: the two ends of s, as the system
   sees them. The port of this end is the one the system picked at connect. */
static void report_ends(SOCKET s)
{
    struct sockaddr_storage local, peer;
    int local_len = (int)sizeof local, peer_len = (int)sizeof peer;
    char from[INET6_ADDRSTRLEN + 16], to[INET6_ADDRSTRLEN + 16];

    if (getsockname(s, (struct sockaddr *)&local, &local_len) == SOCKET_ERROR) {
        kit_error(PROG, "getsockname", WSAGetLastError());
        return;
    }
    if (getpeername(s, (struct sockaddr *)&peer, &peer_len) == SOCKET_ERROR) {
        kit_error(PROG, "getpeername", WSAGetLastError());
        return;
    }
    format_address(&local, from, sizeof from);
    format_address(&peer, to, sizeof to);
    fprintf(stderr, "%s: connected from %s to %s\n", PROG, from, to);
}

/* Connects, sends the line and copies the reply to stdout. Returns an exit code. */
static int talk(const char *host, const char *port, const char *message)
{
    SOCKET s;
    const char *call;
    int rc = connect_to(host, port, &s, &call);

    if (rc != 0) {
        kit_error(PROG, call, rc);
        return EXIT_NETWORK;
    }
    if (verbose)
        report_ends(s);
    if (send_line(s, message) == SOCKET_ERROR) {
        kit_error(PROG, "send", WSAGetLastError());
        closesocket(s);
        return EXIT_NETWORK;
    }
    if (recv_until_close(s, stdout) < 0) {
        int err = WSAGetLastError();
        if (err != 0)
            kit_error(PROG, "recv", err);
        else
            fprintf(stderr, "%s: cannot write to stdout\n", PROG);
        closesocket(s);
        return EXIT_NETWORK;
    }
    closesocket(s);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    WSADATA data;
    unsigned short port;
    int rc;

    if (argc == 5 && strcmp(argv[1], "-v") == 0) {
        verbose = 1;        /* the challenge's option */
        argc--;
        argv++;
    }
    if (argc != 4 || argv[1][0] == '\0' || kit_parse_port(argv[2], &port) != 0)
        return usage();
    /* The reply is bytes, not text: on Windows, stdout in text mode would turn each
       \n into \r\n. (On POSIX this does nothing.) */
    _setmode(_fileno(stdout), _O_BINARY);
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = talk(argv[1], argv[2], argv[3]);
    if (fflush(stdout) != 0 && rc == EXIT_OK) {
        fprintf(stderr, "%s: cannot write to stdout\n", PROG);
        rc = EXIT_NETWORK;
    }
    WSACleanup();
    return rc;
}
