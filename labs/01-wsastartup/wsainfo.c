/*
 * wsainfo - starts Winsock with the version asked for and shows what was granted.
 *
 * usage: wsainfo [MAJOR.MINOR]     (default 2.2)
 */
#include <stdio.h>
#include <string.h>

#include "labkit.h"
#include "wsabasics.h"

static const char *PROG = "wsainfo";

static int usage(void)
{
    fprintf(stderr, "usage: %s [MAJOR.MINOR]\n"
                    "  MAJOR and MINOR are numbers from 0 to 255; the default is 2.2\n",
            PROG);
    return EXIT_USAGE;
}

/* Prints what WSAStartup filled in. */
static void show(const WSADATA *data)
{
    char version[8];

    printf("version: %s\n", format_version(data->wVersion, version, sizeof version));
    printf("highest: %s\n", format_version(data->wHighVersion, version, sizeof version));
    printf("description: %s\n", data->szDescription);
    printf("status: %s\n", data->szSystemStatus);
}

int main(int argc, char **argv)
{
    /* TODO(lab01):
       - read the optional MAJOR.MINOR argument with parse_version (default 2.2); on a
         malformed one, or more than one argument, return usage();
       - print "requested: X.Y" (format_version) and flush stdout;
       - start Winsock with start_winsock(requested, MAKEWORD(1, 0), &data): any
         version it grants will do; on failure kit_error(PROG, "WSAStartup", code) and
         return EXIT_NETWORK;
       - show(&data);
       - WSACleanup: on SOCKET_ERROR, kit_error with WSAGetLastError() and return
         EXIT_NETWORK; otherwise print "cleanup: ok" and return EXIT_OK. */
    (void)argc;
    (void)argv;
    (void)usage;
    (void)show;
    fprintf(stderr, "%s: TODO(lab01): write main in wsainfo.c\n", PROG);
    return EXIT_NETWORK;
}
