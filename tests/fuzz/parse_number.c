/*
 * parse_number.c - fuzzes kit_parse_number (labs/common/labkit.c): the first 16
 * bytes are the bounds, the rest the text. An accepted number is within the bounds
 * and is what the text says.
 */
#include <stdio.h>

#include "fuzz.h"
#include "labkit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    long min = 0, max = 0, value = 42;
    char *text;

    if (size < 2 * sizeof(long))
        return 0;
    memcpy(&min, data, sizeof min);
    memcpy(&max, data + sizeof min, sizeof max);
    text = fuzz_string(data + 2 * sizeof(long), size - 2 * sizeof(long));
    if (kit_parse_number(text, min, max, &value) == 0) {
        if (value < min || value > max || strtol(text, NULL, 10) != value)
            abort();
    } else if (value != 42) {
        abort();    /* a refused number must leave *value alone */
    }
    free(text);
    return 0;
}
