/*
 * format_summary.c - fuzzes lab 05's format_summary and fnv1a32 (transfer.c): any
 * byte count and hash, into a buffer of any size up to 64 bytes, exactly that large
 * (a write past it is an AddressSanitizer report). A success returns the length of
 * the string it left, which fits; hashing in two parts gives the hash of the whole.
 */
#include "fuzz.h"
#include "transfer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned long long bytes = 0;
    uint32_t hash;
    size_t bufsize, cut;
    char *buf;
    int n;

    if (size < 1 + sizeof bytes)
        return 0;
    bufsize = data[0] % 65;
    memcpy(&bytes, data + 1, sizeof bytes);
    cut = (size - 1 - sizeof bytes) / 2;
    hash = fnv1a32(fnv1a32(FNV1A32_INIT, data + 1 + sizeof bytes, cut),
                   data + 1 + sizeof bytes + cut, size - 1 - sizeof bytes - cut);
    if (hash != fnv1a32(FNV1A32_INIT, data + 1 + sizeof bytes, size - 1 - sizeof bytes))
        abort();
    buf = malloc(bufsize ? bufsize : 1);
    if (buf == NULL)
        abort();
    n = format_summary(bytes, hash, buf, bufsize);
    if (n >= 0 && (bufsize == 0 || strnlen(buf, bufsize) != (size_t)n))
        abort();
    if (n < 0 && n != -1)
        abort();
    free(buf);
    return 0;
}
