/*
 * tcpserver.h - lab 03: the steps of a TCP server. The functions you write in
 * tcpserver.c and listener.c; tcp_server.c uses them, and tests/unit/lab03_test.c
 * checks them.
 */
#ifndef TCPSERVER_H
#define TCPSERVER_H

#include "sockcompat.h"

/* open_listener, in a file of its own: later labs reuse it. */
#include "listener.h"

/* Sends all len bytes of buf, calling send as often as it takes. Returns 0, or
   SOCKET_ERROR (WSAGetLastError says why). */
int send_all(SOCKET s, const char *buf, int len);

/* Echoes every byte the client sends back to it, until the client closes its side.
   Returns 0 then, or the WSA error code of the recv or send that failed (a client
   that resets the connection gives WSAECONNRESET). Does not close the socket. */
int echo_client(SOCKET client);

#endif /* TCPSERVER_H */
