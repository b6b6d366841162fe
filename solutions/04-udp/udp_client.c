/*
 * udp_client - sends a message as one datagram and prints the server's reply,
 * sending it again when no reply comes in time.
 *
 * usage: udp_client HOST PORT MESSAGE [--timeout MS] [--retries N] [--backoff]
 */
#include <stdio.h>
#include <string.h>

#include "datagram.h"
#include "labkit.h"

static const char *PROG = "udp_client";

#define DEFAULT_TIMEOUT 1000
#define DEFAULT_RETRIES 3
#define BACKOFF_CAP 30000     /* ms: --backoff doubles each wait up to this */

struct options {
    const char *host;
    const char *port;
    const char *message;
    long timeout;       /* milliseconds per wait */
    long retries;
    int backoff;        /* each wait twice the one before (the challenge) */
};

static char reply[65536];

static int usage(void)
{
    fprintf(stderr, "usage: %s HOST PORT MESSAGE [--timeout MS] [--retries N] [--backoff]\n"
                    "  --timeout MS  how long to wait for each reply, 1 to 3600000 ms "
                    "(default %d)\n"
                    "  --retries N   how many times to send again, 0 to 100 (default %d)\n"
                    "  --backoff     wait twice as long before each retry, up to %d ms\n",
            PROG, DEFAULT_TIMEOUT, DEFAULT_RETRIES, BACKOFF_CAP);
    return EXIT_USAGE;
}

/* Fills opts from the command line. Returns 0, or -1 if it does not fit the usage. */
static int parse_args(int argc, char **argv, struct options *opts)
{
    const char **positional[] = { &opts->host, &opts->port, &opts->message };
    unsigned short port;
    int n = 0;

    memset(opts, 0, sizeof *opts);
    opts->timeout = DEFAULT_TIMEOUT;
    opts->retries = DEFAULT_RETRIES;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--timeout") == 0) {
            if (kit_parse_number(argv[++i], 1, 3600000, &opts->timeout) != 0)
                return -1;
        } else if (strcmp(argv[i], "--retries") == 0) {
            if (kit_parse_number(argv[++i], 0, 100, &opts->retries) != 0)
                return -1;
        } else if (strcmp(argv[i], "--backoff") == 0) {
            opts->backoff = 1;
        } else if (strncmp(argv[i], "--", 2) == 0 || n == 3) {
            return -1;
        } else {
            *positional[n++] = argv[i];
        }
    }
    if (n != 3 || opts->host[0] == '\0' || kit_parse_port(opts->port, &port) != 0)
        return -1;
    return strlen(opts->message) <= MAX_DATAGRAM ? 0 : -1;
}

/* request_reply with each wait twice the one before, up to BACKOFF_CAP ms: one try
   per call, the socket's timeout doubled between them. Returns as request_reply. */
static int backoff_reply(SOCKET s, const struct options *opts, struct request *req,
                         int *got, const char **call)
{
    DWORD wait = (DWORD)opts->timeout;
    int rc = WSAETIMEDOUT;

    req->retries = 0;
    for (long sent = 0; sent <= opts->retries && rc == WSAETIMEDOUT; sent++) {
        if (sent > 0 && wait < BACKOFF_CAP) {
            wait = wait * 2 < BACKOFF_CAP ? wait * 2 : BACKOFF_CAP;
            rc = set_receive_timeout(s, wait);
            if (rc != 0) {
                *call = "setsockopt";
                return rc;
            }
        }
        rc = request_reply(s, req, reply, (int)sizeof reply, got, call);
    }
    return rc;
}

/* Sends opts->message to server (serverlen bytes) on s and waits for the reply from
   there, sending again when a wait of opts->timeout ms runs out, at most
   opts->retries times. Returns 0 with the reply in reply and its length in *got;
   WSAETIMEDOUT when no reply came; or the WSA error code of the call that failed,
   named in *call (WSAECONNRESET from recvfrom: nothing listens there). */
static int ask(SOCKET s, const struct options *opts, const struct sockaddr *server,
               int serverlen, int *got, const char **call)
{
    struct request req;
    int rc = set_receive_timeout(s, (DWORD)opts->timeout);

    if (rc != 0) {
        *call = "setsockopt";
        return rc;
    }
    req.to = server;
    req.tolen = serverlen;
    req.message = opts->message;
    req.length = (int)strlen(opts->message);
    req.retries = (int)opts->retries;
    if (opts->backoff)
        return backoff_reply(s, opts, &req, got, call);
    return request_reply(s, &req, reply, (int)sizeof reply, got, call);
}

/* Says how ask_each ended (rc, with call and got as it left them): the reply's got
   bytes and a '\n' on stdout, the timeout line or kit_error's line on stderr.
   Returns the exit code: EXIT_OK, EXIT_TIMEOUT or EXIT_NETWORK. */
static int report(int rc, const char *call, int got, const struct options *opts)
{
    if (rc == WSAETIMEDOUT) {
        fprintf(stderr, "%s: timeout: no reply from %s port %s after %ld datagrams\n", PROG,
                opts->host, opts->port, opts->retries + 1);
        return EXIT_TIMEOUT;
    }
    if (rc != 0) {
        kit_error(PROG, call, rc);
        return EXIT_NETWORK;
    }
    fwrite(reply, 1, (size_t)got, stdout);
    putchar('\n');
    fflush(stdout);
    return EXIT_OK;
}

/* Asks each of the server's addresses in turn until one answers, as lab 02's
   connect_to tries each: a socket of the address's family, then ask. An address
   where nothing listens (WSAECONNRESET, where the system reports it) or that stays
   silent (WSAETIMEDOUT) gives way to the next: on Windows localhost is ::1 first,
   and a server on 127.0.0.1 refuses there. Returns what ask returned for the last
   address asked, or the WSA error code of the call that failed, named in *call. */
static int ask_each(const struct options *opts, int *got, const char **call)
{
    struct addrinfo hints, *list, *ai;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(opts->host, opts->port, &hints, &list);
    if (rc != 0) {
        *call = "getaddrinfo";
        return rc;
    }
    rc = WSAHOST_NOT_FOUND;     /* stays so only if the list is empty */
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        SOCKET s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s == INVALID_SOCKET) {
            rc = WSAGetLastError();
            *call = "socket";
            continue;
        }
        rc = ask(s, opts, ai->ai_addr, (int)ai->ai_addrlen, got, call);
        closesocket(s);
        if (rc != WSAECONNRESET && rc != WSAETIMEDOUT)
            break;
    }
    freeaddrinfo(list);
    return rc;
}

int main(int argc, char **argv)
{
    struct options opts;
    const char *call = "recvfrom";
    int got = 0, rc;
    WSADATA data;

    if (parse_args(argc, argv, &opts) != 0)
        return usage();
    /* The reply is bytes, written as they came: no \n to \r\n on Windows. */
    _setmode(_fileno(stdout), _O_BINARY);
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    rc = ask_each(&opts, &got, &call);
    rc = report(rc, call, got, &opts);
    WSACleanup();
    return rc;
}
