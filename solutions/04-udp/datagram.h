/*
 * datagram.h - lab 04: UDP. The functions you write in datagram.c; udp_server.c and
 * udp_client.c use them, and the unit tests in tests/unit/lab04_test.c check them
 * one by one.
 */
#ifndef DATAGRAM_H
#define DATAGRAM_H

#include "sockcompat.h"

/* The largest UDP payload over IPv4: 65535 bytes less 20 of IPv4 header and 8 of UDP
   header. udp_server's buffer holds exactly this many bytes. A longer datagram (IPv6
   allows up to 65527) does not fit in it: recvfrom fails with WSAEMSGSIZE, and the
   server skips it. Give recvfrom the size of the buffer it fills, never more. */
#define MAX_DATAGRAM 65507

/* Returns 1 if a and b hold the same family, address and port (IPv4 or IPv6), and 0
   otherwise, or for any other family. */
int same_endpoint(const struct sockaddr *a, const struct sockaddr *b);

/* Makes recv and recvfrom on s give up after ms milliseconds (0: wait for ever) with
   WSAETIMEDOUT. Returns 0, or the WSA error code of setsockopt. */
int set_receive_timeout(SOCKET s, DWORD ms);

/* Receives one datagram on s into buf (size bytes) and sends it back, unchanged, to
   the address it came from. Returns 0 if it echoed one; otherwise the WSA error
   code of the call that failed, whose name ("recvfrom" or "sendto") goes in *call.
   WSAEMSGSIZE means the datagram was longer than size bytes: nothing is sent. */
int echo_datagram(SOCKET s, char *buf, int size, const char **call);

/* One request of udp_client. */
struct request {
    const struct sockaddr *to;  /* the server's address */
    int tolen;                  /* its length */
    const char *message;        /* the datagram to send */
    int length;                 /* its length: 0 to MAX_DATAGRAM bytes */
    int retries;                /* how many times to send it again after a timeout */
};

/* Sends req->message to req->to as one datagram and waits for the reply from that
   address only: a datagram from anywhere else is ignored. When the wait times out
   (the socket's SO_RCVTIMEO), sends the message again, up to req->retries times.
   Returns 0 with the reply (up to size bytes) in reply and its length in *got;
   WSAETIMEDOUT if the last wait timed out too; or the WSA error code of the call that
   failed, whose name goes in *call (on Windows, WSAECONNRESET from recvfrom means
   the server's port is closed). */
int request_reply(SOCKET s, const struct request *req, char *reply, int size, int *got,
                  const char **call);

#endif /* DATAGRAM_H */
