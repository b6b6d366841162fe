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

/* Connects, sends the line and copies the reply to stdout. Returns an exit code. */
static int talk(const char *host, const char *port, const char *message)
{
    /* TODO(lab02): the exchange of README section 6: the line sent, the reply on
       stdout byte for byte. Returns EXIT_OK once the server has closed and the reply
       is written; EXIT_NETWORK after the kit's error line naming the failed call
       (kit_error), or after "tcp_client: cannot write to stdout" (a plain line on
       stderr, no WSA code) for a failed write. The socket is closed either way. */
    (void)host;
    (void)port;
    (void)message;
    (void)send_line;
    fprintf(stderr, "%s: TODO(lab02): connect, send the line, print the reply\n", PROG);
    return EXIT_NETWORK;
}

int main(int argc, char **argv)
{
    WSADATA data;
    unsigned short port;
    int rc;

    if (argc != 4 || argv[1][0] == '\0' || kit_parse_port(argv[2], &port) != 0)
        return usage();
    /* TODO(lab02): from here on, stdout must write each byte of the reply as it is,
       on Windows too (README section 4). */
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
