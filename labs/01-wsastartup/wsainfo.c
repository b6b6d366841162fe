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
    /* TODO(lab01): the program of README section 7: the lines it shows on stdout,
       in order, for any version Winsock grants; a bad command line is the usage and
       EXIT_USAGE; a failed WSAStartup or WSACleanup is the kit's error line and
       EXIT_NETWORK; EXIT_OK otherwise. The requested line is out before any error. */
    (void)argc;
    (void)argv;
    (void)usage;
    (void)show;
    fprintf(stderr, "%s: TODO(lab01): write main in wsainfo.c\n", PROG);
    return EXIT_NETWORK;
}
