/*
 * labkit.c - error lines, announcements and port numbers for the lab programs.
 */
#include "labkit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

void kit_error(const char *prog, const char *call, int code)
{
    fprintf(stderr, "%s: %s: %s (%d): %s\n", prog, call, wsa_error_name(code), code,
            wsa_error_text(code));
    fflush(stderr);
}

int kit_announce(SOCKET s)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    char host[INET6_ADDRSTRLEN], line[INET6_ADDRSTRLEN + 16];
    unsigned short port;

    memset(&ss, 0, sizeof ss);
    /* The platform's call, not the program's: the record shows the program's own
       calls, and the announcement below. */
    if (wsa_getsockname(s, (struct sockaddr *)&ss, &len) == SOCKET_ERROR)
        return WSAGetLastError();
    if (ss.ss_family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
        port = ntohs(a6->sin6_port);
        snprintf(line, sizeof line, "[%s]:%u", host, port);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
        port = ntohs(a4->sin_port);
        snprintf(line, sizeof line, "%s:%u", host, port);
    }
    /* In the call record before the grader can read the line. */
    record_announce(s, line);
    printf("listening on %s\n", line);
    /* A pipe makes stdout fully buffered on every platform: the grader is waiting. */
    fflush(stdout);
    return 0;
}

int kit_parse_port(const char *text, unsigned short *port)
{
    char *end;
    unsigned long value;

    if (text == NULL || *text < '0' || *text > '9')
        return -1;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > 65535)
        return -1;
    *port = (unsigned short)value;
    return 0;
}

int kit_parse_number(const char *text, long min, long max, long *value)
{
    char *end;
    long n;

    if (text == NULL || ((*text < '0' || *text > '9') && *text != '-'))
        return -1;
    errno = 0;
    n = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || n < min || n > max)
        return -1;
    *value = n;
    return 0;
}

int kit_server_args(int argc, char **argv, const char *count_flag,
                    struct kit_server_args *args)
{
    unsigned short port;

    args->bind = "127.0.0.1";
    args->port = "0";
    args->count = 0;
    for (int i = 1; i < argc; i += 2) {     /* an option, then its value */
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
            return -1;      /* every option takes a value */
        if (strcmp(argv[i], "--port") == 0 && kit_parse_port(value, &port) == 0)
            args->port = value;
        else if (strcmp(argv[i], "--bind") == 0 && value[0] != '\0')
            args->bind = value;
        else if (count_flag != NULL && strcmp(argv[i], count_flag) == 0 &&
                 kit_parse_number(value, 1, 1000000000L, &args->count) == 0)
            ;
        else
            return -1;
    }
    return 0;
}
