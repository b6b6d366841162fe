/*
 * common_test.c - Check tests of labs/common: the portability layer behaves as
 * Winsock does, on every platform.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labkit.h"
#include "unit.h"

START_TEST(test_common_startup_grants_requested)
{
    WSADATA data;

    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(2, 2));
    ck_assert_uint_eq(data.wHighVersion, MAKEWORD(2, 2));
    ck_assert_str_eq(data.szDescription, "WinSock 2.0");
    ck_assert_str_eq(data.szSystemStatus, "Running");
    ck_assert_int_eq(WSACleanup(), 0);

    ck_assert_int_eq(WSAStartup(MAKEWORD(1, 1), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(1, 1));
    ck_assert_uint_eq(data.wHighVersion, MAKEWORD(2, 2));
    ck_assert_int_eq(WSACleanup(), 0);
}
END_TEST

START_TEST(test_common_startup_caps_at_2_2)
{
    WSADATA data;

    ck_assert_int_eq(WSAStartup(MAKEWORD(3, 0), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(2, 2));
    ck_assert_int_eq(WSACleanup(), 0);
    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 7), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(2, 2));
    ck_assert_int_eq(WSACleanup(), 0);
    ck_assert_int_eq(WSAStartup(MAKEWORD(1, 5), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(1, 1));
    ck_assert_int_eq(WSACleanup(), 0);
}
END_TEST

START_TEST(test_common_startup_refuses_below_1_0)
{
    WSADATA data;

    ck_assert_int_eq(WSAStartup(MAKEWORD(0, 9), &data), WSAVERNOTSUPPORTED);
    ck_assert_uint_eq(data.wHighVersion, MAKEWORD(2, 2));
    /* A refused WSAStartup starts nothing. */
    ck_assert_wsa_error(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
}
END_TEST

START_TEST(test_common_startup_counts_calls)
{
    WSADATA data;

    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    ck_assert_int_eq(WSACleanup(), 0);
    ck_assert_int_eq(WSACleanup(), 0);
    ck_assert_wsa_error(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
}
END_TEST

START_TEST(test_common_not_started_fails)
{
    ck_assert_wsa_error(socket(AF_INET, SOCK_STREAM, 0), INVALID_SOCKET, WSANOTINITIALISED);
    ck_assert_wsa_error(WSACleanup(), SOCKET_ERROR, WSANOTINITIALISED);
}
END_TEST

START_TEST(test_common_not_started_resolver)
{
    struct addrinfo *list = NULL;

    ck_assert_int_eq(getaddrinfo("127.0.0.1", "80", NULL, &list), WSANOTINITIALISED);
}
END_TEST

/* Hints whose ai_addrlen, ai_canonname, ai_addr or ai_next is set: Windows refuses
   them with WSANO_RECOVERY (the members must be 0 or NULL), so the layer does too. */
START_TEST(test_common_hints_not_zeroed)
{
    struct addrinfo hints, *list = NULL;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_next = &hints;
    ck_assert_int_eq(getaddrinfo("127.0.0.1", "80", &hints, &list), WSANO_RECOVERY);
    hints.ai_next = NULL;
    hints.ai_addrlen = 16;
    ck_assert_int_eq(getaddrinfo("127.0.0.1", "80", &hints, &list), WSANO_RECOVERY);
    hints.ai_addrlen = 0;
    ck_assert_int_eq(getaddrinfo("127.0.0.1", "80", &hints, &list), 0);
    freeaddrinfo(list);
}
END_TEST

/* A connected pair of loopback TCP sockets, and the listener that made them. */
static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;

static void open_pair(void)
{
    WSADATA data;
    struct sockaddr_in addr;
    int len = (int)sizeof addr;

    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    listener = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(listener != INVALID_SOCKET);
    ck_assert_int_eq(bind(listener, (struct sockaddr *)&addr, (int)sizeof addr), 0);
    ck_assert_int_eq(listen(listener, 1), 0);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(client != INVALID_SOCKET);
    ck_assert_int_eq(connect(client, (struct sockaddr *)&addr, (int)sizeof addr), 0);
    server = accept(listener, NULL, NULL);
    ck_assert(server != INVALID_SOCKET);
}

static void close_pair(void)
{
    SOCKET *all[] = { &listener, &client, &server };

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (*all[i] != INVALID_SOCKET)
            closesocket(*all[i]);
        *all[i] = INVALID_SOCKET;
    }
    unit_stop_winsock();
}

START_TEST(test_common_timeout_in_milliseconds)
{
    DWORD ms = 1500, got = 0;
    int len = (int)sizeof got;

    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (char *)&got, &len), 0);
    ck_assert_int_eq(len, (int)sizeof got);
    /* Windows may round to its timer; a DWORD of seconds would read 1 or 1000+. */
    ck_assert_uint_ge(got, 1400);
    ck_assert_uint_le(got, 1600);
}
END_TEST

START_TEST(test_common_timeout_expires)
{
    DWORD ms = 100;
    char byte;

    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
    ck_assert_wsa_error(recv(client, &byte, 1, 0), SOCKET_ERROR, WSAETIMEDOUT);
}
END_TEST

START_TEST(test_common_send_to_closed_peer)
{
    char block[4096];
    int rc = 0, err = 0;

    memset(block, 'x', sizeof block);
    /* The peer resets the connection. On POSIX the first send after that fails with
       ECONNRESET and the next ones raise SIGPIPE, which would end this process; on
       Windows each fails with a WSA code. */
    struct linger lg = { 1, 0 };
    ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_LINGER, (const char *)&lg,
                                (int)sizeof lg), 0);
    ck_assert_int_eq(closesocket(server), 0);
    server = INVALID_SOCKET;
    for (int i = 0; i < 100 && rc != SOCKET_ERROR; i++) {
        rc = send(client, block, (int)sizeof block, 0);
        err = WSAGetLastError();
    }
    ck_assert_int_eq(rc, SOCKET_ERROR);
    ck_assert_msg(err == WSAECONNRESET || err == WSAECONNABORTED, "error %d", err);
    for (int i = 0; i < 3; i++) {
        rc = send(client, block, (int)sizeof block, 0);
        err = WSAGetLastError();
        ck_assert_int_eq(rc, SOCKET_ERROR);
        ck_assert_msg(err == WSAECONNRESET || err == WSAECONNABORTED ||
                      err == WSAENOTCONN, "error %d", err);
    }
}
END_TEST

START_TEST(test_common_nonblocking_recv)
{
    u_long on = 1;
    char byte;

    ck_assert_int_eq(ioctlsocket(client, FIONBIO, &on), 0);
    ck_assert_wsa_error(recv(client, &byte, 1, 0), SOCKET_ERROR, WSAEWOULDBLOCK);
}
END_TEST

START_TEST(test_common_shutdown_send_is_eof)
{
    char byte;

    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(recv(server, &byte, 1, 0), 0);
}
END_TEST

START_TEST(test_common_send_after_shutdown)
{
    /* Windows says WSAESHUTDOWN; POSIX says EPIPE, as it does after a reset. */
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_wsa_error(send(client, "x", 1, 0), SOCKET_ERROR, WSAESHUTDOWN);
    /* Only the sending side is shut: the other way still works. */
    char byte = 0;
    ck_assert_int_eq(send(server, "y", 1, 0), 1);
    ck_assert_int_eq(recv(client, &byte, 1, 0), 1);
    ck_assert_int_eq(byte, 'y');
}
END_TEST

START_TEST(test_common_options_one_byte_booleans)
{
    /* Windows writes one byte of SO_KEEPALIVE and TCP_NODELAY, and says so in the
       length: an int must be 0 before it is read into. */
    int value = 0x5a5a5a00, len = (int)sizeof value;
    BOOL on = 1;

    ck_assert_int_eq(getsockopt(client, IPPROTO_TCP, TCP_NODELAY, (char *)&value, &len), 0);
    ck_assert_int_eq(len, 1);
    ck_assert_int_eq(value, 0x5a5a5a00);
    ck_assert_int_eq(setsockopt(client, IPPROTO_TCP, TCP_NODELAY, (const char *)&on,
                                (int)sizeof on), 0);
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, (const char *)&on,
                                (int)sizeof on), 0);
    value = 0;
    len = (int)sizeof value;
    ck_assert_int_eq(getsockopt(client, IPPROTO_TCP, TCP_NODELAY, (char *)&value, &len), 0);
    ck_assert_int_eq(value, 1);
    value = 0;
    len = (int)sizeof value;
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_KEEPALIVE, (char *)&value, &len), 0);
    ck_assert_int_eq(len, 1);
    ck_assert_int_eq(value, 1);
    len = 0;
    ck_assert_wsa_error(getsockopt(client, SOL_SOCKET, SO_KEEPALIVE, (char *)&value, &len),
                        SOCKET_ERROR, WSAEFAULT);
}
END_TEST

START_TEST(test_common_options_linger_round_trip)
{
    struct linger lg = { 1, 7 }, got;
    int len = (int)sizeof got;

    memset(&got, 0x55, sizeof got);
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_LINGER, (char *)&got, &len), 0);
    ck_assert_int_eq(got.l_onoff, 0);
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_LINGER, (const char *)&lg,
                                (int)sizeof lg), 0);
    len = (int)sizeof got;
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_LINGER, (char *)&got, &len), 0);
    ck_assert_int_eq(len, (int)sizeof got);
    ck_assert_int_ne(got.l_onoff, 0);
    ck_assert_int_eq(got.l_linger, 7);
}
END_TEST

START_TEST(test_common_linger0_resets)
{
    struct linger lg = { 1, 0 };
    DWORD ms = 5000;
    char buf[8];

    /* An abortive close: the peer gets a reset, not an end-of-file. */
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_LINGER, (const char *)&lg,
                                (int)sizeof lg), 0);
    ck_assert_int_eq(closesocket(client), 0);
    client = INVALID_SOCKET;
    ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
    ck_assert_wsa_error(recv(server, buf, (int)sizeof buf, 0), SOCKET_ERROR, WSAECONNRESET);
}
END_TEST

/* Two loopback UDP sockets, each bound to a port of its own. */
static SOCKET dgram_a = INVALID_SOCKET, dgram_b = INVALID_SOCKET;
static struct sockaddr_in addr_a, addr_b;

static SOCKET bound_datagram_socket(struct sockaddr_in *addr)
{
    int len = (int)sizeof *addr;
    DWORD ms = 5000;
    SOCKET s = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);

    ck_assert(s != INVALID_SOCKET);
    memset(addr, 0, sizeof *addr);
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(s, (struct sockaddr *)addr, (int)sizeof *addr), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)addr, &len), 0);
    /* Nothing here may wait for ever. */
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
    return s;
}

static void open_datagrams(void)
{
    WSADATA data;

    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    dgram_a = bound_datagram_socket(&addr_a);
    dgram_b = bound_datagram_socket(&addr_b);
}

static void close_datagrams(void)
{
    if (dgram_a != INVALID_SOCKET)
        closesocket(dgram_a);
    if (dgram_b != INVALID_SOCKET)
        closesocket(dgram_b);
    dgram_a = dgram_b = INVALID_SOCKET;
    unit_stop_winsock();
}

/* The reports these tests wait for come at once, or (under Wine) never: a short
   wait keeps the second case quick. */
static void wait_briefly(SOCKET s)
{
    DWORD ms = 1000;

    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
}

/* Sends LEN bytes from dgram_b to dgram_a. */
static void send_b_to_a(const char *data, int len)
{
    ck_assert_int_eq(sendto(dgram_b, data, len, 0, (struct sockaddr *)&addr_a,
                            (int)sizeof addr_a), len);
}

START_TEST(test_common_datagram_truncated)
{
    char buf[16];
    struct sockaddr_in from;
    int fromlen = (int)sizeof from;

    /* Windows: WSAEMSGSIZE, the buffer filled, the rest gone. POSIX: silence. */
    send_b_to_a("0123456789abcdef-and-more", 25);
    send_b_to_a("next", 4);
    memset(buf, 0, sizeof buf);
    ck_assert_wsa_error(recvfrom(dgram_a, buf, 10, 0, (struct sockaddr *)&from, &fromlen),
                        SOCKET_ERROR, WSAEMSGSIZE);
    ck_assert_mem_eq(buf, "0123456789", 10);
    fromlen = (int)sizeof from;
    ck_assert_int_eq(recvfrom(dgram_a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                              &fromlen), 4);
    ck_assert_mem_eq(buf, "next", 4);
    ck_assert_uint_eq(from.sin_port, addr_b.sin_port);
}
END_TEST

START_TEST(test_common_datagram_empty)
{
    char buf[4];
    struct sockaddr_in from;
    int fromlen = (int)sizeof from;

    send_b_to_a("", 0);
    ck_assert_int_eq(recvfrom(dgram_a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                              &fromlen), 0);
    ck_assert_uint_eq(from.sin_port, addr_b.sin_port);
}
END_TEST

START_TEST(test_common_datagram_shutdown)
{
    /* Windows shuts an unconnected datagram socket down without complaint. */
    ck_assert_int_eq(shutdown(dgram_b, SD_SEND), 0);
    ck_assert_wsa_error(sendto(dgram_b, "x", 1, 0, (struct sockaddr *)&addr_a,
                               (int)sizeof addr_a), SOCKET_ERROR, WSAESHUTDOWN);
}
END_TEST

START_TEST(test_common_unreachable_port_resets)
{
    char buf[8];
    struct sockaddr_in from, closed = addr_b;
    int fromlen = (int)sizeof from;

    /* Nothing listens on B's port any more: the datagram A sends there comes back as
       an ICMP port unreachable, which Windows reports on A's next recvfrom. */
    closesocket(dgram_b);
    dgram_b = INVALID_SOCKET;
    wait_briefly(dgram_a);
    ck_assert_int_eq(sendto(dgram_a, "x", 1, 0, (struct sockaddr *)&closed,
                            (int)sizeof closed), 1);
    ck_assert_wsa_error(recvfrom(dgram_a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                                 &fromlen), SOCKET_ERROR, WSAECONNRESET);
    /* The socket lives on: a datagram that comes later is received. */
    dgram_b = bound_datagram_socket(&addr_b);
    send_b_to_a("ok", 2);
    fromlen = (int)sizeof from;
    ck_assert_int_eq(recvfrom(dgram_a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                              &fromlen), 2);
}
END_TEST

START_TEST(test_common_unreachable_port_send_goes_on)
{
    char buf[8];
    struct sockaddr_in from, closed = addr_b;
    int fromlen = (int)sizeof from;
    SOCKET c;

    /* A send after the port unreachable succeeds (POSIX would fail it); the report
       still comes with the next receive. */
    closesocket(dgram_b);
    dgram_b = INVALID_SOCKET;
    wait_briefly(dgram_a);
    ck_assert_int_eq(sendto(dgram_a, "x", 1, 0, (struct sockaddr *)&closed,
                            (int)sizeof closed), 1);
    c = bound_datagram_socket(&addr_b);
    dgram_b = c;
    ck_assert_int_eq(sendto(dgram_a, "yz", 2, 0, (struct sockaddr *)&addr_b,
                            (int)sizeof addr_b), 2);
    ck_assert_int_eq(recvfrom(dgram_b, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                              &fromlen), 2);
    fromlen = (int)sizeof from;
    ck_assert_wsa_error(recvfrom(dgram_a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from,
                                 &fromlen), SOCKET_ERROR, WSAECONNRESET);
}
END_TEST

/* Closes the listener and returns a new socket, with the address it listened on in
   *addr: nothing listens there any more, so a connect is refused. */
static SOCKET socket_for_refusing_port(struct sockaddr_in *addr)
{
    int len = (int)sizeof *addr;
    SOCKET s;

    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)addr, &len), 0);
    closesocket(listener);
    listener = INVALID_SOCKET;
    s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(s != INVALID_SOCKET);
    return s;
}

/* A listening socket with SO_EXCLUSIVEADDRUSE on ADDR's port (0: any free one). */
static SOCKET exclusive_listener(struct sockaddr_in *addr)
{
    int len = (int)sizeof *addr, one = 1;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

    ck_assert(s != INVALID_SOCKET);
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one,
                                (int)sizeof one), 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)addr, (int)sizeof *addr), 0);
    ck_assert_int_eq(listen(s, 1), 0);
    ck_assert_int_eq(getsockname(s, (struct sockaddr *)addr, &len), 0);
    return s;
}

/* A server that closed its connection first leaves it in TIME_WAIT on its port; with
   SO_EXCLUSIVEADDRUSE a new server binds that port at once, and while it listens no
   other socket can. (Uses the fixture's sockets for its own listener and pair.) */
START_TEST(test_common_exclusive_port_restarts)
{
    struct sockaddr_in addr;
    char byte;
    SOCKET other;

    closesocket(listener);          /* the fixture's pair is not used here */
    closesocket(client);
    closesocket(server);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    listener = exclusive_listener(&addr);
    client = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ck_assert_int_eq(connect(client, (struct sockaddr *)&addr, (int)sizeof addr), 0);
    server = accept(listener, NULL, NULL);
    ck_assert(server != INVALID_SOCKET);
    closesocket(server);            /* the server closes first: its side ends in TIME_WAIT */
    server = INVALID_SOCKET;
    ck_assert_int_eq(recv(client, &byte, 1, 0), 0);
    closesocket(client);
    client = INVALID_SOCKET;
    closesocket(listener);
    listener = exclusive_listener(&addr);
    other = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(other != INVALID_SOCKET);
    ck_assert_wsa_error(bind(other, (struct sockaddr *)&addr, (int)sizeof addr), SOCKET_ERROR,
                        WSAEADDRINUSE);
    closesocket(other);
}
END_TEST

START_TEST(test_common_refused_connect)
{
    struct sockaddr_in addr;
    SOCKET s = socket_for_refusing_port(&addr);

    ck_assert_wsa_error(connect(s, (struct sockaddr *)&addr, (int)sizeof addr), SOCKET_ERROR,
                        WSAECONNREFUSED);
    closesocket(s);
}
END_TEST

START_TEST(test_common_short_address_length)
{
    struct sockaddr_in addr;
    int len = 4;

    ck_assert_wsa_error(getsockname(listener, (struct sockaddr *)&addr, &len), SOCKET_ERROR,
                        WSAEFAULT);
}
END_TEST

START_TEST(test_common_select_without_sets)
{
    struct timeval tv = { 0, 1000 };

    ck_assert_wsa_error(select(0, NULL, NULL, NULL, &tv), SOCKET_ERROR, WSAEINVAL);
}
END_TEST

START_TEST(test_common_so_error_is_a_wsa_code)
{
    struct sockaddr_in addr;
    int err = -1, errlen = (int)sizeof err;
    u_long on = 1;
    fd_set writable, failed;
    struct timeval tv = { 5, 0 };
    /* A non-blocking connect to a port that refuses: SO_ERROR says why. */
    SOCKET s = socket_for_refusing_port(&addr);

    ck_assert_int_eq(ioctlsocket(s, FIONBIO, &on), 0);
    ck_assert_wsa_error(connect(s, (struct sockaddr *)&addr, (int)sizeof addr), SOCKET_ERROR,
                        WSAEWOULDBLOCK);
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    FD_SET(s, &writable);
    FD_SET(s, &failed);
    ck_assert_int_ge(select(0, NULL, &writable, &failed, &tv), 1);
    ck_assert_int_eq(getsockopt(s, SOL_SOCKET, SO_ERROR, (char *)&err, &errlen), 0);
    ck_assert_int_eq(err, WSAECONNREFUSED);
    closesocket(s);
}
END_TEST

START_TEST(test_common_error_names)
{
    ck_assert_str_eq(wsa_error_name(WSAECONNREFUSED), "WSAECONNREFUSED");
    ck_assert_int_eq(WSAECONNREFUSED, 10061);
    ck_assert_str_eq(wsa_error_name(WSANOTINITIALISED), "WSANOTINITIALISED");
    ck_assert_int_eq(WSANOTINITIALISED, 10093);
    ck_assert_str_eq(wsa_error_name(WSAHOST_NOT_FOUND), "WSAHOST_NOT_FOUND");
    ck_assert_int_eq(WSAHOST_NOT_FOUND, 11001);
    ck_assert_str_eq(wsa_error_name(123456), "WSA_UNKNOWN");
    ck_assert_ptr_nonnull(wsa_error_text(123456));
}
END_TEST

START_TEST(test_common_unknown_host)
{
    WSADATA data;
    struct addrinfo *list = NULL;

    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    /* Not a valid host name at all: no resolver asks DNS about it. */
    ck_assert_int_eq(getaddrinfo("no_such_host!.invalid", "80", NULL, &list),
                     WSAHOST_NOT_FOUND);
    unit_stop_winsock();
}
END_TEST

START_TEST(test_common_parse_port)
{
    unsigned short port = 1;

    ck_assert_int_eq(kit_parse_port("0", &port), 0);
    ck_assert_uint_eq(port, 0);
    ck_assert_int_eq(kit_parse_port("65535", &port), 0);
    ck_assert_uint_eq(port, 65535);
    ck_assert_int_eq(kit_parse_port("65536", &port), -1);
    ck_assert_int_eq(kit_parse_port("-1", &port), -1);
    ck_assert_int_eq(kit_parse_port("80x", &port), -1);
    ck_assert_int_eq(kit_parse_port("", &port), -1);
    ck_assert_int_eq(kit_parse_port(NULL, &port), -1);
}
END_TEST

START_TEST(test_common_parse_number)
{
    long n = 7;

    ck_assert_int_eq(kit_parse_number("250", 0, 1000, &n), 0);
    ck_assert_int_eq(n, 250);
    ck_assert_int_eq(kit_parse_number("-1", 0, 1000, &n), -1);
    ck_assert_int_eq(kit_parse_number("1001", 0, 1000, &n), -1);
    ck_assert_int_eq(kit_parse_number("12ms", 0, 1000, &n), -1);
    ck_assert_int_eq(kit_parse_number("-", -5, 5, &n), -1);
    ck_assert_int_eq(kit_parse_number("", 0, 1000, &n), -1);
    ck_assert_int_eq(kit_parse_number("99999999999999999999", 0, 1000, &n), -1);
    ck_assert_int_eq(n, 250);
}
END_TEST

START_TEST(test_common_server_args)
{
    struct kit_server_args args;
    char *none[] = {"server", NULL};
    char *all[] = {"server", "--bind", "::1", "--port", "8080", "--max-clients", "3", NULL};
    char *no_value[] = {"server", "--port", NULL};
    char *bad_count[] = {"server", "--max-clients", "0", NULL};
    char *other_flag[] = {"server", "--max-datagrams", "2", NULL};

    ck_assert_int_eq(kit_server_args(1, none, "--max-clients", &args), 0);
    ck_assert_str_eq(args.bind, "127.0.0.1");
    ck_assert_str_eq(args.port, "0");
    ck_assert_int_eq(args.count, 0);
    ck_assert_int_eq(kit_server_args(7, all, "--max-clients", &args), 0);
    ck_assert_str_eq(args.bind, "::1");
    ck_assert_str_eq(args.port, "8080");
    ck_assert_int_eq(args.count, 3);
    ck_assert_int_eq(kit_server_args(2, no_value, "--max-clients", &args), -1);
    ck_assert_int_eq(kit_server_args(3, bad_count, "--max-clients", &args), -1);
    ck_assert_int_eq(kit_server_args(3, other_flag, "--max-clients", &args), -1);
    ck_assert_int_eq(kit_server_args(3, other_flag, "--max-datagrams", &args), 0);
    ck_assert_int_eq(args.count, 2);
}
END_TEST

/* An IPv6 pair: a listener on ::1 and a client connected to it, not yet accepted. */
static SOCKET listener6 = INVALID_SOCKET, client6 = INVALID_SOCKET;

static void open_ipv6(void)
{
    char port[6];
    struct sockaddr_in6 addr;

    unit_start_winsock();
    listener6 = unit_listener(AF_INET6, port);
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    addr.sin6_port = htons((unsigned short)atoi(port));
    client6 = socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(client6 != INVALID_SOCKET);
    ck_assert_int_eq(connect(client6, (struct sockaddr *)&addr, (int)sizeof addr), 0);
}

static void close_ipv6(void)
{
    unit_close(&listener6);
    unit_close(&client6);
    unit_stop_winsock();
}

/* Windows' C runtime reads and writes its own descriptors, not sockets: read and
   write of a socket fail with EBADF there, and the layer makes them fail so on POSIX
   too. Of a file (stderr here) they work. */
START_TEST(test_common_read_write_of_a_socket_fail)
{
    char byte = 'x';

    errno = 0;
    ck_assert_int_eq(write((int)client, &byte, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    errno = 0;
    ck_assert_int_eq(read((int)server, &byte, 1), -1);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(write(fileno(stderr), &byte, 0), 0);
}
END_TEST

START_TEST(test_common_accept_short_buffer)
{
    struct sockaddr_in addr;        /* too short for the IPv6 peer */
    int len = (int)sizeof addr;
    char byte;

    ck_assert_wsa_error(accept(listener6, (struct sockaddr *)&addr, &len), INVALID_SOCKET,
                        WSAEFAULT);
    /* The connection the system accepted is not left open: the client hears its end. */
    ck_assert_int_le(recv(client6, &byte, 1, 0), 0);
}
END_TEST

START_TEST(test_common_names_short_buffer)
{
    struct sockaddr_in addr;
    int len = (int)sizeof addr;

    ck_assert_wsa_error(getsockname(client6, (struct sockaddr *)&addr, &len), SOCKET_ERROR,
                        WSAEFAULT);
    len = (int)sizeof addr;
    ck_assert_wsa_error(getpeername(client6, (struct sockaddr *)&addr, &len), SOCKET_ERROR,
                        WSAEFAULT);
}
END_TEST

START_TEST(test_common_recvfrom_short_buffer)
{
    struct sockaddr_in6 to;
    struct sockaddr_in from;
    int len = (int)sizeof to;
    char buf[8];
    SOCKET a = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);
    SOCKET b = socket(AF_INET6, SOCK_DGRAM, IPPROTO_UDP);

    memset(&to, 0, sizeof to);
    to.sin6_family = AF_INET6;
    to.sin6_addr = in6addr_loopback;
    ck_assert_int_eq(bind(a, (struct sockaddr *)&to, (int)sizeof to), 0);
    ck_assert_int_eq(getsockname(a, (struct sockaddr *)&to, &len), 0);
    ck_assert_int_eq(sendto(b, "x", 1, 0, (struct sockaddr *)&to, (int)sizeof to), 1);
    len = (int)sizeof from;
    ck_assert_wsa_error(recvfrom(a, buf, (int)sizeof buf, 0, (struct sockaddr *)&from, &len),
                        SOCKET_ERROR, WSAEFAULT);
    closesocket(a);
    closesocket(b);
}
END_TEST

/* The record of this process's calls, written where KIT_CALLS says (the kit's test
   runs the Record case with KIT_CALLS, KIT_FAULTS=short-send,short-recv and a seed). */
static char *read_record(void)
{
    static char text[1 << 16];
    const char *path = getenv("KIT_CALLS");
    FILE *f;
    size_t n;

    ck_assert_msg(path != NULL, "the Record case needs KIT_CALLS");
    f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "no record at %s", path);
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return text;
}

START_TEST(test_common_record_lines)
{
    struct sockaddr_in addr;
    int one = 1;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    const char *text;

    ck_assert(s != INVALID_SOCKET);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, (const char *)&one,
                                (int)sizeof one), 0);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&addr, (int)sizeof addr), 0);
    ck_assert_int_eq(listen(s, SOMAXCONN), 0);
    ck_assert_int_eq(kit_announce(s), 0);
    ck_assert_int_eq(closesocket(s), 0);
    text = read_record();
    ck_assert_ptr_nonnull(strstr(text, "WSAStartup(2.2) = 0\n"));
    ck_assert_ptr_nonnull(strstr(text, "socket(AF_INET, SOCK_STREAM, IPPROTO_TCP) = s"));
    ck_assert_ptr_nonnull(strstr(text, ", SOL_SOCKET, SO_EXCLUSIVEADDRUSE, 1) = 0\n"));
    ck_assert_ptr_nonnull(strstr(text, ", 127.0.0.1:0) = 0\n"));
    /* kit_announce's own getsockname is not the program's: not in its record */
    ck_assert_ptr_nonnull(strstr(text, ", SOMAXCONN) = 0\nannounce(s"));
    ck_assert_ptr_nonnull(strstr(text, ", 127.0.0.1:"));
}
END_TEST

START_TEST(test_common_record_errors)
{
    struct sockaddr_in addr;
    int len = (int)sizeof addr;
    SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);

    ck_assert(s != INVALID_SOCKET);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    closesocket(listener);              /* now nothing listens on that port */
    listener = INVALID_SOCKET;
    ck_assert_wsa_error(connect(s, (struct sockaddr *)&addr, (int)sizeof addr), SOCKET_ERROR,
                        WSAECONNREFUSED);
    closesocket(s);
    ck_assert_ptr_nonnull(strstr(read_record(), ") = SOCKET_ERROR WSAECONNREFUSED\n"));
}
END_TEST

START_TEST(test_common_fault_short_send)
{
    char buf[4096], got[4096];
    int n;

    unit_fill(buf, (int)sizeof buf, 7);
    n = send(client, buf, (int)sizeof buf, 0);
    ck_assert_int_ge(n, 1);
    ck_assert_int_lt(n, (int)sizeof buf);       /* fewer than asked, never none */
    unit_recv_exactly(server, got, n);
    ck_assert_mem_eq(got, buf, (size_t)n);
    ck_assert_ptr_nonnull(strstr(read_record(), " bytes) = "));
    ck_assert_ptr_nonnull(strstr(read_record(), " [fault: short send]\n"));
}
END_TEST

START_TEST(test_common_fault_short_recv)
{
    char buf[4096] = { 0 }, got[4096];
    int sent = 0, n;

    while (sent < (int)sizeof buf) {
        n = send(client, buf + sent, (int)sizeof buf - sent, 0);
        ck_assert_int_gt(n, 0);
        sent += n;
    }
    n = recv(server, got, (int)sizeof got, 0);
    ck_assert_int_ge(n, 1);
    ck_assert_int_lt(n, (int)sizeof got);
    ck_assert_ptr_nonnull(strstr(read_record(), " [fault: short recv, asked the system for "));
}
END_TEST

static Suite *common_suite(void)
{
    Suite *s = suite_create("common");
    TCase *tc;

    tc = tcase_create("Startup");
    tcase_add_checked_fixture(tc, unit_stop_winsock, unit_stop_winsock);
    tcase_add_test(tc, test_common_startup_grants_requested);
    tcase_add_test(tc, test_common_startup_caps_at_2_2);
    tcase_add_test(tc, test_common_startup_refuses_below_1_0);
    tcase_add_test(tc, test_common_startup_counts_calls);
    tcase_add_test(tc, test_common_not_started_fails);
    suite_add_tcase(s, tc);

    /* A case of its own: Wine resolves without WSAStartup (grader/gradelib/platform.py). */
    tc = tcase_create("ResolverNeedsStartup");
    tcase_add_checked_fixture(tc, unit_stop_winsock, unit_stop_winsock);
    tcase_add_test(tc, test_common_not_started_resolver);
    suite_add_tcase(s, tc);

    tc = tcase_create("Sockets");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_timeout_in_milliseconds);
    tcase_add_test(tc, test_common_timeout_expires);
    tcase_add_test(tc, test_common_send_to_closed_peer);
    tcase_add_test(tc, test_common_nonblocking_recv);
    tcase_add_test(tc, test_common_shutdown_send_is_eof);
    tcase_add_test(tc, test_common_refused_connect);
    tcase_add_test(tc, test_common_exclusive_port_restarts);
    tcase_add_test(tc, test_common_short_address_length);
    tcase_add_test(tc, test_common_so_error_is_a_wsa_code);
    tcase_add_test(tc, test_common_select_without_sets);
    tcase_add_test(tc, test_common_send_after_shutdown);
    suite_add_tcase(s, tc);

    /* A case of its own: Wine takes such hints (grader/gradelib/platform/hosts.py). */
    tc = tcase_create("Hints");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_hints_not_zeroed);
    suite_add_tcase(s, tc);

    tc = tcase_create("Options");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_options_one_byte_booleans);
    tcase_add_test(tc, test_common_options_linger_round_trip);
    suite_add_tcase(s, tc);

    /* A case of its own: Wine's recv reads a reset as an end-of-file. */
    tc = tcase_create("Reset");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_linger0_resets);
    suite_add_tcase(s, tc);

    tc = tcase_create("Datagrams");
    tcase_add_checked_fixture(tc, open_datagrams, close_datagrams);
    tcase_add_test(tc, test_common_datagram_truncated);
    tcase_add_test(tc, test_common_datagram_empty);
    tcase_add_test(tc, test_common_datagram_shutdown);
    suite_add_tcase(s, tc);

    /* A case of its own: Wine reports no port unreachable on a UDP socket. */
    tc = tcase_create("Unreachable");
    tcase_add_checked_fixture(tc, open_datagrams, close_datagrams);
    tcase_add_test(tc, test_common_unreachable_port_resets);
    tcase_add_test(tc, test_common_unreachable_port_send_goes_on);
    suite_add_tcase(s, tc);

    tc = tcase_create("Files");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_read_write_of_a_socket_fail);
    suite_add_tcase(s, tc);

    tc = tcase_create("ShortAddresses");
    tcase_add_checked_fixture(tc, open_ipv6, close_ipv6);
    tcase_add_test(tc, test_common_accept_short_buffer);
    tcase_add_test(tc, test_common_names_short_buffer);
    tcase_add_test(tc, test_common_recvfrom_short_buffer);
    suite_add_tcase(s, tc);

    /* Run with KIT_CALLS, KIT_FAULTS=short-send,short-recv and KIT_SEED (the kit's
       test does): the record's lines and the faults. */
    tc = tcase_create("Record");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_common_record_lines);
    tcase_add_test(tc, test_common_record_errors);
    tcase_add_test(tc, test_common_fault_short_send);
    tcase_add_test(tc, test_common_fault_short_recv);
    suite_add_tcase(s, tc);

    tc = tcase_create("Errors");
    tcase_add_checked_fixture(tc, unit_stop_winsock, unit_stop_winsock);
    tcase_add_test(tc, test_common_error_names);
    tcase_add_test(tc, test_common_unknown_host);
    tcase_add_test(tc, test_common_parse_port);
    tcase_add_test(tc, test_common_parse_number);
    tcase_add_test(tc, test_common_server_args);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(common_suite(), argc, argv);
}
