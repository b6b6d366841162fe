/*
 * calls_flood - makes COUNT socket calls (default a million), for the test that the
 * call record stays bounded: most of them a select with no sockets, which fails
 * (WSAEINVAL) before it reaches the system, so that even Wine makes them fast.
 *
 * usage: calls_flood [COUNT]
 */
#include <stdio.h>

#include "labkit.h"

int main(int argc, char **argv)
{
    WSADATA data;
    SOCKET s;
    long count = 1000000;
    struct timeval now = { 0, 0 };

    if (argc > 2 || (argc == 2 && kit_parse_number(argv[1], 1, 100000000L, &count) != 0)) {
        fprintf(stderr, "usage: calls_flood [COUNT]\n");
        return EXIT_USAGE;
    }
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0)
        return EXIT_NETWORK;
    s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
    if (s == INVALID_SOCKET) {
        WSACleanup();
        return EXIT_NETWORK;
    }
    for (long i = 3; i < count; i++)        /* WSAStartup, socket, closesocket */
        select(0, NULL, NULL, NULL, &now);
    closesocket(s);
    WSACleanup();       /* not counted in COUNT: the last call */
    return EXIT_OK;
}
