/*
 * connect.h - lab 02: connecting to a server by name. You write connect_to in
 * connect.c. tcp_client uses it; so does lab 05's upload, which links this file.
 * tests/unit/lab02_test.c checks it.
 */
#ifndef CONNECT_H
#define CONNECT_H

#include "sockcompat.h"

/* Connects to host:port, trying each address getaddrinfo gives (any family, stream
   sockets) until one connects. Returns 0 with the connected socket in *s, or a WSA
   error code with *call naming the call that failed: "getaddrinfo", or "socket" or
   "connect" for the last address tried. */
int connect_to(const char *host, const char *port, SOCKET *s, const char **call);

#endif /* CONNECT_H */
