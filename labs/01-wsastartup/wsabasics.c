/*
 * wsabasics.c - lab 01: starting Winsock, version words and socket addresses.
 */
#include "wsabasics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a decimal number from 0 to 255 at *text, moving *text past it. */
static int parse_byte(const char **text, BYTE *value)
{
    const char *p = *text;
    unsigned n = 0;

    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (unsigned)(*p - '0');
        if (n > 255)
            return -1;
    }
    *value = (BYTE)n;
    *text = p;
    return 0;
}

int parse_version(const char *text, WORD *version)
{
    /* TODO(lab01): read MAJOR, a '.', MINOR (each 0 to 255, nothing else around
       them) and store MAKEWORD(major, minor) in *version. parse_byte helps. */
    (void)text;
    (void)version;
    (void)parse_byte;
    return -1;
}

char *format_version(WORD version, char *buf, size_t size)
{
    /* TODO(lab01): write "MAJOR.MINOR" into buf: LOBYTE is the major version. */
    (void)version;
    snprintf(buf, size, "?");
    return buf;
}

int compare_versions(WORD a, WORD b)
{
    /* TODO(lab01): compare the major versions, then the minor ones. */
    (void)a;
    (void)b;
    return 0;
}

int start_winsock(WORD requested, WORD needed, WSADATA *data)
{
    /* TODO(lab01): call WSAStartup(requested, data) and return its result if it
       fails. If the version it grants (data->wVersion) is older than `needed`, undo
       the start with WSACleanup and return WSAVERNOTSUPPORTED. */
    (void)requested;
    (void)needed;
    (void)data;
    return WSASYSNOTREADY;
}

int resolve_host(const char *host, const char *port, struct addrinfo **result)
{
    /* TODO(lab01): fill a zeroed struct addrinfo of hints (any family, stream
       sockets) and return what getaddrinfo(host, port, &hints, result) returns. */
    (void)host;
    (void)port;
    *result = NULL;
    return WSANO_RECOVERY;
}

int format_endpoint(const struct sockaddr *sa, char *buf, size_t size)
{
    /* TODO(lab01): for AF_INET and AF_INET6, turn the address into text with
       inet_ntop and write "AF_INET 127.0.0.1:80" or "AF_INET6 [::1]:80", the port
       through ntohs. -1 for another family or when the text does not fit. */
    (void)sa;
    (void)buf;
    (void)size;
    return -1;
}

/* Appends "xx xx ..." for len bytes at p to buf, which holds *used bytes. */
static void append_bytes(char *buf, size_t size, size_t *used, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len && *used < size; i++) {
        int n = snprintf(buf + *used, size - *used, i ? " %02x" : "%02x", b[i]);
        *used += n > 0 ? (size_t)n : 0;
    }
}

/* Appends formatted text to buf, which holds *used bytes. */
static void append_text(char *buf, size_t size, size_t *used, const char *text)
{
    if (*used < size) {
        int n = snprintf(buf + *used, size - *used, "%s", text);
        *used += n > 0 ? (size_t)n : 0;
    }
}

int format_raw(const struct sockaddr *sa, char *buf, size_t size)
{
    /* TODO(lab01): the lines the README shows for --raw: the family, the two bytes of
       the port as they sit in memory and the port ntohs makes of them, the address
       bytes, and for IPv6 the scope. append_text and append_bytes help. */
    (void)sa;
    (void)buf;
    (void)size;
    (void)append_text;
    (void)append_bytes;
    return -1;
}
