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
    BYTE major, minor;

    if (text == NULL || parse_byte(&text, &major) != 0 || *text++ != '.')
        return -1;
    if (parse_byte(&text, &minor) != 0 || *text != '\0')
        return -1;
    /* The major version goes in the low byte. */
    *version = MAKEWORD(major, minor);
    return 0;
}

char *format_version(WORD version, char *buf, size_t size)
{
    snprintf(buf, size, "%u.%u", LOBYTE(version), HIBYTE(version));
    return buf;
}

int compare_versions(WORD a, WORD b)
{
    /* Not a - b: the low byte is the major version, so 1.1 (0x0101) is a larger
       number than 2.0 (0x0002). */
    if (LOBYTE(a) != LOBYTE(b))
        return LOBYTE(a) < LOBYTE(b) ? -1 : 1;
    if (HIBYTE(a) != HIBYTE(b))
        return HIBYTE(a) < HIBYTE(b) ? -1 : 1;
    return 0;
}

int start_winsock(WORD requested, WORD needed, WSADATA *data)
{
    int rc = WSAStartup(requested, data);

    if (rc != 0)
        return rc;      /* WSAStartup returns its error; WSAGetLastError is not set */
    if (compare_versions(data->wVersion, needed) < 0) {
        WSACleanup();   /* it did start: every successful WSAStartup needs one */
        return WSAVERNOTSUPPORTED;
    }
    return 0;
}

int resolve_host(const char *host, const char *port, struct addrinfo **result)
{
    struct addrinfo hints;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;        /* IPv4 and IPv6 */
    hints.ai_socktype = SOCK_STREAM;    /* else one answer per socket type */
    return getaddrinfo(host, port, &hints, result);
}

int format_endpoint(const struct sockaddr *sa, char *buf, size_t size)
{
    char host[INET6_ADDRSTRLEN];
    int n;

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        if (inet_ntop(AF_INET, &in->sin_addr, host, sizeof host) == NULL)
            return -1;
        n = snprintf(buf, size, "AF_INET %s:%u", host, ntohs(in->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        if (inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host) == NULL)
            return -1;
        /* Brackets keep the port apart from the address's own colons. */
        n = snprintf(buf, size, "AF_INET6 [%s]:%u", host, ntohs(in6->sin6_port));
    } else {
        return -1;
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
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
    const void *port, *addr;
    size_t addr_len, used = 0;
    char line[96];

    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        port = &in->sin_port;
        addr = &in->sin_addr;
        addr_len = sizeof in->sin_addr;
        snprintf(line, sizeof line, "  family: %u (AF_INET, host byte order)\n",
                 (unsigned)in->sin_family);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        port = &in6->sin6_port;
        addr = &in6->sin6_addr;
        addr_len = sizeof in6->sin6_addr;
        snprintf(line, sizeof line, "  family: %u (AF_INET6, host byte order)\n",
                 (unsigned)in6->sin6_family);
    } else {
        return -1;
    }
    append_text(buf, size, &used, line);
    append_text(buf, size, &used, "  port:   ");
    append_bytes(buf, size, &used, port, 2);
    snprintf(line, sizeof line, " (network byte order; ntohs gives %u)\n",
             ntohs(*(const unsigned short *)port));
    append_text(buf, size, &used, line);
    append_text(buf, size, &used, "  addr:   ");
    append_bytes(buf, size, &used, addr, addr_len);
    append_text(buf, size, &used, "\n");
    if (sa->sa_family == AF_INET6) {
        snprintf(line, sizeof line, "  scope:  %lu\n",
                 (unsigned long)((const struct sockaddr_in6 *)sa)->sin6_scope_id);
        append_text(buf, size, &used, line);
    }
    return used < size ? 0 : -1;
}
