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
    int before, after, value = (int)opt->value, rc;

    rc = read_int_option(s, opt->level, opt->optname, &before);
    if (rc == 0 && setsockopt(s, opt->level, opt->optname, (const char *)&value,
                              (int)sizeof value) == SOCKET_ERROR) {
        kit_error(PROG, "setsockopt", WSAGetLastError());
        return EXIT_NETWORK;
    }
    if (rc == 0)
        rc = read_int_option(s, opt->level, opt->optname, &after);
    if (rc != 0) {
        kit_error(PROG, "getsockopt", rc);
        return EXIT_NETWORK;
    }
    printf("%s: %d -> %d\n", opt->name, before, after);
    return 0;
}

/* The same for SO_LINGER, a struct linger: "SO_LINGER: {0, 0} -> {1, 5}". */
static int show_linger(SOCKET s, long seconds)
{
    struct linger before, after;
    int len = (int)sizeof before;

    memset(&before, 0, sizeof before);
    memset(&after, 0, sizeof after);
    if (getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&before, &len) == SOCKET_ERROR) {
        kit_error(PROG, "getsockopt", WSAGetLastError());
        return EXIT_NETWORK;
    }
    after.l_onoff = 1;
    after.l_linger = (unsigned short)seconds;
    if (setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&after, (int)sizeof after) ==
        SOCKET_ERROR) {
        kit_error(PROG, "setsockopt", WSAGetLastError());
        return EXIT_NETWORK;
    }
    memset(&after, 0, sizeof after);
    len = (int)sizeof after;
    if (getsockopt(s, SOL_SOCKET, SO_LINGER, (char *)&after, &len) == SOCKET_ERROR) {
        kit_error(PROG, "getsockopt", WSAGetLastError());
        return EXIT_NETWORK;
    }
    printf("SO_LINGER: {%d, %d} -> {%d, %d}\n", (int)before.l_onoff, (int)before.l_linger,
           (int)after.l_onoff, (int)after.l_linger);
    return 0;
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
