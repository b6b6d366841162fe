/*
 * server_args.c - fuzzes kit_server_args (labs/common/labkit.c) with any command
 * line: the input's NUL bytes separate the arguments; its first byte picks the
 * count option. An accepted command line gives a bind address and a valid port.
 */
#include "fuzz.h"
#include "labkit.h"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const flags[] = { NULL, "--max-clients", "--max-datagrams" };
    struct kit_server_args args;
    char *argv[MAX_ARGS];
    unsigned short port;
    int argc;

    if (size < 1)
        return 0;
    argc = fuzz_args(data + 1, size - 1, "server", argv, MAX_ARGS);
    if (kit_server_args(argc, argv, flags[data[0] % 3], &args) == 0) {
        if (args.bind == NULL || args.bind[0] == '\0' || args.port == NULL ||
            kit_parse_port(args.port, &port) != 0 || args.count < 0)
            abort();
        if (flags[data[0] % 3] == NULL && args.count != 0)
            abort();
    }
    fuzz_free_args(argc, argv);
    return 0;
}
