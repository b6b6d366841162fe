/*
 * connect.c - lab 02: connecting to a server by name, trying every address.
 * Lab 05 links this file alone: it uses nothing of tcpclient.c, and everything in it
 * but connect_to is static.
 */
#include <string.h>

#include "connect.h"

int connect_to(const char *host, const char *port, SOCKET *s, const char **call)
{
    /* TODO(lab02): connect to the first of host's TCP addresses, IPv4 or IPv6, that
       accepts. Returns 0 with *s connected; getaddrinfo's code with *call =
       "getaddrinfo"; or the WSA error of the last address tried, with *call naming
       its failed call ("socket" or "connect") and *s = INVALID_SOCKET. No socket
       but *s, and no address list, is left behind. */
    (void)host;
    (void)port;
    *s = INVALID_SOCKET;
    *call = "TODO(lab02): connect_to";
    return WSAEOPNOTSUPP;
}
