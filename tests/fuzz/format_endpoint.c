/*
 * format_endpoint.c - fuzzes lab 01's format_endpoint and format_raw (wsabasics.c)
 * with arbitrary socket address bytes and buffer sizes. The buffer is exactly as
 * large as the size passed, so a write past it is an AddressSanitizer report; a
 * success leaves a string that fits.
 */
#include "fuzz.h"
#include "wsabasics.h"

static void check(int (*format)(const struct sockaddr *, char *, size_t),
                  const struct sockaddr *sa, size_t size)
{
    char *buf = malloc(size ? size : 1);

    if (buf == NULL)
        abort();
    if (format(sa, buf, size) == 0 && (size == 0 || strnlen(buf, size) >= size))
        abort();
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sockaddr_storage ss;
    size_t bufsize;

    if (size < 1)
        return 0;
    bufsize = data[0];      /* 0 to 255: too small, just enough and roomy */
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, data + 1, size - 1 < sizeof ss ? size - 1 : sizeof ss);
    if (size >= 3 && (data[1] & 1))
        ss.ss_family = (data[2] & 1) ? AF_INET6 : AF_INET;   /* reach both paths often */
    check(format_endpoint, (const struct sockaddr *)&ss, bufsize);
    check(format_raw, (const struct sockaddr *)&ss, bufsize);
    return 0;
}
