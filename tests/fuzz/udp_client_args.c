/*
 * udp_client_args.c - fuzzes udp_client's command line parsing (parse_args, static
 * in lab 04's udp_client.c, included here with its main renamed). The input's NUL
 * bytes separate the arguments. Only the parsing runs: nothing is sent.
 */
#define main udp_client_main
#include "udp_client.c"
#undef main

#include "fuzz.h"

#define MAX_ARGS 10

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *argv[MAX_ARGS];
    int argc = fuzz_args(data, size, "udp_client", argv, MAX_ARGS);
    struct options opts;
    unsigned short port;

    if (parse_args(argc, argv, &opts) == 0) {
        if (opts.host == NULL || opts.host[0] == '\0' || opts.message == NULL ||
            kit_parse_port(opts.port, &port) != 0 || strlen(opts.message) > MAX_DATAGRAM)
            abort();
        if (opts.timeout < 1 || opts.timeout > 3600000 || opts.retries < 0 ||
            opts.retries > 100)
            abort();
    }
    fuzz_free_args(argc, argv);
    return 0;
}
