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
    /* TODO(lab01): accept exactly "MAJOR.MINOR", each a decimal number from 0 to
       255 with nothing before, between or after them; store the version word and
       return 0. Anything else, NULL included, returns -1 and leaves *version alone. */
    (void)text;
    (void)version;
    (void)parse_byte;
    return -1;
}

char *format_version(WORD version, char *buf, size_t size)
{
    /* TODO(lab01): the version as text, "2.1" for version 2.1, in buf; return buf. */
    (void)version;
    snprintf(buf, size, "?");
    return buf;
}

int compare_versions(WORD a, WORD b)
{
    /* TODO(lab01): <0 if a is an older version than b, 0 if the same, >0 if newer. */
    (void)a;
    (void)b;
    return 0;
}

int start_winsock(WORD requested, WORD needed, WSADATA *data)
{
    /* TODO(lab01): start Winsock once, asking for `requested`. Returns 0 with
       Winsock started and *data filled in; WSAStartup's error code if it failed
       (nothing started); WSAVERNOTSUPPORTED if the version granted is older than
       `needed`, with Winsock left as it was before the call. */
    (void)requested;
    (void)needed;
    (void)data;
    return WSASYSNOTREADY;
}

int resolve_host(const char *host, const char *port, struct addrinfo **result)
{
    /* TODO(lab01): the stream-socket addresses of host and port, of every address
       family, in *result. Returns 0, or getaddrinfo's WSA error code. */
    (void)host;
    (void)port;
    *result = NULL;
    return WSANO_RECOVERY;
}

int format_endpoint(const struct sockaddr *sa, char *buf, size_t size)
{
    /* TODO(lab01): "AF_INET 127.0.0.1:80" or "AF_INET6 [::1]:80" in buf (README,
       section 7), returning 0; -1 for another family or when buf is too small. */
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
    /* TODO(lab01): the indented lines of `resolve --raw` (README, section 7) in buf,
       returning 0; -1 as format_endpoint. append_text and append_bytes may help. */
    (void)sa;
    (void)buf;
    (void)size;
    (void)append_text;
    (void)append_bytes;
    return -1;
}
