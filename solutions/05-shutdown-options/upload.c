/*
 * upload - streams stdin to a server, ends its side with shutdown(SD_SEND), then
 * prints the server's reply until the server closes.
 *
 * usage: upload HOST PORT [--timeout MS] [--nodelay] [--linger0 | --linger S]
 */
#include <stdio.h>
#include <string.h>

#include "connect.h"       /* connect_to: yours, from lab 02 */
#include "labkit.h"
#include "transfer.h"

static const char *PROG = "upload";

struct options {
    const char *host;
    const char *port;
    long timeout;       /* SO_RCVTIMEO in ms; 0: wait for ever */
    int nodelay;
    int linger0;
    long linger;        /* --linger S: SO_LINGER {1, S} (the challenge); 0: not set */
};

static char buf[65536];

static int usage(void)
{
    fprintf(stderr, "usage: %s HOST PORT [--timeout MS] [--nodelay] "
                    "[--linger0 | --linger S]\n"
                    "  --timeout MS  give up when the reply stops for MS ms "
                    "(1 to 3600000; default: wait)\n"
                    "  --nodelay     set TCP_NODELAY\n"
                    "  --linger0     set SO_LINGER {1, 0}; close after sending, with a "
                    "reset\n"
                    "  --linger S    set SO_LINGER {1, S}, 1 to 600 s; close in order\n", PROG);
    return EXIT_USAGE;
}

/* Fills opts from the command line. Returns 0, or -1 if it does not fit the usage. */
static int parse_args(int argc, char **argv, struct options *opts)
{
    unsigned short port;
    int n = 0;

    memset(opts, 0, sizeof *opts);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0) {
            if (kit_parse_number(argv[++i], 1, 3600000, &opts->timeout) != 0)
                return -1;
        } else if (strcmp(argv[i], "--nodelay") == 0) {
            opts->nodelay = 1;
        } else if (strcmp(argv[i], "--linger0") == 0) {
            opts->linger0 = 1;
        } else if (strcmp(argv[i], "--linger") == 0) {
            if (kit_parse_number(argv[++i], 1, 600, &opts->linger) != 0)
                return -1;
        } else if (argv[i][0] == '-' || n == 2) {
            return -1;
        } else if (n++ == 0) {
            opts->host = argv[i];
        } else {
            opts->port = argv[i];
        }
    }
    if (n != 2 || opts->host[0] == '\0' || kit_parse_port(opts->port, &port) != 0)
        return -1;
    return opts->linger0 && opts->linger > 0 ? -1 : 0;
}

/* SO_LINGER {1, seconds}: closesocket still ends in order, with a FIN, but waits up
   to that long for the unsent data to go. Returns 0 or the WSA error code. */
static int set_linger(SOCKET s, long seconds)
{
    struct linger lg;

    lg.l_onoff = 1;
    lg.l_linger = (u_short)seconds;     /* u_short on Windows, int on POSIX */
    if (setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof lg) ==
        SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

/* Sets the options asked for. Returns 0, or an exit code with the error reported. */
static int set_options(SOCKET s, const struct options *opts)
{
    int rc = 0;

    if (opts->timeout > 0)
        rc = set_receive_timeout(s, (DWORD)opts->timeout);
    if (rc == 0 && opts->nodelay)
        rc = set_nodelay(s);
    if (rc == 0 && opts->linger0)
        rc = set_abortive_close(s);
    if (rc == 0 && opts->linger > 0)
        rc = set_linger(s, opts->linger);
    if (rc != 0) {
        kit_error(PROG, "setsockopt", rc);
        return EXIT_NETWORK;
    }
    return 0;
}

/* Sends all of stdin. Returns 0, or an exit code with the error reported. */
static int send_stdin(SOCKET s)
{
    size_t n;
    int rc;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        rc = send_all(s, buf, (int)n);
        if (rc != 0) {
            kit_error(PROG, "send", rc);
            return EXIT_NETWORK;
        }
    }
    return 0;
}

/* Prints what the server sends until it closes. Returns an exit code. */
static int print_reply(SOCKET s)
{
    int n, err;

    while ((n = recv(s, buf, (int)sizeof buf, 0)) > 0) {
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            fprintf(stderr, "%s: cannot write to stdout\n", PROG);
            return EXIT_NETWORK;
        }
    }
    err = WSAGetLastError();    /* at once: fflush may set it anew on Windows */
    if (fflush(stdout) != 0) {
        fprintf(stderr, "%s: cannot write to stdout\n", PROG);
        return EXIT_NETWORK;
    }
    if (n == 0)
        return EXIT_OK;
    kit_error(PROG, "recv", err);
    return err == WSAETIMEDOUT ? EXIT_TIMEOUT : EXIT_NETWORK;
}

/* The whole exchange on a connected socket. Returns an exit code. */
static int upload(SOCKET s, const struct options *opts)
{
    int rc = set_options(s, opts);

    if (rc == 0)
        rc = send_stdin(s);
    if (rc != 0 || opts->linger0)
        return rc;      /* with SO_LINGER {1, 0}, the closesocket that follows resets */
    /* No more to send: the server reads an end-of-file, and may now answer. The
       socket stays open for reading, which closesocket would end too. */
    if (shutdown(s, SD_SEND) == SOCKET_ERROR) {
        kit_error(PROG, "shutdown", WSAGetLastError());
        return EXIT_NETWORK;
    }
    return print_reply(s);
}

int main(int argc, char **argv)
{
    struct options opts;
    WSADATA data;
    SOCKET s;
    const char *call;
    int rc;

    if (parse_args(argc, argv, &opts) != 0)
        return usage();
    /* Bytes in, bytes out: no \r\n translation and no end at ^Z on Windows. */
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = connect_to(opts.host, opts.port, &s, &call);
    if (rc != 0) {
        kit_error(PROG, call, rc);
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = upload(s, &opts);
    closesocket(s);
    WSACleanup();
    return rc;
}
