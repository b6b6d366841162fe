/*
 * lab04_test.c - Check tests of lab 04's functions (datagram.c). Each test case is
 * graded on its own: see grader/test_lab04_udp.py.
 */
#include <string.h>

#include "datagram.h"
#include "unit.h"

/* Loopback UDP sockets, each bound to a port of its own, with their addresses. */
#define SOCKETS 3
static SOCKET sock[SOCKETS];
static struct sockaddr_in addr[SOCKETS];

/* Every wait in these tests ends: no socket waits longer than this. */
static const DWORD GUARD_MS = 5000;

static void set_timeout(SOCKET s, DWORD ms)
{
    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
}

static void open_sockets(void)
{
    WSADATA data;

    unit_stop_winsock();
    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
    for (int i = 0; i < SOCKETS; i++) {
        int len = (int)sizeof addr[i];
        sock[i] = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
        ck_assert(sock[i] != INVALID_SOCKET);
        memset(&addr[i], 0, sizeof addr[i]);
        addr[i].sin_family = AF_INET;
        addr[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ck_assert_int_eq(bind(sock[i], (struct sockaddr *)&addr[i], (int)sizeof addr[i]), 0);
        ck_assert_int_eq(getsockname(sock[i], (struct sockaddr *)&addr[i], &len), 0);
        set_timeout(sock[i], GUARD_MS);
    }
}

static void close_sockets(void)
{
    for (int i = 0; i < SOCKETS; i++) {
        if (sock[i] != INVALID_SOCKET)
            closesocket(sock[i]);
        sock[i] = INVALID_SOCKET;
    }
    unit_stop_winsock();
}

/* Sends len bytes from socket i to socket j. */
static void send_to(int i, int j, const char *data, int len)
{
    ck_assert_int_eq(sendto(sock[i], data, len, 0, (struct sockaddr *)&addr[j],
                            (int)sizeof addr[j]), len);
}

/* Receives one datagram on socket i, which must come from socket j. Returns its
   length. */
static int receive_from(int i, int j, char *buf, int size)
{
    struct sockaddr_in from;
    int fromlen = (int)sizeof from;
    int n = recvfrom(sock[i], buf, size, 0, (struct sockaddr *)&from, &fromlen);

    ck_assert_msg(n != SOCKET_ERROR, "no datagram came back (recvfrom failed with %d)",
                  WSAGetLastError());
    ck_assert_msg(from.sin_port == addr[j].sin_port, "the datagram came from port %u, "
                  "not from port %u", ntohs(from.sin_port), ntohs(addr[j].sin_port));
    return n;
}

/* How many datagrams wait on socket i; reads them all. */
static int count_waiting(int i)
{
    char buf[64];
    int n = 0;

    set_timeout(sock[i], 50);
    while (recv(sock[i], buf, (int)sizeof buf, 0) != SOCKET_ERROR)
        n++;
    set_timeout(sock[i], GUARD_MS);
    return n;
}

static struct sockaddr_in ipv4(const char *text, unsigned short port)
{
    struct sockaddr_in a;

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET, text, &a.sin_addr), 1);
    return a;
}

static struct sockaddr_in6 ipv6(const char *text, unsigned short port)
{
    struct sockaddr_in6 a;

    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    ck_assert_int_eq(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

START_TEST(test_datagram_same_endpoint_ipv4)
{
    struct sockaddr_in a = ipv4("127.0.0.1", 5000), b = ipv4("127.0.0.1", 5000);

    /* sin_zero may hold anything: only family, address and port count. */
    memset(b.sin_zero, 0x5a, sizeof b.sin_zero);
    ck_assert_int_eq(same_endpoint(SA(a), SA(b)), 1);
    b = ipv4("127.0.0.1", 5001);
    ck_assert_msg(same_endpoint(SA(a), SA(b)) == 0, "ports 5000 and 5001 are not the same");
    b = ipv4("127.0.0.2", 5000);
    ck_assert_msg(same_endpoint(SA(a), SA(b)) == 0, "127.0.0.1 and 127.0.0.2 differ");
    /* The port's two bytes swapped: 0x1388 against 0x8813. */
    b = ipv4("127.0.0.1", 0x8813);
    ck_assert_int_eq(same_endpoint(SA(a), SA(b)), 0);
}
END_TEST

START_TEST(test_datagram_same_endpoint_ipv6)
{
    struct sockaddr_in6 a = ipv6("::1", 443), b = ipv6("::1", 443);
    struct sockaddr_in c = ipv4("127.0.0.1", 443);

    b.sin6_flowinfo = 7;
    ck_assert_int_eq(same_endpoint(SA(a), SA(b)), 1);
    b = ipv6("::2", 443);
    ck_assert_msg(same_endpoint(SA(a), SA(b)) == 0, "::1 and ::2 differ");
    b = ipv6("::1", 444);
    ck_assert_int_eq(same_endpoint(SA(a), SA(b)), 0);
    ck_assert_msg(same_endpoint(SA(a), SA(c)) == 0 && same_endpoint(SA(c), SA(a)) == 0,
                  "an IPv6 and an IPv4 address are never the same endpoint");
}
END_TEST

START_TEST(test_datagram_same_endpoint_other_family)
{
    struct sockaddr_in6 a, b;

    /* Two addresses of the same family, neither AF_INET nor AF_INET6, alike in every
       byte: still not an endpoint this function knows. */
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    a.sin6_family = b.sin6_family = AF_UNSPEC;
    ck_assert_msg(same_endpoint(SA(a), SA(b)) == 0, "two AF_UNSPEC addresses gave %d, not "
                  "0: only AF_INET and AF_INET6 endpoints can be the same",
                  same_endpoint(SA(a), SA(b)));
}
END_TEST

START_TEST(test_datagram_receive_timeout)
{
    DWORD got = 0;
    int len = (int)sizeof got;
    char byte;

    ck_assert_int_eq(set_receive_timeout(sock[0], 1500), 0);
    ck_assert_int_eq(getsockopt(sock[0], SOL_SOCKET, SO_RCVTIMEO, (char *)&got, &len), 0);
    /* A struct timeval {1, 500000} reads as 1 ms: Windows takes a DWORD of ms. */
    ck_assert_msg(got >= 1400 && got <= 1600, "SO_RCVTIMEO reads back as %u ms, not 1500",
                  (unsigned)got);
    ck_assert_int_eq(set_receive_timeout(sock[0], 120), 0);
    ck_assert_wsa_error(recv(sock[0], &byte, 1, 0), SOCKET_ERROR, WSAETIMEDOUT);
}
END_TEST

START_TEST(test_datagram_receive_timeout_error)
{
    SOCKET s = sock[0];

    closesocket(s);
    sock[0] = INVALID_SOCKET;
    ck_assert_int_eq(set_receive_timeout(s, 100), WSAENOTSOCK);
}
END_TEST

START_TEST(test_datagram_echo)
{
    /* Bytes that a string function would stop at or change. */
    static const char payload[] = "a\0b\r\n\x1a\xff end";
    char buf[64], back[64];
    const char *call = "";
    int n;

    send_to(1, 0, payload, (int)sizeof payload);
    ck_assert_int_eq(echo_datagram(sock[0], buf, (int)sizeof buf, &call), 0);
    n = receive_from(1, 0, back, (int)sizeof back);
    ck_assert_int_eq(n, (int)sizeof payload);
    ck_assert_mem_eq(back, payload, sizeof payload);
}
END_TEST

START_TEST(test_datagram_echo_empty)
{
    char buf[64], back[64];
    const char *call = "";

    send_to(1, 0, "", 0);
    ck_assert_int_eq(echo_datagram(sock[0], buf, (int)sizeof buf, &call), 0);
    ck_assert_int_eq(receive_from(1, 0, back, (int)sizeof back), 0);
}
END_TEST

START_TEST(test_datagram_echo_each_to_its_sender)
{
    char buf[64], back[64];
    const char *call = "";

    send_to(1, 0, "one", 3);
    send_to(2, 0, "two!", 4);
    ck_assert_int_eq(echo_datagram(sock[0], buf, (int)sizeof buf, &call), 0);
    ck_assert_int_eq(echo_datagram(sock[0], buf, (int)sizeof buf, &call), 0);
    ck_assert_int_eq(receive_from(2, 0, back, (int)sizeof back), 4);
    ck_assert_mem_eq(back, "two!", 4);
    ck_assert_int_eq(receive_from(1, 0, back, (int)sizeof back), 3);
    ck_assert_mem_eq(back, "one", 3);
}
END_TEST

START_TEST(test_datagram_echo_truncated)
{
    char buf[16], back[64];
    const char *call = "";

    /* 40 bytes into a buffer of 10: WSAEMSGSIZE, and nothing is sent back. */
    send_to(1, 0, "0123456789012345678901234567890123456789", 40);
    ck_assert_int_eq(echo_datagram(sock[0], buf, 10, &call), WSAEMSGSIZE);
    ck_assert_str_eq(call, "recvfrom");
    ck_assert_msg(count_waiting(1) == 0, "a truncated datagram was sent back");
    send_to(1, 0, "next", 4);
    ck_assert_int_eq(echo_datagram(sock[0], buf, 10, &call), 0);
    ck_assert_int_eq(receive_from(1, 0, back, (int)sizeof back), 4);
}
END_TEST

START_TEST(test_datagram_echo_error)
{
    char buf[16];
    const char *call = "";

    /* Nothing comes: the socket's timeout ends the wait, and says so. */
    set_timeout(sock[0], 100);
    ck_assert_int_eq(echo_datagram(sock[0], buf, (int)sizeof buf, &call), WSAETIMEDOUT);
    ck_assert_str_eq(call, "recvfrom");
}
END_TEST

START_TEST(test_datagram_echo_send_fails)
{
    char buf[16];
    const char *call = "";

    /* Socket 0 may receive but no longer send: the datagram comes in, its echo fails. */
    ck_assert_int_eq(shutdown(sock[0], SD_SEND), 0);
    send_to(1, 0, "echo me", 7);
    ck_assert_msg(echo_datagram(sock[0], buf, (int)sizeof buf, &call) == WSAESHUTDOWN,
                  "an echo whose sendto failed (WSAESHUTDOWN) did not return its code");
    ck_assert_str_eq(call, "sendto");
}
END_TEST

/* A request from socket 0 to socket 1, asking "ping". */
static struct request ping(int retries)
{
    struct request req;

    req.to = (const struct sockaddr *)&addr[1];
    req.tolen = (int)sizeof addr[1];
    req.message = "ping";
    req.length = 4;
    req.retries = retries;
    return req;
}

START_TEST(test_datagram_request_reply)
{
    struct request req = ping(2);
    char reply[64], got_ping[8];
    const char *call = "";
    int got = -1;

    /* The reply waits already: datagrams wait for a reader. */
    send_to(1, 0, "po\0ng", 5);
    ck_assert_int_eq(request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call), 0);
    ck_assert_int_eq(got, 5);
    ck_assert_mem_eq(reply, "po\0ng", 5);
    ck_assert_int_eq(receive_from(1, 0, got_ping, (int)sizeof got_ping), 4);
    ck_assert_mem_eq(got_ping, "ping", 4);
    ck_assert_msg(count_waiting(1) == 0, "the request was sent more than once");
}
END_TEST

START_TEST(test_datagram_request_reply_fills_buffer)
{
    struct request req = ping(0);
    char reply[5];
    const char *call = "";
    int got = -1;

    /* A reply of exactly size bytes fits: recvfrom is given the whole buffer. */
    send_to(1, 0, "fiv\0e", 5);
    ck_assert_int_eq(request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call), 0);
    ck_assert_int_eq(got, 5);
    ck_assert_mem_eq(reply, "fiv\0e", 5);
}
END_TEST

START_TEST(test_datagram_request_reply_too_long)
{
    struct request req = ping(2);
    char reply[4];
    const char *call = "";
    int got = -1, rc;

    /* The server's reply does not fit: recvfrom fails, and that is the answer. */
    send_to(1, 0, "too long", 8);
    rc = request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call);
    ck_assert_msg(rc == WSAEMSGSIZE, "a reply of 8 bytes for a buffer of 4 gave %d, not "
                  "recvfrom's WSAEMSGSIZE (10040)", rc);
    ck_assert_str_eq(call, "recvfrom");
}
END_TEST

START_TEST(test_datagram_request_send_fails)
{
    struct request req = ping(2);
    char reply[64];
    const char *call = "";
    int got = -1, rc;

    /* Socket 0 can no longer send: the first sendto fails, and that is the answer. */
    set_timeout(sock[0], 100);
    ck_assert_int_eq(shutdown(sock[0], SD_SEND), 0);
    rc = request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call);
    ck_assert_msg(rc == WSAESHUTDOWN, "a request whose sendto failed (WSAESHUTDOWN) gave %d",
                  rc);
    ck_assert_str_eq(call, "sendto");
}
END_TEST

START_TEST(test_datagram_request_ignores_stranger)
{
    struct request req = ping(0);
    char reply[64];
    const char *call = "";
    int got = -1;

    /* Socket 2 is not the server: its datagram comes first, and is not the reply. */
    send_to(2, 0, "stranger", 8);
    send_to(1, 0, "", 0);
    ck_assert_int_eq(request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call), 0);
    ck_assert_msg(got == 0, "the reply taken was %d bytes long: the stranger's, not the "
                  "server's empty datagram", got);
}
END_TEST

START_TEST(test_datagram_request_retries)
{
    struct request req = ping(2);
    char reply[64];
    const char *call = "";
    int got = -1, sent;

    /* No reply ever: the request goes 1 + 2 times, then WSAETIMEDOUT. */
    set_timeout(sock[0], 100);
    ck_assert_int_eq(request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call),
                     WSAETIMEDOUT);
    sent = count_waiting(1);
    ck_assert_msg(sent == 3, "the server got %d requests, not 1 + 2 retries", sent);
}
END_TEST

START_TEST(test_datagram_request_no_retries)
{
    struct request req = ping(0);
    char reply[64];
    const char *call = "";
    int got = -1, sent;

    set_timeout(sock[0], 100);
    ck_assert_int_eq(request_reply(sock[0], &req, reply, (int)sizeof reply, &got, &call),
                     WSAETIMEDOUT);
    sent = count_waiting(1);
    ck_assert_msg(sent == 1, "the server got %d requests, not 1", sent);
}
END_TEST

static Suite *datagram_suite(void)
{
    Suite *s = suite_create("datagram");
    TCase *tc;

    tc = tcase_create("Endpoints");
    tcase_add_checked_fixture(tc, open_sockets, close_sockets);
    tcase_add_test(tc, test_datagram_same_endpoint_ipv4);
    tcase_add_test(tc, test_datagram_same_endpoint_ipv6);
    tcase_add_test(tc, test_datagram_same_endpoint_other_family);
    suite_add_tcase(s, tc);

    tc = tcase_create("Timeout");
    tcase_add_checked_fixture(tc, open_sockets, close_sockets);
    tcase_add_test(tc, test_datagram_receive_timeout);
    tcase_add_test(tc, test_datagram_receive_timeout_error);
    suite_add_tcase(s, tc);

    tc = tcase_create("Echo");
    tcase_add_checked_fixture(tc, open_sockets, close_sockets);
    tcase_add_test(tc, test_datagram_echo);
    tcase_add_test(tc, test_datagram_echo_empty);
    tcase_add_test(tc, test_datagram_echo_each_to_its_sender);
    tcase_add_test(tc, test_datagram_echo_truncated);
    tcase_add_test(tc, test_datagram_echo_error);
    tcase_add_test(tc, test_datagram_echo_send_fails);
    suite_add_tcase(s, tc);

    tc = tcase_create("Retry");
    tcase_add_checked_fixture(tc, open_sockets, close_sockets);
    tcase_add_test(tc, test_datagram_request_reply);
    tcase_add_test(tc, test_datagram_request_reply_fills_buffer);
    tcase_add_test(tc, test_datagram_request_reply_too_long);
    tcase_add_test(tc, test_datagram_request_send_fails);
    tcase_add_test(tc, test_datagram_request_ignores_stranger);
    tcase_add_test(tc, test_datagram_request_retries);
    tcase_add_test(tc, test_datagram_request_no_retries);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(datagram_suite(), argc, argv);
}
