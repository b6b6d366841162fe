/*
 * parse_version.c - fuzzes lab 01's parse_version (wsabasics.c) with any text. An
 * accepted version formats back to a version that parses to the same word.
 */
#include <stdio.h>

#include "fuzz.h"
#include "wsabasics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_string(data, size);
    char shown[8];
    WORD version = 0xBEEF, again = 0;

    if (parse_version(text, &version) == 0) {
        format_version(version, shown, sizeof shown);
        if (parse_version(shown, &again) != 0 || again != version)
            abort();
        if (compare_versions(version, again) != 0)
            abort();
    } else if (version != 0xBEEF) {
        abort();    /* a refused text must leave *version alone */
    }
    free(text);
    return 0;
}
