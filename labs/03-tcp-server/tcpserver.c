/*
 * tcpserver.c - lab 03: listening, and echoing one client's stream.
 */
#include <string.h>

#include "tcpserver.h"

int open_listener(const char *address, const char *port, SOCKET *s, const char **call)
{
    /* TODO(lab03): a TCP socket listening on the first of address's addresses, IPv4
       or IPv6, that works, owning its port exclusively (README section 6), with a
       backlog as long as the system allows. Returns 0 with *s listening;
       getaddrinfo's code with *call = "getaddrinfo"; or the WSA error of the last
       address tried, *call naming its failed call and *s = INVALID_SOCKET (a port
       in use: WSAEADDRINUSE from "bind"). No other socket or list is left behind. */
    (void)address;
    (void)port;
    *s = INVALID_SOCKET;
    *call = "TODO(lab03): open_listener";
    return WSAEOPNOTSUPP;
}

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
