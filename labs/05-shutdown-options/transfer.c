/*
 * transfer.c - lab 05: streams that end, and the options of a socket.
 */
#include "transfer.h"

#include <inttypes.h>
#include <stdio.h>

uint32_t fnv1a32(uint32_t hash, const void *data, size_t len)
{
    /* TODO(lab05): for each of the len bytes, read through an unsigned char
       pointer: hash ^= byte, then hash *= FNV1A32_PRIME. Return the hash. */
    (void)data;
    (void)len;
    return hash;
}

int format_summary(unsigned long long bytes, uint32_t hash, char *buf, size_t size)
{
    /* TODO(lab05): snprintf "bytes=%" PRIu64 " fnv1a32=%08" PRIx32 "\n" with
       (uint64_t)bytes and hash; return -1 if its result is negative or does not
       fit (>= size), otherwise the length. */
    (void)bytes;
    (void)hash;
    (void)buf;
    (void)size;
    return -1;
}

int set_receive_timeout(SOCKET s, DWORD ms)
{
    /* TODO(lab05): setsockopt(SOL_SOCKET, SO_RCVTIMEO) with the DWORD itself; on
       SOCKET_ERROR return WSAGetLastError(). */
    (void)s;
    (void)ms;
    return WSAEOPNOTSUPP;
}

int set_nodelay(SOCKET s)
{
    /* TODO(lab05): setsockopt(IPPROTO_TCP, TCP_NODELAY) with a BOOL that is TRUE. */
    (void)s;
    return WSAEOPNOTSUPP;
}

int set_abortive_close(SOCKET s)
{
    /* TODO(lab05): setsockopt(SOL_SOCKET, SO_LINGER) with a struct linger whose
       l_onoff is 1 and l_linger 0. */
    (void)s;
    return WSAEOPNOTSUPP;
}

int read_int_option(SOCKET s, int level, int name, int *value)
{
    /* TODO(lab05): set *value to 0 first (Windows writes only one byte of a BOOL
       option), then getsockopt into it with its length in an int. */
    (void)s;
    (void)level;
    (void)name;
    (void)value;
    return WSAEOPNOTSUPP;
}

int send_all(SOCKET s, const char *buf, int len)
{
    /* TODO(lab05): send until all len bytes are gone: send returns how many it
       took, which may be fewer. On SOCKET_ERROR return WSAGetLastError(). */
    (void)s;
    (void)buf;
    (void)len;
    return WSAEOPNOTSUPP;
}

int summarise(SOCKET s, unsigned long long *bytes, uint32_t *hash)
{
    /* TODO(lab05): start from 0 bytes and FNV1A32_INIT; recv into a buffer until
       recv returns 0 (the peer's end-of-file: return 0), adding each piece to the
       count and the hash. On SOCKET_ERROR return WSAGetLastError(). */
    (void)s;
    *bytes = 0;
    *hash = FNV1A32_INIT;
    return WSAEOPNOTSUPP;
}
