/*
 * listener.h - lab 03: a listening socket. You write open_listener in listener.c.
 * tcp_server uses it; so do the servers of labs 05, 06 and 07, which link this file.
 * tests/unit/lab03_test.c checks it.
 */
#ifndef LISTENER_H
#define LISTENER_H

#include "sockcompat.h"

/* Opens a listening socket on address:port (stream sockets; port "0" takes any free
   port), with SO_EXCLUSIVEADDRUSE set so that a restarted server gets its port back
   and no other socket can take it. Returns 0 with the socket in *s, or a WSA error
   code with *call naming the call that failed ("getaddrinfo", "socket",
   "setsockopt", "bind" or "listen"). */
int open_listener(const char *address, const char *port, SOCKET *s, const char **call);

#endif /* LISTENER_H */
