/*
 * lab02_test.c - Check tests of lab 02's functions (tcpclient.c), over loopback
 * connections the tests set up. Each test case is graded on its own: see
 * grader/test_lab02_tcp_client.py.
 */
#include <stdlib.h>
#include <string.h>

#include "tcpclient.h"
#include "unit.h"

#define OUT_FILE "lab02_unit.out"

static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;
static char port[8];

static void open_listener4(void)
{
    unit_start_winsock();
    listener = unit_listener(AF_INET, port);
}

static void close_all(void)
{
    unit_close(&listener);
    unit_close(&client);
    unit_close(&server);
    unit_stop_winsock();
}

START_TEST(test_tcpclient_connects)
{
    const char *call = "none";

    ck_assert_int_eq(connect_to("127.0.0.1", port, &client, &call), 0);
    ck_assert(client != INVALID_SOCKET);
    server = accept(listener, NULL, NULL);
    ck_assert(server != INVALID_SOCKET);
}
END_TEST

START_TEST(test_tcpclient_connects_ipv6)
{
    const char *call = "none";

    unit_close(&listener);
    listener = unit_listener(AF_INET6, port);
    ck_assert_int_eq(connect_to("::1", port, &client, &call), 0);
    server = accept(listener, NULL, NULL);
    ck_assert(server != INVALID_SOCKET);
}
END_TEST

START_TEST(test_tcpclient_refused)
{
    const char *call = "none";

    unit_close(&listener);
    listener = unit_bound(AF_INET, port);       /* bound, not listening */
    ck_assert(listener != INVALID_SOCKET);
    ck_assert_int_eq(connect_to("127.0.0.1", port, &client, &call), WSAECONNREFUSED);
    ck_assert_str_eq(call, "connect");
    ck_assert(client == INVALID_SOCKET);
}
END_TEST

START_TEST(test_tcpclient_unknown_host)
{
    const char *call = "none";

    /* A name that is not a valid host name, so it is refused without asking DNS. */
    ck_assert_int_eq(connect_to("no_such_host!.invalid", port, &client, &call),
                     WSAHOST_NOT_FOUND);
    ck_assert_str_eq(call, "getaddrinfo");
    ck_assert(client == INVALID_SOCKET);
}
END_TEST

/* "localhost" names ::1 and 127.0.0.1. One listens, the same port on the other is
   refused: whichever address comes first, connect_to must end up connected. */
static void connects_past_refusal(int listening)
{
    const char *call = "none";
    int other = listening == AF_INET ? AF_INET6 : AF_INET;
    SOCKET refusing = INVALID_SOCKET;

    unit_close(&listener);
    for (int tries = 0; tries < 20 && refusing == INVALID_SOCKET; tries++) {
        unit_close(&listener);
        listener = unit_listener(listening, port);
        refusing = unit_bound(other, port);
    }
    ck_assert_msg(refusing != INVALID_SOCKET, "no port free on both ::1 and 127.0.0.1");
    ck_assert_int_eq(connect_to("localhost", port, &client, &call), 0);
    server = accept(listener, NULL, NULL);
    ck_assert(server != INVALID_SOCKET);
    closesocket(refusing);
}

/* 1 if getaddrinfo gives "localhost" both an IPv4 and an IPv6 address. */
static int localhost_has_both(void)
{
    struct addrinfo hints, *list;
    int v4 = 0, v6 = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo("localhost", "1", &hints, &list) != 0)
        return 0;
    for (struct addrinfo *ai = list; ai != NULL; ai = ai->ai_next) {
        v4 |= ai->ai_family == AF_INET;
        v6 |= ai->ai_family == AF_INET6;
    }
    freeaddrinfo(list);
    return v4 && v6;
}

START_TEST(test_tcpclient_tries_each_address)
{
    if (!localhost_has_both()) {
        /* Some hosts files (containers) give localhost one address: nothing to fall
           back to, so this only checks that the name connects. */
        const char *call = "none";
        ck_assert_int_eq(connect_to("localhost", port, &client, &call), 0);
        return;
    }
    connects_past_refusal(AF_INET);
    unit_close(&client);
    unit_close(&server);
    connects_past_refusal(AF_INET6);
}
END_TEST

START_TEST(test_tcpclient_send_all)
{
    enum { LEN = 65536 };
    char *sent = malloc(LEN), *got = malloc(LEN);

    unit_pair(listener, &client, &server);
    unit_fill(sent, LEN, 2);
    ck_assert_int_eq(send_all(client, sent, LEN), 0);
    unit_recv_exactly(server, got, LEN);
    ck_assert_mem_eq(got, sent, LEN);
    ck_assert_int_eq(send_all(client, sent, 0), 0);
    free(sent);
    free(got);
}
END_TEST

/* The file's content, malloc'ed; its length in *len. */
static char *slurp(FILE *f, long *len)
{
    char *buf;

    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    *len = ftell(f);
    rewind(f);
    buf = malloc((size_t)*len + 1);
    ck_assert_int_eq(fread(buf, 1, (size_t)*len, f), (size_t)*len);
    return buf;
}

START_TEST(test_tcpclient_recv_until_close)
{
    enum { LEN = 50000 };
    char *sent = malloc(LEN), *got;
    FILE *out = fopen(OUT_FILE, "w+b");
    long len;

    ck_assert(out != NULL);
    unit_pair(listener, &client, &server);
    unit_fill(sent, LEN, 3);
    /* Three sends the receiver cannot tell apart: a stream has no boundaries. */
    ck_assert_int_eq(send(server, sent, 1, 0), 1);
    ck_assert_int_eq(send(server, sent + 1, 20000, 0), 20000);
    ck_assert_int_eq(send(server, sent + 20001, LEN - 20001, 0), LEN - 20001);
    unit_close(&server);
    ck_assert_int_eq(recv_until_close(client, out), LEN);
    got = slurp(out, &len);
    ck_assert_int_eq(len, LEN);
    ck_assert_mem_eq(got, sent, LEN);
    fclose(out);
    remove(OUT_FILE);
    free(sent);
    free(got);
}
END_TEST

START_TEST(test_tcpclient_recv_nothing)
{
    FILE *out = fopen(OUT_FILE, "w+b");
    long len;

    ck_assert(out != NULL);
    unit_pair(listener, &client, &server);
    unit_close(&server);
    ck_assert_int_eq(recv_until_close(client, out), 0);
    free(slurp(out, &len));
    ck_assert_int_eq(len, 0);
    fclose(out);
    remove(OUT_FILE);
}
END_TEST

START_TEST(test_tcpclient_send_all_fails)
{
    char buf[100];

    unit_pair(listener, &client, &server);
    unit_fill(buf, (int)sizeof buf, 4);
    /* After shutdown(SD_SEND) every send fails, with WSAESHUTDOWN: send_all must
       return at the first failure, not try again. */
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_wsa_error(send_all(client, buf, (int)sizeof buf), SOCKET_ERROR, WSAESHUTDOWN);
}
END_TEST

START_TEST(test_tcpclient_recv_fails)
{
    FILE *out = fopen(OUT_FILE, "w+b");
    DWORD ms = 100;

    ck_assert(out != NULL);
    unit_pair(listener, &client, &server);
    /* The server neither sends nor closes, and the client's recv gives up after
       100 ms: a recv that fails, WSAETIMEDOUT. */
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
    ck_assert_wsa_error(recv_until_close(client, out), -1, WSAETIMEDOUT);
    fclose(out);
    remove(OUT_FILE);
}
END_TEST

START_TEST(test_tcpclient_write_fails)
{
    enum { LEN = 1000 };
    char sent[LEN];
    FILE *out = fopen(OUT_FILE, "wb");

    /* A file opened for reading only: every fwrite to it fails. */
    ck_assert(out != NULL);
    fclose(out);
    out = fopen(OUT_FILE, "rb");
    ck_assert(out != NULL);
    unit_pair(listener, &client, &server);
    unit_fill(sent, LEN, 5);
    ck_assert_int_eq(send(server, sent, LEN, 0), LEN);
    unit_close(&server);
    ck_assert_wsa_error(recv_until_close(client, out), -1, 0);
    fclose(out);
    remove(OUT_FILE);
}
END_TEST

static Suite *lab02_suite(void)
{
    Suite *s = suite_create("lab02");
    TCase *tc;

    tc = tcase_create("Connect");
    tcase_add_checked_fixture(tc, open_listener4, close_all);
    tcase_add_test(tc, test_tcpclient_connects);
    tcase_add_test(tc, test_tcpclient_connects_ipv6);
    tcase_add_test(tc, test_tcpclient_refused);
    tcase_add_test(tc, test_tcpclient_unknown_host);
    suite_add_tcase(s, tc);

    tc = tcase_create("EachAddress");
    tcase_add_checked_fixture(tc, open_listener4, close_all);
    tcase_add_test(tc, test_tcpclient_tries_each_address);
    suite_add_tcase(s, tc);

    tc = tcase_create("Stream");
    tcase_add_checked_fixture(tc, open_listener4, close_all);
    tcase_add_test(tc, test_tcpclient_send_all);
    tcase_add_test(tc, test_tcpclient_recv_until_close);
    tcase_add_test(tc, test_tcpclient_recv_nothing);
    tcase_add_test(tc, test_tcpclient_send_all_fails);
    tcase_add_test(tc, test_tcpclient_recv_fails);
    tcase_add_test(tc, test_tcpclient_write_fails);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(lab02_suite(), argc, argv);
}
