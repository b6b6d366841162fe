/*
 * tcpserver.c - lab 03: echoing one client's stream.
 */
#include <string.h>

#include "tcpserver.h"

int send_all(SOCKET s, const char *buf, int len)
{
    /* TODO(lab03): all len bytes of buf sent, in order (len 0: nothing). Returns 0,
       or SOCKET_ERROR as soon as a send fails, its reason left in WSAGetLastError. */
    (void)s;
    (void)buf;
    (void)len;
    WSASetLastError(WSAEOPNOTSUPP);
    return SOCKET_ERROR;
}

int echo_client(SOCKET client)
{
    /* TODO(lab03): every byte the client sends goes back to it unchanged, echoed as
       it arrives, until the client closes its side. Returns 0 then, or the WSA error
       of the recv or send that failed. The socket stays open. */
    (void)client;
    return WSAEOPNOTSUPP;
}
