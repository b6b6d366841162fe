/*
 * tcpserver.c - lab 03: echoing one client's stream.
 */
#include <string.h>

#include "tcpserver.h"

int send_all(SOCKET s, const char *buf, int len)
{
    int sent = 0;

    while (sent < len) {
        int n = send(s, buf + sent, len - sent, 0);
        if (n == SOCKET_ERROR)
            return SOCKET_ERROR;
        sent += n;
    }
    return 0;
}

int echo_client(SOCKET client)
{
    char buf[16384];

    for (;;) {
        int n = recv(client, buf, (int)sizeof buf, 0);
        if (n == 0)
            return 0;               /* the client closed its side: done */
        if (n == SOCKET_ERROR || send_all(client, buf, n) == SOCKET_ERROR)
            return WSAGetLastError();
    }
}
