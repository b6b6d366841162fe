/*
 * sockopts_args.c - fuzzes sockopts' command line parsing (parse_args, static in lab
 * 05's sockopts.c, included here with its main renamed). The input's NUL bytes
 * separate the arguments. An accepted command line gives values in range.
 */
#define main sockopts_main
#include "sockopts.c"
#undef main

#include "fuzz.h"

#define MAX_ARGS 12

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS];
    int argc = fuzz_args(data, size, "sockopts", argv, MAX_ARGS);
    struct options opts;

    memset(&opts, 0, sizeof opts);
    if (parse_args(argc, argv, &opts) == 0) {
        if (opts.rcvbuf < 1024 || opts.rcvbuf > 1048576 || opts.sndbuf < 1024 ||
            opts.sndbuf > 1048576 || opts.timeout < 0 || opts.timeout > 3600000 ||
            opts.linger < 0 || opts.linger > 600)
            abort();
    }
    fuzz_free_args(argc, argv);
    return 0;
}
