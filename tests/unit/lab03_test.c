/*
 * lab03_test.c - Check tests of lab 03's functions (tcpserver.c), over loopback
 * connections the tests set up. Each test case is graded on its own: see
 * grader/test_lab03_tcp_server.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcpserver.h"
#include "unit.h"

static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;

static void close_all(void)
{
    unit_close(&listener);
    unit_close(&client);
    unit_close(&server);
    unit_stop_winsock();
}

START_TEST(test_tcpserver_listens_on_loopback)
{
    struct sockaddr_in addr;
    int len = (int)sizeof addr;
    const char *call = "none";

    ck_assert_int_eq(open_listener("127.0.0.1", "0", &listener, &call), 0);
    ck_assert(listener != INVALID_SOCKET);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    ck_assert_int_eq(addr.sin_family, AF_INET);
    ck_assert_uint_eq(ntohl(addr.sin_addr.s_addr), INADDR_LOOPBACK);
    ck_assert_uint_ne(addr.sin_port, 0);
    unit_pair(listener, &client, &server);
}
END_TEST

START_TEST(test_tcpserver_listens_ipv6)
{
    struct sockaddr_in6 addr;
    int len = (int)sizeof addr;
    const char *call = "none";

    ck_assert_int_eq(open_listener("::1", "0", &listener, &call), 0);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    ck_assert_int_eq(addr.sin6_family, AF_INET6);
    ck_assert(memcmp(&addr.sin6_addr, &in6addr_loopback, sizeof addr.sin6_addr) == 0);
    unit_pair(listener, &client, &server);
}
END_TEST

/* The family of the first of NAME's addresses (passive, stream) that a socket can
   listen on, or AF_UNSPEC when none can. */
static int first_listening_family(const char *name)
{
    struct addrinfo hints, *list, *ai;
    int family = AF_UNSPEC;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(name, "0", &hints, &list) != 0)
        return AF_UNSPEC;
    for (ai = list; ai != NULL && family == AF_UNSPEC; ai = ai->ai_next) {
        SOCKET s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);

        if (s == INVALID_SOCKET)
            continue;
        if (bind(s, ai->ai_addr, (int)ai->ai_addrlen) == 0 && listen(s, 1) == 0)
            family = ai->ai_family;
        closesocket(s);
    }
    freeaddrinfo(list);
    return family;
}

/* A name with several addresses: "localhost" has two on most systems (::1, then
   127.0.0.1). open_listener keeps the first that listens and tries no other. Some
   hosts files (containers) give localhost one address: this then only checks that
   the name listens. */
START_TEST(test_tcpserver_listens_on_first_address)
{
    struct sockaddr_storage addr;
    int len = (int)sizeof addr, family = first_listening_family("localhost");
    const char *call = "none";

    ck_assert_int_eq(open_listener("localhost", "0", &listener, &call), 0);
    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
    ck_assert_msg(addr.ss_family == family, "open_listener(\"localhost\", ...) listened on "
                  "an %s address, not on the first of localhost's addresses that works "
                  "(%s): stop at the first address that listens",
                  addr.ss_family == AF_INET6 ? "IPv6" : "IPv4",
                  family == AF_INET6 ? "IPv6" : "IPv4");
}
END_TEST

START_TEST(test_tcpserver_port_in_use)
{
    char port[8];
    const char *call = "none";
    SOCKET second = UNIT_NOT_A_SOCKET;   /* the failure sets it to INVALID_SOCKET */

    ck_assert_int_eq(open_listener("127.0.0.1", "0", &listener, &call), 0);
    unit_port_of(listener, port);
    ck_assert_int_eq(open_listener("127.0.0.1", port, &second, &call), WSAEADDRINUSE);
    ck_assert_str_eq(call, "bind");
    ck_assert_msg(second == INVALID_SOCKET, "open_listener failed but left a handle in *s: "
                  "on failure *s = INVALID_SOCKET (a closed socket's handle is no socket)");
}
END_TEST

START_TEST(test_tcpserver_bad_address)
{
    const char *call = "none";

    ck_assert_int_eq(open_listener("no_such_host!.invalid", "0", &listener, &call),
                     WSAHOST_NOT_FOUND);
    ck_assert_str_eq(call, "getaddrinfo");
}
END_TEST

/* A server that closed a connection first leaves it in TIME_WAIT on its port; the
   next server on that port must still be able to listen there. */
START_TEST(test_tcpserver_restarts_on_same_port)
{
    char port[8], byte;
    const char *call = "none";
    int rc;

    ck_assert_int_eq(open_listener("127.0.0.1", "0", &listener, &call), 0);
    unit_port_of(listener, port);
    unit_pair(listener, &client, &server);
    unit_close(&server);                    /* the server's side closes first */
    ck_assert_int_eq(recv(client, &byte, 1, 0), 0);
    unit_close(&client);
    unit_close(&listener);
    rc = open_listener("127.0.0.1", port, &listener, &call);
    ck_assert_msg(rc == 0, "listening again on port %s failed in %s with %d", port, call, rc);
}
END_TEST

static void open_pair(void)
{
    char port[8];

    unit_start_winsock();
    listener = unit_listener(AF_INET, port);
    unit_pair(listener, &client, &server);
}

START_TEST(test_tcpserver_echoes_until_close)
{
    enum { LEN = 60000 };
    char *sent = malloc(LEN), *got = malloc(LEN), byte;

    unit_fill(sent, LEN, 5);
    ck_assert_int_eq(send(client, sent, 7, 0), 7);
    ck_assert_int_eq(send(client, sent + 7, LEN - 7, 0), LEN - 7);
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(echo_client(server), 0);
    unit_recv_exactly(client, got, LEN);
    ck_assert_mem_eq(got, sent, LEN);
    unit_close(&server);
    ck_assert_int_eq(recv(client, &byte, 1, 0), 0);     /* and nothing more */
    free(sent);
    free(got);
}
END_TEST

START_TEST(test_tcpserver_echoes_nothing)
{
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(echo_client(server), 0);
}
END_TEST

START_TEST(test_tcpserver_send_all)
{
    enum { LEN = 65536 };
    char *sent = malloc(LEN), *got = malloc(LEN);

    unit_fill(sent, LEN, 6);
    ck_assert_int_eq(send_all(server, sent, LEN), 0);
    unit_recv_exactly(client, got, LEN);
    ck_assert_mem_eq(got, sent, LEN);
    free(sent);
    free(got);
}
END_TEST

static Suite *lab03_suite(void)
{
    Suite *s = suite_create("lab03");
    TCase *tc;

    tc = tcase_create("Listener");
    tcase_add_checked_fixture(tc, unit_start_winsock, close_all);
    tcase_add_test(tc, test_tcpserver_listens_on_loopback);
    tcase_add_test(tc, test_tcpserver_listens_ipv6);
    tcase_add_test(tc, test_tcpserver_listens_on_first_address);
    tcase_add_test(tc, test_tcpserver_port_in_use);
    tcase_add_test(tc, test_tcpserver_bad_address);
    suite_add_tcase(s, tc);

    tc = tcase_create("Restart");
    tcase_add_checked_fixture(tc, unit_start_winsock, close_all);
    tcase_add_test(tc, test_tcpserver_restarts_on_same_port);
    suite_add_tcase(s, tc);

    tc = tcase_create("Echo");
    tcase_add_checked_fixture(tc, open_pair, close_all);
    tcase_add_test(tc, test_tcpserver_echoes_until_close);
    tcase_add_test(tc, test_tcpserver_echoes_nothing);
    tcase_add_test(tc, test_tcpserver_send_all);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(lab03_suite(), argc, argv);
}
