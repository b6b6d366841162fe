/*
 * listener.c - lab 03: a listening socket on the first address that works, its
 * port its own. Labs 05, 06 and 07 link this file alone: it uses nothing of
 * tcpserver.c, and everything in it but open_listener is static (their programs
 * have a send_all of their own).
 */
#include <string.h>

#include "listener.h"

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
