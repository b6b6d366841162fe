/*
 * tcpclient.h - lab 02: the steps of a TCP client. The functions you write in
 * tcpclient.c and connect.c; tcp_client.c uses them, and tests/unit/lab02_test.c
 * checks them.
 */
#ifndef TCPCLIENT_H
#define TCPCLIENT_H

#include <stdio.h>
#include "sockcompat.h"

/* connect_to, in a file of its own: a later lab reuses it. */
#include "connect.h"

/* Sends all len bytes of buf, calling send as often as it takes: send may take fewer
   bytes than it was given. Returns 0, or SOCKET_ERROR (WSAGetLastError says why). */
int send_all(SOCKET s, const char *buf, int len);

/* Receives until the peer closes the connection, writing every byte to out as it
   came. Returns the number of bytes received, or -1 if recv failed (WSAGetLastError
   says why) or writing to out failed (WSAGetLastError is then 0). */
long long recv_until_close(SOCKET s, FILE *out);

#endif /* TCPCLIENT_H */
