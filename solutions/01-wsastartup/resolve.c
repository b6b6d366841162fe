/*
 * resolve - looks a host up with getaddrinfo and prints each address it gives.
 *
 * usage: resolve [--raw] HOST [PORT]
 *   --raw    also shows the sockaddr_in / sockaddr_in6 fields as they sit in memory
 *   --names  also shows the name each address resolves back to (the challenge)
 */
#include <stdio.h>
#include <string.h>

#include "labkit.h"
#include "wsabasics.h"

static const char *PROG = "resolve";

#define MAX_SEEN 64

struct options {
    int raw;
    int names;      /* the challenge: --names */
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
        else if (strcmp(argv[i], "--names") == 0)
            opts->names = 1;
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

/* The challenge: with --names, each address is followed by the name it has. */
static int show_names;

/* Prints "  name: NAME", the name sa resolves back to, or "  name: (none)". NI_NAMEREQD
   makes getnameinfo fail rather than give the address's own text back. */
static void print_name(const struct addrinfo *ai)
{
    char name[NI_MAXHOST];

    if (getnameinfo(ai->ai_addr, (socklen_t)ai->ai_addrlen, name, sizeof name, NULL, 0,
                    NI_NAMEREQD) != 0)
        strcpy(name, "(none)");
    printf("  name: %s\n", name);
}

/* Prints each distinct address of the list, and its fields with --raw. */
static void print_addresses(const struct addrinfo *list, int raw)
{
    static char seen[MAX_SEEN][INET6_ADDRSTRLEN + 32];
    char line[INET6_ADDRSTRLEN + 32], fields[512];
    int n = 0;

    for (const struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        if (format_endpoint(ai->ai_addr, line, sizeof line) != 0)
            continue;   /* neither IPv4 nor IPv6 */
        if (seen_before(seen, &n, line))
            continue;
        printf("%s\n", line);
        if (raw && format_raw(ai->ai_addr, fields, sizeof fields) == 0)
            printf("%s", fields);
        if (show_names)
            print_name(ai);
    }
}

int main(int argc, char **argv)
{
    struct options opts;
    struct addrinfo *list;
    WSADATA data;
    int rc;

    if (parse_args(argc, argv, &opts) != 0)
        return usage();
    show_names = opts.names;
    rc = start_winsock(MAKEWORD(2, 2), MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = resolve_host(opts.host, opts.port, &list);
    if (rc != 0) {
        kit_error(PROG, "getaddrinfo", rc);
        WSACleanup();
        return EXIT_NETWORK;
    }
    print_addresses(list, opts.raw);
    freeaddrinfo(list);
    WSACleanup();
    return EXIT_OK;
}
