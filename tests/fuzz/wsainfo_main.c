/*
 * wsainfo_main.c - fuzzes lab 01's wsainfo as a whole (its main, renamed, with any
 * command line): the argument checks, version negotiation and formatting. It makes
 * no network call. run.sh closes its stdout and stderr (-close_fd_mask=3).
 */
#define main wsainfo_main
#include "wsainfo.c"
#undef main

#include "fuzz.h"

#define MAX_ARGS 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS];
    int argc = fuzz_args(data, size, "wsainfo", argv, MAX_ARGS);
    int rc = wsainfo_main(argc, argv);

    if (rc != EXIT_OK && rc != EXIT_USAGE && rc != EXIT_NETWORK)
        abort();
    fuzz_free_args(argc, argv);
    return 0;
}
