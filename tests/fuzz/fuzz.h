/*
 * fuzz.h - what every harness in tests/fuzz needs: libFuzzer's entry point, and the
 * fuzzer's bytes as C strings.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input, in a buffer of its own (so that reading one
   byte too far is an AddressSanitizer report). Free it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    return text;
}

/* Splits the input at its NUL bytes into at most max - 1 arguments after argv[0] =
   prog, each a string of its own; argv[argc] is NULL. No input is no argument.
   Returns argc. Free the arguments with fuzz_free_args. */
static inline int fuzz_args(const uint8_t *data, size_t size, const char *prog,
                            char **argv, int max)
{
    int argc = 1;
    size_t start = 0;

    argv[0] = (char *)prog;
    for (size_t i = 0; size > 0 && i <= size && argc < max - 1; i++) {
        if (i == size || data[i] == '\0') {
            argv[argc++] = fuzz_string(data + start, i - start);
            start = i + 1;
        }
    }
    argv[argc] = NULL;
    return argc;
}

static inline void fuzz_free_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        free(argv[i]);
}

#endif /* FUZZ_H */
