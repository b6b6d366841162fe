/* winsock_facts - measures the Winsock facts the kit relies on and prints them as
   one JSON object: how this platform (Windows, Wine, or POSIX through labs/common)
   answers each call. docs/platform-differences.md keeps what each platform should
   say; tests/kit/test_probe.py compares the two.

   winsock_facts                  every fact below, on loopback only
   winsock_facts --invalid-name   getaddrinfo of an invalid name (run apart, so that
                                  the caller can bound a resolver that hangs)
   winsock_facts --abort          ends in abort()
   winsock_facts --access-violation  ends in an access violation

   Every wait is bounded: each receive has a timeout, each select one too. Exit
   codes: 0 done, 1 usage, 2 a call the probe needs failed (its error on stderr). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labkit.h"

#define PROG "winsock_facts"
#define INVALID_NAME "no_such_host!.invalid"
/* How long the probe waits for an ICMP report, an echo or a reset to arrive. */
#define ARRIVAL_MS 1000
/* A refused connect: Windows takes about 2 s; the probe gives up after 6. */
#define CONNECT_LIMIT_MS 6000

static int first_fact = 1;

/* Milliseconds on a monotonic clock. */
static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Prints "KEY": "VALUE" as the next member of the JSON object. VALUE is the probe's
   own text (names, numbers, words): nothing in it needs escaping. */
static void fact(const char *key, const char *value)
{
    printf("%s\n  \"%s\": \"%s\"", first_fact ? "{" : ",", key, value);
    first_fact = 0;
}

static void fact_number(const char *key, long value)
{
    char text[32];
    snprintf(text, sizeof text, "%ld", value);
    fact(key, text);
}

/* "0" for a call that succeeded (RESULT not SOCKET_ERROR), else its WSA name. */
static const char *outcome(int result)
{
    return result == SOCKET_ERROR ? wsa_error_name(WSAGetLastError()) : "0";
}

/* How long a wait took, in words: at once, about 2 s (Windows' refused connect). */
static const char *duration(long ms)
{
    if (ms < 500)
        return "at once";
    if (ms < 4000)
        return "after about 2 s";
    return "after more than 4 s";
}

static void fail(const char *call)
{
    kit_error(PROG, call, WSAGetLastError());
    exit(EXIT_NETWORK);
}

static SOCKET open_socket(int type)
{
    SOCKET s = socket(AF_INET, type, 0);
    if (s == INVALID_SOCKET)
        fail("socket");
    return s;
}

static void set_int(SOCKET s, int level, int name, int value)
{
    if (setsockopt(s, level, name, (const char *)&value, (int)sizeof value) == SOCKET_ERROR)
        fail("setsockopt");
}

static void set_receive_timeout(SOCKET s, DWORD ms)
{
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms, (int)sizeof ms)
        == SOCKET_ERROR)
        fail("setsockopt");
}

/* 127.0.0.1:PORT (0: any port). */
static struct sockaddr_in loopback(unsigned short port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return addr;
}

static int bind_to(SOCKET s, unsigned short port)
{
    struct sockaddr_in addr = loopback(port);
    return bind(s, (struct sockaddr *)&addr, (int)sizeof addr);
}

static struct sockaddr_in bound_address(SOCKET s)
{
    struct sockaddr_in addr;
    int len = (int)sizeof addr;
    if (getsockname(s, (struct sockaddr *)&addr, &len) == SOCKET_ERROR)
        fail("getsockname");
    return addr;
}

/* A socket bound to 127.0.0.1 on a port nothing else holds, then closed: its port,
   which nothing listens on. */
static unsigned short closed_port(int type)
{
    SOCKET s = open_socket(type);
    unsigned short port;
    if (bind_to(s, 0) == SOCKET_ERROR)
        fail("bind");
    port = ntohs(bound_address(s).sin_port);
    closesocket(s);
    return port;
}

/* Whether S becomes readable within MS milliseconds. */
static int readable(SOCKET s, long ms)
{
    fd_set set;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    FD_ZERO(&set);
    FD_SET(s, &set);
    return select(0, &set, NULL, NULL, &tv) == 1;
}

static SOCKET listener(int option, unsigned short port)
{
    SOCKET s = open_socket(SOCK_STREAM);
    if (option)
        set_int(s, SOL_SOCKET, option, 1);
    if (bind_to(s, port) == SOCKET_ERROR || listen(s, 4) == SOCKET_ERROR)
        fail("bind");
    return s;
}

/* A connected pair through LISTENER: *CLIENT and the accepted socket. */
static SOCKET connected_pair(SOCKET server, SOCKET *client)
{
    struct sockaddr_in addr = bound_address(server);
    SOCKET accepted;
    *client = open_socket(SOCK_STREAM);
    if (connect(*client, (struct sockaddr *)&addr, (int)sizeof addr) == SOCKET_ERROR)
        fail("connect");
    accepted = accept(server, NULL, NULL);
    if (accepted == INVALID_SOCKET)
        fail("accept");
    return accepted;
}

/* --- the facts ----------------------------------------------------------------- */

static void probe_startup(void)
{
    static const BYTE asked[][2] = {{0, 9}, {1, 0}, {1, 1}, {1, 2}, {2, 0}, {2, 1},
                                    {2, 2}, {2, 3}, {3, 0}};
    size_t i;
    for (i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        WSADATA data;
        char key[32], value[64];
        int rc = WSAStartup(MAKEWORD(asked[i][0], asked[i][1]), &data);
        snprintf(key, sizeof key, "wsastartup_%d.%d", asked[i][0], asked[i][1]);
        if (rc != 0) {
            fact(key, wsa_error_name(rc));
            continue;
        }
        snprintf(value, sizeof value, "0 %d.%d/%d.%d", LOBYTE(data.wVersion),
                 HIBYTE(data.wVersion), LOBYTE(data.wHighVersion), HIBYTE(data.wHighVersion));
        fact(key, value);
        if (asked[i][0] == 2 && asked[i][1] == 2) {
            fact("wsadata_description", data.szDescription);
            fact("wsadata_status", data.szSystemStatus);
        }
        WSACleanup();
    }
}

static void probe_refused_connect(void)
{
    struct sockaddr_in addr = loopback(closed_port(SOCK_STREAM));
    SOCKET s = open_socket(SOCK_STREAM);
    u_long on = 1;
    long started;
    int error = 0, len = (int)sizeof error;
    char value[64];
    fd_set writable, failed;
    struct timeval tv = {CONNECT_LIMIT_MS / 1000, 0};

    /* Non-blocking, so that select bounds the wait. Windows says a failed connect in
       the exception set, POSIX in the write set; SO_ERROR says why either way. */
    if (ioctlsocket(s, FIONBIO, &on) == SOCKET_ERROR)
        fail("ioctlsocket");
    started = now_ms();
    if (connect(s, (struct sockaddr *)&addr, (int)sizeof addr) == SOCKET_ERROR
        && WSAGetLastError() != WSAEWOULDBLOCK)
        error = WSAGetLastError();
    if (error == 0) {
        FD_ZERO(&writable);
        FD_ZERO(&failed);
        FD_SET(s, &writable);
        FD_SET(s, &failed);
        if (select(0, NULL, &writable, &failed, &tv) == 0)
            error = WSAETIMEDOUT;
        else if (getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&error, &len) == SOCKET_ERROR)
            fail("getsockopt");
    }
    snprintf(value, sizeof value, "%s %s", error ? wsa_error_name(error) : "0",
             duration(now_ms() - started));
    fact("refused_connect", value);
    fact_number("refused_connect_ms", now_ms() - started);
    closesocket(s);
}

/* A server's port after a connection it accepted (and closed first, so that the
   connection waits in TIME_WAIT on the server's side) and its listener are closed:
   whether a new server can bind it, with OPTION set on both servers (0: none). */
static const char *rebind_after_time_wait(int option)
{
    SOCKET server = listener(option, 0), client, accepted, again;
    unsigned short port = ntohs(bound_address(server).sin_port);
    char byte;
    const char *result;

    accepted = connected_pair(server, &client);
    closesocket(accepted);
    if (readable(client, ARRIVAL_MS))
        recv(client, &byte, 1, 0);      /* the end of the stream: the server's FIN */
    closesocket(client);
    closesocket(server);
    again = open_socket(SOCK_STREAM);
    if (option)
        set_int(again, SOL_SOCKET, option, 1);
    result = outcome(bind_to(again, port));
    closesocket(again);
    return result;
}

static void probe_ports(void)
{
    SOCKET first, second;
    fact("rebind_time_wait", rebind_after_time_wait(0));
    fact("rebind_time_wait_exclusiveaddruse", rebind_after_time_wait(SO_EXCLUSIVEADDRUSE));

    first = listener(SO_REUSEADDR, 0);
    second = open_socket(SOCK_STREAM);
    set_int(second, SOL_SOCKET, SO_REUSEADDR, 1);
    fact("reuseaddr_binds_a_listening_port",
         outcome(bind_to(second, ntohs(bound_address(first).sin_port))));
    closesocket(second);
    closesocket(first);
}

/* What a receive on S says within ARRIVAL_MS: "data", "0" or its WSA name. */
static const char *receive_outcome(SOCKET s)
{
    char buf[64];
    int n;
    set_receive_timeout(s, ARRIVAL_MS);
    readable(s, ARRIVAL_MS);
    n = recvfrom(s, buf, (int)sizeof buf, 0, NULL, NULL);
    return n == SOCKET_ERROR ? wsa_error_name(WSAGetLastError()) : n > 0 ? "data" : "0";
}

static int send_to(SOCKET s, const struct sockaddr_in *to)
{
    return sendto(s, "probe", 5, 0, (const struct sockaddr *)to, (int)sizeof *to);
}

static void probe_port_unreachable(void)
{
    struct sockaddr_in closed = loopback(closed_port(SOCK_DGRAM));
    SOCKET s = open_socket(SOCK_DGRAM);

    /* sendto a closed port, give its ICMP port unreachable time to come back, then
       send again: does the second sendto fail for the first one's report? */
    if (send_to(s, &closed) == SOCKET_ERROR)
        fail("sendto");
    readable(s, ARRIVAL_MS);
    fact("udp_sendto_after_unreachable", outcome(send_to(s, &closed)));
    closesocket(s);

    s = open_socket(SOCK_DGRAM);
    if (send_to(s, &closed) == SOCKET_ERROR)
        fail("sendto");
    fact("udp_recvfrom_after_unreachable", receive_outcome(s));
    closesocket(s);
}

/* Lab 04's vanishing client: a client sends to a server, and is closed before or
   after the server's echo arrives; what does the server's next recvfrom say? */
static const char *vanishing_client(int close_before_echo)
{
    SOCKET server = open_socket(SOCK_DGRAM), client = open_socket(SOCK_DGRAM);
    struct sockaddr_in server_addr, from;
    int from_len = (int)sizeof from;
    char buf[16];
    const char *result;

    if (bind_to(server, 0) == SOCKET_ERROR || bind_to(client, 0) == SOCKET_ERROR)
        fail("bind");
    server_addr = bound_address(server);
    set_receive_timeout(server, ARRIVAL_MS);
    if (send_to(client, &server_addr) == SOCKET_ERROR)
        fail("sendto");
    if (close_before_echo)
        closesocket(client);
    if (recvfrom(server, buf, (int)sizeof buf, 0, (struct sockaddr *)&from, &from_len)
        == SOCKET_ERROR || send_to(server, &from) == SOCKET_ERROR)
        fail("recvfrom");
    if (!close_before_echo) {
        readable(client, ARRIVAL_MS);   /* the echo is in the client's buffer, unread */
        closesocket(client);
    }
    result = receive_outcome(server);
    closesocket(server);
    return result;
}

static void probe_vanishing_client(void)
{
    fact("udp_client_closed_before_echo", vanishing_client(1));
    fact("udp_client_closed_after_echo", vanishing_client(0));
}

static void probe_linger(void)
{
    SOCKET server = listener(0, 0), client, accepted;
    struct linger lin;
    int len = (int)sizeof lin;
    char value[32], byte;
    int n;

    memset(&lin, 0xff, sizeof lin);
    if (getsockopt(server, SOL_SOCKET, SO_LINGER, (char *)&lin, &len) == SOCKET_ERROR)
        fail("getsockopt");
    snprintf(value, sizeof value, "%d %d", (int)lin.l_onoff, (int)lin.l_linger);
    fact("linger_default", value);

    /* {1, 0}, then close: the peer, once the reset has arrived, receives. */
    accepted = connected_pair(server, &client);
    lin.l_onoff = 1;
    lin.l_linger = 0;
    if (setsockopt(accepted, SOL_SOCKET, SO_LINGER, (const char *)&lin, (int)sizeof lin)
        == SOCKET_ERROR)
        fail("setsockopt");
    closesocket(accepted);
    set_receive_timeout(client, ARRIVAL_MS);
    readable(client, ARRIVAL_MS);
    n = recv(client, &byte, 1, 0);
    fact("linger_1_0_peer_recv", n == SOCKET_ERROR ? wsa_error_name(WSAGetLastError())
                                                    : n == 0 ? "0" : "data");
    closesocket(client);
    closesocket(server);
}

/* The length getsockopt gives back for option NAME of LEVEL, asked with room for 16. */
static void option_length(SOCKET s, const char *key, int level, int name)
{
    char buf[16];
    int len = (int)sizeof buf;
    memset(buf, 0, sizeof buf);
    if (getsockopt(s, level, name, buf, &len) == SOCKET_ERROR)
        fact(key, wsa_error_name(WSAGetLastError()));
    else
        fact_number(key, len);
}

static void probe_options(void)
{
    SOCKET s = open_socket(SOCK_STREAM), u = open_socket(SOCK_DGRAM);
    DWORD timeout = 0;
    int len = (int)sizeof timeout;
    long started;
    char buf[8];

    option_length(s, "getsockopt_len_so_keepalive", SOL_SOCKET, SO_KEEPALIVE);
    option_length(s, "getsockopt_len_tcp_nodelay", IPPROTO_TCP, TCP_NODELAY);
    option_length(s, "getsockopt_len_so_rcvbuf", SOL_SOCKET, SO_RCVBUF);
    option_length(s, "getsockopt_len_so_linger", SOL_SOCKET, SO_LINGER);
    option_length(s, "getsockopt_len_so_rcvtimeo", SOL_SOCKET, SO_RCVTIMEO);
    option_length(s, "getsockopt_len_so_error", SOL_SOCKET, SO_ERROR);
    option_length(s, "getsockopt_len_so_type", SOL_SOCKET, SO_TYPE);
    fact_number("sizeof_struct_linger", (long)sizeof(struct linger));

    /* 1500 reads back as set where the system keeps milliseconds (Linux rounds to
       its clock tick, which 1500 ms is a multiple of). */
    set_receive_timeout(u, 1500);
    if (getsockopt(u, SOL_SOCKET, SO_RCVTIMEO, (char *)&timeout, &len) == SOCKET_ERROR)
        fail("getsockopt");
    fact_number("rcvtimeo_read_back", (long)timeout);
    /* 2: milliseconds on Windows, so the receive gives up at once; were it seconds,
       it would take 2 s. Either way the wait is bounded. */
    set_receive_timeout(u, 2);
    if (bind_to(u, 0) == SOCKET_ERROR)
        fail("bind");
    started = now_ms();
    fact("rcvtimeo_expires_with", outcome(recv(u, buf, (int)sizeof buf, 0)));
    fact("rcvtimeo_units", now_ms() - started < 1000 ? "milliseconds" : "seconds");
    fact_number("fd_setsize", FD_SETSIZE);
    closesocket(u);
    closesocket(s);
}

static void probe_localhost(void)
{
    struct addrinfo hints, *res, *ai;
    char value[256] = "", text[INET6_ADDRSTRLEN];
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo("localhost", "80", &hints, &res);
    if (rc != 0) {
        fact("localhost", wsa_error_name(rc));
        return;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        const void *where = ai->ai_family == AF_INET6
            ? (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
            : (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
        if (inet_ntop(ai->ai_family, where, text, sizeof text) == NULL)
            continue;
        if (value[0])
            strncat(value, " ", sizeof value - strlen(value) - 1);
        strncat(value, text, sizeof value - strlen(value) - 1);
    }
    freeaddrinfo(res);
    fact("localhost", value);
}

static void probe_invalid_name(void)
{
    struct addrinfo hints, *res;
    long started = now_ms();
    int rc;
    char value[64];

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(INVALID_NAME, "80", &hints, &res);
    if (rc == 0)
        freeaddrinfo(res);
    snprintf(value, sizeof value, "%s %s", rc ? wsa_error_name(rc) : "0",
             duration(now_ms() - started));
    fact("invalid_name", value);
    fact_number("invalid_name_ms", now_ms() - started);
}

static void access_violation(const char *text)
{
    /* An address from the command line ("0"), so that the compiler cannot tell. */
    volatile int *p = (volatile int *)(uintptr_t)strtoul(text, NULL, 10);
    *p = 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: %s [--invalid-name | --abort | --access-violation]\n", PROG);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    WSADATA data;
    int rc;

    if (argc > 2)
        return usage();
    if (argc == 2 && strcmp(argv[1], "--abort") == 0)
        abort();
    if (argc == 2 && strcmp(argv[1], "--access-violation") == 0) {
        access_violation("0");
        return EXIT_OK;
    }
    if (argc == 2 && strcmp(argv[1], "--invalid-name") != 0)
        return usage();
    if (argc == 1)
        probe_startup();
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    if (argc == 2) {
        probe_invalid_name();
    } else {
        probe_refused_connect();
        probe_ports();
        probe_port_unreachable();
        probe_vanishing_client();
        probe_linger();
        probe_options();
        probe_localhost();
    }
    printf("\n}\n");
    fflush(stdout);
    WSACleanup();
    return EXIT_OK;
}
