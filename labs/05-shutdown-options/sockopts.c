/*
 * sockopts - shows options of a fresh TCP socket before and after setting them, each
 * read back with getsockopt.
 *
 * usage: sockopts [--rcvbuf BYTES] [--sndbuf BYTES] [--timeout MS] [--linger S]
 */
#include <stdio.h>
#include <string.h>

#include "labkit.h"
#include "transfer.h"

static const char *PROG = "sockopts";

struct options {
    long rcvbuf;
    long sndbuf;
    long timeout;
    long linger;
};

/* An option kept in an int (or a DWORD, or a BOOL), and the value to set. */
struct int_option {
    const char *name;
    int level;
    int optname;
    long value;
};

static int usage(void)
{
    fprintf(stderr, "usage: %s [--rcvbuf BYTES] [--sndbuf BYTES] [--timeout MS] "
                    "[--linger S]\n"
                    "  --rcvbuf, --sndbuf  1024 to 1048576 (default 32768)\n"
                    "  --timeout           SO_RCVTIMEO, 0 to 3600000 ms (default 2500)\n"
                    "  --linger            SO_LINGER's seconds, 0 to 600 (default 5)\n",
            PROG);
    return EXIT_USAGE;
}

/* Fills opts from the command line. Returns 0, or -1 if it does not fit the usage. */
static int parse_args(int argc, char **argv, struct options *opts)
{
    opts->rcvbuf = 32768;
    opts->sndbuf = 32768;
    opts->timeout = 2500;
    opts->linger = 5;
    for (int i = 1; i < argc; i += 2) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int rc;
        if (strcmp(argv[i], "--rcvbuf") == 0)
            rc = kit_parse_number(value, 1024, 1048576, &opts->rcvbuf);
        else if (strcmp(argv[i], "--sndbuf") == 0)
            rc = kit_parse_number(value, 1024, 1048576, &opts->sndbuf);
        else if (strcmp(argv[i], "--timeout") == 0)
            rc = kit_parse_number(value, 0, 3600000, &opts->timeout);
        else if (strcmp(argv[i], "--linger") == 0)
            rc = kit_parse_number(value, 0, 600, &opts->linger);
        else
            rc = -1;
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Prints "NAME: before -> after" for one int option, setting it in between.
   Returns 0, or EXIT_NETWORK with the error reported. */
static int show_int_option(SOCKET s, const struct int_option *opt)
{
    /* TODO(lab05): opt's line, as the README's sockopts shows it: the value read
       before, then the value read back after setting it to opt->value. A failed
       call is reported with kit_error naming it ("setsockopt" or "getsockopt"). */
    (void)s;
    (void)opt;
    fprintf(stderr, "%s: TODO(lab05): write show_int_option in sockopts.c\n", PROG);
    return EXIT_NETWORK;
}

/* The same for SO_LINGER, a struct linger: "SO_LINGER: {0, 0} -> {1, 5}". */
static int show_linger(SOCKET s, long seconds)
{
    /* TODO(lab05): the SO_LINGER line: the struct linger read before, then read
       back after setting it to {1, seconds}, each as {l_onoff, l_linger}. Returns
       as show_int_option. */
    (void)s;
    (void)seconds;
    return EXIT_NETWORK;
}

int main(int argc, char **argv)
{
    struct options opts;
    WSADATA data;
    SOCKET s;
    int rc = 0;

    if (parse_args(argc, argv, &opts) != 0)
        return usage();
    const struct int_option list[] = {
        { "SO_RCVBUF", SOL_SOCKET, SO_RCVBUF, opts.rcvbuf },
        { "SO_SNDBUF", SOL_SOCKET, SO_SNDBUF, opts.sndbuf },
        { "SO_KEEPALIVE", SOL_SOCKET, SO_KEEPALIVE, TRUE },
        { "SO_REUSEADDR", SOL_SOCKET, SO_REUSEADDR, TRUE },
        { "TCP_NODELAY", IPPROTO_TCP, TCP_NODELAY, TRUE },
        /* An int of milliseconds has the same bytes as the DWORD Windows reads. */
        { "SO_RCVTIMEO", SOL_SOCKET, SO_RCVTIMEO, opts.timeout },
    };
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (s == INVALID_SOCKET) {
        kit_error(PROG, "socket", WSAGetLastError());
        WSACleanup();
        return EXIT_NETWORK;
    }
    for (size_t i = 0; rc == 0 && i < sizeof list / sizeof list[0]; i++)
        rc = show_int_option(s, &list[i]);
    if (rc == 0)
        rc = show_linger(s, opts.linger);
    fflush(stdout);
    closesocket(s);
    WSACleanup();
    return rc;
}
