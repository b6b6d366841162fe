/*
 * http_server - an HTTP/1.1 server of the files in one folder: GET and HEAD, one
 * connection at a time, one request per connection (Connection: close), each
 * request given at most --timeout seconds to arrive.
 *
 * usage: http_server --root DIR [--port N] [--bind ADDR] [--max-clients N]
 *                    [--timeout S]
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "httpserver.h"
#include "labkit.h"
#include "listener.h"      /* open_listener: yours, from lab 03 */

static const char *PROG = "http_server";

/* The most arguments the command line may have, the program's name included. */
#define MAX_ARGS 64
/* Seconds a client has to send its request, by default. */
#define TIMEOUT_DEFAULT 10

struct http_args {
    struct kit_server_args server;  /* --port, --bind, --max-clients */
    const char *root;
    long timeout;
};

static int usage(void)
{
    fprintf(stderr, "usage: %s --root DIR [--port N] [--bind ADDR] [--max-clients N] "
                    "[--timeout S]\n"
                    "  --root DIR       serve the files in folder DIR\n"
                    "  --port N         listen on port N (default 0: any free port)\n"
                    "  --bind ADDR      listen on ADDR (default 127.0.0.1)\n"
                    "  --max-clients N  exit after serving N clients\n"
                    "  --timeout S      give each client S seconds to send its request "
                    "(default %d)\n", PROG, TIMEOUT_DEFAULT);
    return EXIT_USAGE;
}

/* Takes --root and --timeout out of argv and gives the rest to kit_server_args.
   Returns 0, or -1 if the command line does not fit. */
static int parse_args(int argc, char **argv, struct http_args *args)
{
    char *rest[MAX_ARGS + 1];
    int n = 1;
    struct stat st;

    args->root = NULL;
    args->timeout = TIMEOUT_DEFAULT;
    if (argc > MAX_ARGS)
        return -1;
    rest[0] = argv[0];
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--root") == 0 && value != NULL && value[0] != '\0')
            args->root = argv[++i];
        else if (strcmp(argv[i], "--timeout") == 0 &&
                 kit_parse_number(value, 1, 3600, &args->timeout) == 0)
            i++;
        else if (strcmp(argv[i], "--timeout") == 0 || strcmp(argv[i], "--root") == 0)
            return -1;
        else
            rest[n++] = argv[i];
    }
    rest[n] = NULL;
    if (args->root == NULL || stat(args->root, &st) != 0 || !S_ISDIR(st.st_mode))
        return -1;
    return kit_server_args(n, rest, "--max-clients", &args->server);
}

/* The most finish reads of what a client still sends, and for how long. */
#define DRAIN_LIMIT (1L << 20)
#define DRAIN_SECONDS 2

/* Ends a connection well: after the answer, shut the sending side and read what the
   client still sends (until it closes, DRAIN_LIMIT bytes or DRAIN_SECONDS, each recv
   waiting at most a second) before closing, so that unread bytes do not make
   closesocket reset the connection under the answer. */
static void finish(SOCKET client)
{
    char sink[4096];
    DWORD ms = 1000;
    time_t until = time(NULL) + DRAIN_SECONDS;
    long drained = 0;
    int n;

    shutdown(client, SD_SEND);
    setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, (int)sizeof ms);
    while (drained < DRAIN_LIMIT && time(NULL) < until &&
           (n = recv(client, sink, (int)sizeof sink, 0)) > 0)
        drained += n;
    closesocket(client);
}

/* Reads one request from client and answers it. Returns the status answered, 0 if
   there was no one to answer, or SOCKET_ERROR if sending the answer failed. The
   target of a request parse_request accepted is left in target (TARGET_LIMIT bytes),
   "-" otherwise. */
static int serve_client(SOCKET client, const char *root, int seconds, char *target)
{
    static char head[HEAD_LIMIT], path[PATH_LIMIT];
    struct http_request req;
    int len, status;

    strcpy(target, "-");
    status = read_head(client, head, (int)sizeof head, seconds, &len);
    if (status == -1)
        return 0;
    /* An answer to HEAD has no body, whatever its status: 408, 414 and 431 too. */
    req.head = len >= 5 && memcmp(head, "HEAD ", 5) == 0;
    if (status == 0)
        status = parse_request(head, head_length(head, (size_t)len), &req);
    if (status == 200) {
        strcpy(target, req.target);
        status = map_path(root, req.target, path, sizeof path);
    }
    if (status == 0)
        return send_file(client, path, req.head);
    return send_status(client, status, req.head) == SOCKET_ERROR ? SOCKET_ERROR : status;
}

/* The challenge's access log: "NAME TARGET STATUS" on stdout for each request
   answered, NAME the client's ADDR:PORT ([ADDR]:PORT for IPv6). */
static void log_request(const struct sockaddr_storage *addr, const char *target,
                        int status)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned short port = 0;

    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
        printf("%s:%u %s %d\n", host, port, target, status);
    } else if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
        printf("[%s]:%u %s %d\n", host, port, target, status);
    }
    fflush(stdout);
}

/* Accepts and serves clients one at a time, max of them (0: no limit). Returns an
   exit code. */
static int serve(SOCKET listener, const struct http_args *args)
{
    long max = args->server.count;

    for (long served = 0; max == 0 || served < max; served++) {
        static char target[TARGET_LIMIT];
        struct sockaddr_storage addr;
        int addr_len = (int)sizeof addr, status;
        SOCKET client = accept(listener, (struct sockaddr *)&addr, &addr_len);

        if (client == INVALID_SOCKET) {
            kit_error(PROG, "accept", WSAGetLastError());
            continue;
        }
        status = serve_client(client, args->root, (int)args->timeout, target);
        if (status == SOCKET_ERROR)
            kit_error(PROG, "send", WSAGetLastError());
        else if (status != 0)
            log_request(&addr, target, status);
        finish(client);
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    struct http_args args;
    WSADATA data;
    SOCKET listener;
    const char *call;
    int rc;

    if (parse_args(argc, argv, &args) != 0)
        return usage();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = open_listener(args.server.bind, args.server.port, &listener, &call);
    if (rc != 0) {
        kit_error(PROG, call, rc);
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = kit_announce(listener);
    if (rc != 0) {
        kit_error(PROG, "getsockname", rc);
        rc = EXIT_NETWORK;
    } else {
        rc = serve(listener, &args);
    }
    closesocket(listener);
    WSACleanup();
    return rc;
}
