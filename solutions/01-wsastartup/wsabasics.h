/*
 * wsabasics.h - lab 01: starting Winsock, version words and socket addresses.
 * The functions you write in wsabasics.c; wsainfo.c and resolve.c use them, and the
 * unit tests in tests/unit/lab01_test.c check them one by one.
 */
#ifndef WSABASICS_H
#define WSABASICS_H

#include <stddef.h>
#include "sockcompat.h"

/* Parses "MAJOR.MINOR" (each a number from 0 to 255) into a version word made with
   MAKEWORD. Returns 0, or -1 if text is not of that form. */
int parse_version(const char *text, WORD *version);

/* Writes a version word as "MAJOR.MINOR" into buf. Returns buf. */
char *format_version(WORD version, char *buf, size_t size);

/* Compares two version words, major first, then minor. Returns <0, 0 or >0. */
int compare_versions(WORD a, WORD b);

/* Starts Winsock asking for `requested` and keeps it only if the version granted is at
   least `needed`. Returns 0 (started: the caller calls WSACleanup later), the error
   code WSAStartup returned, or WSAVERNOTSUPPORTED if the version granted is older
   than `needed` (Winsock is then cleaned up again). */
int start_winsock(WORD requested, WORD needed, WSADATA *data);

/* Resolves host and port (a decimal number, or NULL for port 0) with getaddrinfo, for
   stream sockets of any address family. Returns 0 and the list in *result (free it
   with freeaddrinfo), or getaddrinfo's WSA error code. */
int resolve_host(const char *host, const char *port, struct addrinfo **result);

/* Formats an IPv4 or IPv6 socket address as "AF_INET 127.0.0.1:80" or
   "AF_INET6 [::1]:80". Returns 0, or -1 for another family or too small a buffer. */
int format_endpoint(const struct sockaddr *sa, char *buf, size_t size);

/* Formats the fields of a sockaddr_in or sockaddr_in6 as they sit in memory, one per
   line: the family, the port's two bytes (and the port ntohs makes of them), the
   address bytes and, for IPv6, the scope. Returns 0, or -1 as format_endpoint. */
int format_raw(const struct sockaddr *sa, char *buf, size_t size);

#endif /* WSABASICS_H */
