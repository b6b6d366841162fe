/*
 * same_endpoint.c - fuzzes lab 04's same_endpoint (datagram.c), which compares the
 * sender of a datagram with the server asked, with two arbitrary socket addresses.
 * It must be symmetric, and true of an address and itself.
 */
#include "fuzz.h"
#include "datagram.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_storage a, b;
    size_t half = size / 2;

    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    memcpy(&a, data, half < sizeof a ? half : sizeof a);
    memcpy(&b, data + half, size - half < sizeof b ? size - half : sizeof b);
    if (size >= 2 && (data[0] & 1))
        a.ss_family = (data[0] & 2) ? AF_INET6 : AF_INET;     /* reach both paths often */
    if (size >= 2 && (data[size - 1] & 1))
        b.ss_family = a.ss_family;
    if (same_endpoint((struct sockaddr *)&a, (struct sockaddr *)&b) !=
        same_endpoint((struct sockaddr *)&b, (struct sockaddr *)&a))
        abort();
    if ((a.ss_family == AF_INET || a.ss_family == AF_INET6) &&
        !same_endpoint((struct sockaddr *)&a, (struct sockaddr *)&a))
        abort();
    return 0;
}
