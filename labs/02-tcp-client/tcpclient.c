/*
 * tcpclient.c - lab 02: moving bytes over a stream that keeps no message
 * boundaries.
 */
#include <string.h>

#include "tcpclient.h"

int send_all(SOCKET s, const char *buf, int len)
{
    /* TODO(lab02): all len bytes of buf sent, in order (len 0: nothing). Returns 0,
       or SOCKET_ERROR as soon as a send fails, its reason left in WSAGetLastError. */
    (void)s;
    (void)buf;
    (void)len;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

long long recv_until_close(SOCKET s, FILE *out)
{
    /* TODO(lab02): every byte the peer sends, zeros included, written to out as it
       came, until the peer closes. Returns the number of bytes; -1 if recv failed
       (reason in WSAGetLastError); -1 with WSAGetLastError 0 if writing out failed. */
    (void)s;
    (void)out;
    WSASetLastError(WSAEOPNOTSUPP);
    return -1;
}
