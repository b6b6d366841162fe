/*
 * parse_port.c - fuzzes kit_parse_port (labs/common/labkit.c) with any text: it
 * must accept exactly the decimal numbers from 0 to 65535.
 */
#include <stdio.h>

#include "fuzz.h"
#include "labkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    unsigned short port = 1234;
    int digits = text[0] != '\0' && strspn(text, "0123456789") == strlen(text);

    if (kit_parse_port(text, &port) == 0) {
        /* Accepted: all digits, and the value is the number written. */
        if (!digits || strtoul(text, NULL, 10) != port)
            abort();
    } else if (digits && strlen(text) < 10 && strtoul(text, NULL, 10) <= 65535) {
        abort();    /* refused a port number */
    }
    free(text);
    return 0;
}
