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

/* Sets the options asked for. Returns 0, or an exit code with the error reported. */
static int set_options(SOCKET s, const struct options *opts)
{
    /* TODO(lab05): the options opts asks for: --timeout (SO_RCVTIMEO), --nodelay
       and --linger0, with transfer.c's functions. Returns 0, or EXIT_NETWORK once
       kit_error(PROG, "setsockopt", code) has reported the failure.
       Challenge (bonus): --linger S (opts->linger > 0) sets SO_LINGER {1, S}. */
    (void)s;
    (void)opts;
    fprintf(stderr, "%s: TODO(lab05): write set_options in upload.c\n", PROG);
    return EXIT_NETWORK;
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
    /* TODO(lab05): write what the server sends to stdout, byte for byte, until it
       ends its side. Returns EXIT_OK then; after a failed recv, reported with
       kit_error, EXIT_TIMEOUT for WSAETIMEDOUT and EXIT_NETWORK for any other; after
       a failed write to stdout, "upload: cannot write to stdout" and EXIT_NETWORK. */
    (void)s;
    return EXIT_NETWORK;
}

/* The whole exchange on a connected socket. Returns an exit code. */
static int upload(SOCKET s, const struct options *opts)
{
    /* TODO(lab05): the exchange on the connected socket s, as the README's
       upload says: the options, all of stdin (send_stdin), then the end of the
       sending side, in order, and the reply (print_reply), the socket still open
       for it. With --linger0 it returns as soon as stdin is sent: the closesocket
       in main resets. Returns the first failure's exit code, or print_reply's. */
    (void)print_reply;
    (void)send_stdin;
    return set_options(s, opts);
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
