/*
 * transfer.c - lab 05: streams that end, and the options of a socket.
 */
#include "transfer.h"

#include <inttypes.h>
#include <stdio.h>

uint32_t fnv1a32(uint32_t hash, const void *data, size_t len)
{
    /* Bytes as unsigned char: a plain char may be signed, and 0xff would be -1. */
    const unsigned char *p = data;

    for (size_t i = 0; i < len; i++) {
        hash ^= p[i];
        hash *= FNV1A32_PRIME;
    }
    return hash;
}

int format_summary(unsigned long long bytes, uint32_t hash, char *buf, size_t size)
{
    int n = snprintf(buf, size, "bytes=%" PRIu64 " fnv1a32=%08" PRIx32 "\n",
                     (uint64_t)bytes, hash);
    return n < 0 || (size_t)n >= size ? -1 : n;
}

int set_receive_timeout(SOCKET s, DWORD ms)
{
    /* A DWORD of milliseconds, as Windows takes it (not a struct timeval). */
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, (int)sizeof ms) ==
        SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int set_nodelay(SOCKET s)
{
    BOOL on = TRUE;

    if (setsockopt(s, IPPROTO_TCP, TCP_NODELAY, (const char *)&on, (int)sizeof on) ==
        SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int set_abortive_close(SOCKET s)
{
    struct linger lg;

    lg.l_onoff = 1;     /* linger on closesocket... */
    lg.l_linger = 0;    /* ...for 0 seconds: drop what is unsent and reset */
    if (setsockopt(s, SOL_SOCKET, SO_LINGER, (const char *)&lg, (int)sizeof lg) ==
        SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int read_int_option(SOCKET s, int level, int name, int *value)
{
    int len = (int)sizeof *value;

    /* Windows writes a single byte of a BOOL option such as TCP_NODELAY: the other
       three must already be 0. */
    *value = 0;
    if (getsockopt(s, level, name, (char *)value, &len) == SOCKET_ERROR)
        return WSAGetLastError();
    return 0;
}

int send_all(SOCKET s, const char *buf, int len)
{
    while (len > 0) {
        int n = send(s, buf, len, 0);
        if (n == SOCKET_ERROR)
            return WSAGetLastError();
        buf += n;
        len -= n;
    }
    return 0;
}

int summarise(SOCKET s, unsigned long long *bytes, uint32_t *hash)
{
    char buf[65536];
    int n;

    *bytes = 0;
    *hash = FNV1A32_INIT;
    while ((n = recv(s, buf, (int)sizeof buf, 0)) > 0) {
        *bytes += (unsigned long long)n;
        *hash = fnv1a32(*hash, buf, (size_t)n);
    }
    return n == 0 ? 0 : WSAGetLastError();
}
