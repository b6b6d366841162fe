/*
 * labkit.h - helpers every lab program uses for what is not the lesson: exit codes,
 * error lines, announcing a server and reading a port number. Plain C on top of
 * sockcompat.h (and the call record, record.h); the same on every platform.
 */
#ifndef LABKIT_H
#define LABKIT_H

#include <stddef.h>
#include "sockcompat.h"

/* The exit codes of every lab program. */
enum {
    EXIT_OK = 0,        /* success */
    EXIT_USAGE = 1,     /* bad arguments; usage printed on stderr */
    EXIT_NETWORK = 2,   /* a socket or network call failed; error line on stderr */
    EXIT_TIMEOUT = 3    /* a wait timed out */
};

/* Prints "PROG: CALL: WSANAME (CODE): TEXT" on stderr (wsa_error_name and
   wsa_error_text, sockcompat.h); returns nothing. */
void kit_error(const char *prog, const char *call, int code);

/* Prints "listening on ADDR:PORT" for a bound socket, read back with getsockname,
   and flushes stdout, having written "announce(sN, ADDR:PORT)" in the call record
   (where the kit's getsockname is not shown: it is not the program's). Returns 0,
   or the WSA error code of getsockname. */
int kit_announce(SOCKET s);

/* Parses a decimal port number from 0 to 65535. Returns 0, or -1 if text is not one. */
int kit_parse_port(const char *text, unsigned short *port);

/* Parses a decimal number from min to max. Returns 0, or -1 if text is not one. */
int kit_parse_number(const char *text, long min, long max, long *value);

/* The command line of every lab server: [--port N] [--bind ADDR] [COUNT_FLAG N]. */
struct kit_server_args {
    const char *bind;   /* --bind; default "127.0.0.1": loopback unless told otherwise */
    const char *port;   /* --port as text, for getaddrinfo; default "0": any free port */
    long count;         /* COUNT_FLAG (--max-clients, --max-datagrams); 0: no limit */
};

/* Fills args from argv; count_flag names the server's count option. Returns 0, or
   -1 if the command line does not fit (print the usage and exit EXIT_USAGE). */
int kit_server_args(int argc, char **argv, const char *count_flag,
                    struct kit_server_args *args);

#endif /* LABKIT_H */
