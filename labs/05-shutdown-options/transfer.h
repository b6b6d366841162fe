/*
 * transfer.h - lab 05: shutdown and socket options. The functions you write in
 * transfer.c; upload.c, summary_server.c and sockopts.c use them, and the unit tests
 * in tests/unit/lab05_test.c check them one by one.
 */
#ifndef TRANSFER_H
#define TRANSFER_H

#include <stddef.h>
#include <stdint.h>
#include "sockcompat.h"

/* FNV-1a, 32 bits: start from the offset basis; for each byte, XOR it in, then
   multiply by the prime (modulo 2^32). */
#define FNV1A32_INIT 0x811c9dc5u
#define FNV1A32_PRIME 0x01000193u

/* Continues an FNV-1a hash over len bytes of data. fnv1a32(FNV1A32_INIT, d, n) is the
   hash of d; hashing a buffer in pieces gives the same as hashing it whole. */
uint32_t fnv1a32(uint32_t hash, const void *data, size_t len);

/* Writes "bytes=N fnv1a32=XXXXXXXX\n" (N in decimal, the hash as 8 lowercase hex
   digits) into buf. Returns its length, or -1 if buf is too small. */
int format_summary(unsigned long long bytes, uint32_t hash, char *buf, size_t size);

/* Makes recv on s give up after ms milliseconds (0: wait for ever) with WSAETIMEDOUT.
   Returns 0, or the WSA error code of setsockopt. */
int set_receive_timeout(SOCKET s, DWORD ms);

/* Turns Nagle's algorithm off (TCP_NODELAY): small sends go out at once. Returns 0,
   or the WSA error code of setsockopt. */
int set_nodelay(SOCKET s);

/* Sets SO_LINGER to {1, 0}, so that closesocket resets the connection instead of
   ending it in order. Returns 0, or the WSA error code of setsockopt. */
int set_abortive_close(SOCKET s);

/* Reads an option that Windows keeps in an int, a DWORD or a BOOL, into *value.
   Returns 0, or the WSA error code of getsockopt. */
int read_int_option(SOCKET s, int level, int name, int *value);

/* Sends all len bytes of buf, however many send calls it takes. Returns 0, or the
   WSA error code of send (not SOCKET_ERROR, as lab 02's send_all returns). */
int send_all(SOCKET s, const char *buf, int len);

/* Receives until the peer's end-of-file, counting the bytes in *bytes and hashing
   them (FNV-1a) into *hash. Returns 0 at end-of-file, or the WSA error code of recv
   (*bytes and *hash then cover what came before it). */
int summarise(SOCKET s, unsigned long long *bytes, uint32_t *hash);

#endif /* TRANSFER_H */
