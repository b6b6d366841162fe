/*
 * tcpclient.h - lab 02: the steps of a TCP client. The functions you write in
 * tcpclient.c; tcp_client.c uses them, and tests/unit/lab02_test.c checks them.
 */
#ifndef TCPCLIENT_H
#define TCPCLIENT_H

#include <stdio.h>
#include "sockcompat.h"

/* Connects to host:port, trying each address getaddrinfo gives (any family, stream
   sockets) until one connects. Returns 0 with the connected socket in *s, or a WSA
   error code with *call naming the call that failed: "getaddrinfo", or "socket" or
   "connect" for the last address tried. */
int connect_to(const char *host, const char *port, SOCKET *s, const char **call);

/* Sends all len bytes of buf, calling send as often as it takes: send may take fewer
   bytes than it was given. Returns 0, or SOCKET_ERROR (WSAGetLastError says why). */
int send_all(SOCKET s, const char *buf, int len);

/* Receives until the peer closes the connection, writing every byte to out as it
   came. Returns the number of bytes received, or -1 if recv failed (WSAGetLastError
   says why) or writing to out failed (WSAGetLastError is then 0). */
long long recv_until_close(SOCKET s, FILE *out);

#endif /* TCPCLIENT_H */
