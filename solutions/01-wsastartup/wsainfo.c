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
    WORD requested = MAKEWORD(2, 2);
    WSADATA data;
    char version[8];
    int rc;

    if (argc > 2 || (argc == 2 && parse_version(argv[1], &requested) != 0))
        return usage();
    printf("requested: %s\n", format_version(requested, version, sizeof version));
    fflush(stdout);

    /* Any version Winsock grants will do: this program only reports it. */
    rc = start_winsock(requested, MAKEWORD(1, 0), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    show(&data);

    if (WSACleanup() == SOCKET_ERROR) {
        kit_error(PROG, "WSACleanup", WSAGetLastError());
        return EXIT_NETWORK;
    }
    printf("cleanup: ok\n");
    return EXIT_OK;
}
