/*
 * upload_args.c - fuzzes upload's command line parsing (parse_args, static in lab
 * 05's upload.c, included here with its main renamed). The input's NUL bytes
 * separate the arguments. Only the parsing runs: nothing is connected.
 */
#define main upload_main
#include "upload.c"
#undef main

#include "fuzz.h"

#define MAX_ARGS 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS];
    int argc = fuzz_args(data, size, "upload", argv, MAX_ARGS);
    struct options opts;
    unsigned short port;

    if (parse_args(argc, argv, &opts) == 0) {
        if (opts.host == NULL || opts.host[0] == '\0' || kit_parse_port(opts.port, &port) != 0)
            abort();
        if (opts.timeout < 0 || opts.timeout > 3600000)
            abort();
    }
    fuzz_free_args(argc, argv);
    return 0;
}
