/*
 * resolve - looks a host up with getaddrinfo and prints each address it gives.
 *
 * usage: resolve [--raw] HOST [PORT]
 *   --raw  also shows the sockaddr_in / sockaddr_in6 fields as they sit in memory
 */
#include <stdio.h>
#include <string.h>

#include "labkit.h"
#include "wsabasics.h"

static const char *PROG = "resolve";

#define MAX_SEEN 64

struct options {
    int raw;
    const char *host;
    const char *port;
};

static int usage(void)
{
    fprintf(stderr, "usage: %s [--raw] HOST [PORT]\n"
                    "  PORT is a number from 0 to 65535; the default is 0\n", PROG);
    return EXIT_USAGE;
}

/* Fills opts from the command line. Returns 0, or -1 if it does not fit the usage. */
static int parse_args(int argc, char **argv, struct options *opts)
{
    unsigned short port;

    memset(opts, 0, sizeof *opts);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--raw") == 0)
            opts->raw = 1;
        else if (argv[i][0] == '-' && argv[i][1] != '\0')
            return -1;  /* an option this program does not have */
        else if (opts->host == NULL)
            opts->host = argv[i];
        else if (opts->port == NULL)
            opts->port = argv[i];
        else
            return -1;
    }
    if (opts->host == NULL || opts->host[0] == '\0')
        return -1;
    if (opts->port != NULL && kit_parse_port(opts->port, &port) != 0)
        return -1;
    return 0;
}

/* Returns 1 if line is among the n lines already seen; otherwise remembers it. */
static int seen_before(char seen[][INET6_ADDRSTRLEN + 32], int *n, const char *line)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(seen[i], line) == 0)
            return 1;
    if (*n < MAX_SEEN)
        strcpy(seen[(*n)++], line);
    return 0;
}

/* Prints each distinct address of the list, and its fields with --raw. */
static void print_addresses(const struct addrinfo *list, int raw)
{
    /* TODO(lab01): one line per distinct IPv4 or IPv6 address of the list, in its
       order, followed with raw by that address's --raw lines. seen_before may help. */
    (void)list;
    (void)raw;
    (void)seen_before;
}

int main(int argc, char **argv)
{
    /* TODO(lab01): the program of README section 7: a bad command line is the usage
       and EXIT_USAGE; Winsock 2.2 is needed; a failed start or getaddrinfo is the
       kit's error line and EXIT_NETWORK; otherwise the addresses and EXIT_OK. Every
       successful start is matched by one WSACleanup, and the list is freed. */
    (void)argc;
    (void)argv;
    (void)usage;
    (void)parse_args;
    (void)print_addresses;
    fprintf(stderr, "%s: TODO(lab01): write main in resolve.c\n", PROG);
    return EXIT_NETWORK;
}
