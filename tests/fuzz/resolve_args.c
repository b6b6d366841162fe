/*
 * resolve_args.c - fuzzes resolve's command line parsing (parse_args, static in
 * lab 01's resolve.c, included here with its main renamed). The input's NUL bytes
 * separate the arguments. Only the parsing runs: nothing is looked up.
 */
#define main resolve_main
#include "resolve.c"
#undef main

#include "fuzz.h"

#define MAX_ARGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS];
    int argc = fuzz_args(data, size, "resolve", argv, MAX_ARGS);
    struct options opts;
    unsigned short port;

    if (parse_args(argc, argv, &opts) == 0) {
        if (opts.host == NULL || opts.host[0] == '\0')
            abort();
        if (opts.port != NULL && kit_parse_port(opts.port, &port) != 0)
            abort();
    }
    fuzz_free_args(argc, argv);
    return 0;
}
