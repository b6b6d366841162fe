/*
 * tcpclient.c - lab 02: moving bytes over a stream that keeps no message
 * boundaries.
 */
#include <string.h>

#include "tcpclient.h"

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

long long recv_until_close(SOCKET s, FILE *out)
{
    char buf[16384];
    long long total = 0;

    for (;;) {
        int n = recv(s, buf, (int)sizeof buf, 0);
        if (n == 0)
            return total;           /* the peer closed: end of the stream */
        if (n == SOCKET_ERROR)
            return -1;
        /* fwrite, not printf("%s"): the bytes may include zeros. */
        if (fwrite(buf, 1, (size_t)n, out) != (size_t)n) {
            WSASetLastError(0);
            return -1;
        }
        total += n;
    }
}
