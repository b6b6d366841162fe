/*
 * lab05_test.c - Check tests of lab 05's functions (transfer.c). Each test case is
 * graded on its own: see grader/test_lab05_shutdown.py.
 */
#include <string.h>

#include "transfer.h"
#include "unit.h"

/* A connected pair of loopback TCP sockets, and the listener that made them. */
static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;

static void guard(SOCKET s)
{
    DWORD ms = 5000;    /* no receive here waits for ever */

    ck_assert_int_eq(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&ms,
                                (int)sizeof ms), 0);
}

static void open_pair(void)
{
    char port[8];

    unit_start_winsock();
    listener = unit_listener(AF_INET, port);
    unit_pair(listener, &client, &server);
    guard(client);
    guard(server);
}

static void close_pair(void)
{
    unit_close(&listener);
    unit_close(&client);
    unit_close(&server);
    unit_stop_winsock();
}

static uint32_t hash_of(const char *text)
{
    return fnv1a32(FNV1A32_INIT, text, strlen(text));
}

START_TEST(test_transfer_fnv1a32_vectors)
{
    /* The published FNV-1a test vectors. */
    ck_assert_uint_eq(hash_of(""), 0x811c9dc5u);
    ck_assert_uint_eq(hash_of("a"), 0xe40c292cu);
    ck_assert_uint_eq(hash_of("foobar"), 0xbf9cf968u);
}
END_TEST

START_TEST(test_transfer_fnv1a32_bytes)
{
    unsigned char all[256];

    /* A byte above 0x7f is not negative, and a NUL is a byte like any other. */
    ck_assert_uint_eq(fnv1a32(FNV1A32_INIT, "\xff", 1), 0x7a0b824eu);
    ck_assert_uint_eq(fnv1a32(FNV1A32_INIT, "\0", 1), 0x050c5d1fu);
    for (int i = 0; i < 256; i++)
        all[i] = (unsigned char)i;
    ck_assert_uint_eq(fnv1a32(FNV1A32_INIT, all, sizeof all), 0x90a458c5u);
}
END_TEST

START_TEST(test_transfer_fnv1a32_in_pieces)
{
    static const char text[] = "hashing in pieces gives the same as hashing it whole";
    size_t n = sizeof text - 1;
    uint32_t whole = fnv1a32(FNV1A32_INIT, text, n);

    for (size_t cut = 0; cut <= n; cut += 7) {
        uint32_t h = fnv1a32(FNV1A32_INIT, text, cut);
        ck_assert_uint_eq(fnv1a32(h, text + cut, n - cut), whole);
    }
}
END_TEST

START_TEST(test_transfer_summary_line)
{
    char buf[64];

    ck_assert_int_eq(format_summary(0, FNV1A32_INIT, buf, sizeof buf), 25);
    ck_assert_str_eq(buf, "bytes=0 fnv1a32=811c9dc5\n");
    /* Leading zeros kept; more than 4 GiB counted. */
    ck_assert_int_gt(format_summary(5368709121ULL, 0xabcdu, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "bytes=5368709121 fnv1a32=0000abcd\n");
    ck_assert_int_gt(format_summary(7, 0xDEADBEEFu, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "bytes=7 fnv1a32=deadbeef\n");
}
END_TEST

START_TEST(test_transfer_summary_line_too_long)
{
    char buf[26];

    ck_assert_int_eq(format_summary(0, FNV1A32_INIT, buf, 26), 25);   /* just fits */
    ck_assert_str_eq(buf, "bytes=0 fnv1a32=811c9dc5\n");              /* and is whole */
    ck_assert_int_eq(format_summary(0, FNV1A32_INIT, buf, 25), -1);
    ck_assert_int_eq(format_summary(10, FNV1A32_INIT, buf, 26), -1);
}
END_TEST

START_TEST(test_transfer_receive_timeout)
{
    DWORD got = 0;
    int len = (int)sizeof got;
    char byte;

    ck_assert_int_eq(set_receive_timeout(client, 1500), 0);
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_RCVTIMEO, (char *)&got, &len), 0);
    /* A struct timeval {1, 500000} reads as 1 ms: Windows takes a DWORD of ms. */
    ck_assert_msg(got >= 1400 && got <= 1600, "SO_RCVTIMEO reads back as %u ms, not 1500",
                  (unsigned)got);
    ck_assert_int_eq(set_receive_timeout(client, 120), 0);
    ck_assert_wsa_error(recv(client, &byte, 1, 0), SOCKET_ERROR, WSAETIMEDOUT);
}
END_TEST

START_TEST(test_transfer_nodelay)
{
    int on = 0, len = (int)sizeof on;

    ck_assert_int_eq(set_nodelay(client), 0);
    ck_assert_int_eq(getsockopt(client, IPPROTO_TCP, TCP_NODELAY, (char *)&on, &len), 0);
    ck_assert_msg(on == 1, "TCP_NODELAY reads back as %d, not 1", on);
}
END_TEST

/* Zeroes the stack below the caller's frame, so that a function it calls next finds 0
   in a variable it forgot to set, whatever ran there before. */
static void clear_stack(void)
{
    volatile char junk[4096];

    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0;
}

START_TEST(test_transfer_abortive_close)
{
    struct linger lg;
    int len = (int)sizeof lg;

    memset(&lg, 0x55, sizeof lg);
    clear_stack();      /* both fields must be set: l_onoff left to chance reads 0 */
    ck_assert_int_eq(set_abortive_close(client), 0);
    ck_assert_int_eq(getsockopt(client, SOL_SOCKET, SO_LINGER, (char *)&lg, &len), 0);
    ck_assert_msg(lg.l_onoff != 0 && lg.l_linger == 0, "SO_LINGER reads back as {%d, %d}, "
                  "not {1, 0}", (int)lg.l_onoff, (int)lg.l_linger);
}
END_TEST

START_TEST(test_transfer_read_int_option)
{
    int value = 0x5a5a5a5a;
    BOOL on = TRUE;

    /* Windows writes one byte of TCP_NODELAY: the other three must be 0 already. */
    ck_assert_int_eq(read_int_option(client, IPPROTO_TCP, TCP_NODELAY, &value), 0);
    ck_assert_msg(value == 0, "TCP_NODELAY of a fresh socket read as %d, not 0", value);
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_KEEPALIVE, (const char *)&on,
                                (int)sizeof on), 0);
    value = 0x5a5a5a5a;
    ck_assert_int_eq(read_int_option(client, SOL_SOCKET, SO_KEEPALIVE, &value), 0);
    ck_assert_msg(value == 1, "SO_KEEPALIVE read as %d, not 1", value);
    ck_assert_int_eq(read_int_option(client, SOL_SOCKET, SO_RCVBUF, &value), 0);
    ck_assert_int_gt(value, 0);
}
END_TEST

START_TEST(test_transfer_read_int_option_error)
{
    int value = 0;
    SOCKET s = client;

    closesocket(s);
    client = INVALID_SOCKET;
    ck_assert_int_eq(read_int_option(s, SOL_SOCKET, SO_RCVBUF, &value), WSAENOTSOCK);
}
END_TEST

START_TEST(test_transfer_options_errors)
{
    /* Each returns setsockopt's own error: no socket is no option. */
    ck_assert_int_eq(set_receive_timeout(INVALID_SOCKET, 100), WSAENOTSOCK);
    ck_assert_int_eq(set_nodelay(INVALID_SOCKET), WSAENOTSOCK);
    ck_assert_int_eq(set_abortive_close(INVALID_SOCKET), WSAENOTSOCK);
}
END_TEST

START_TEST(test_transfer_send_all_and_summarise)
{
    static char data[32768];
    unsigned long long bytes = 0;
    uint32_t hash = 0;

    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7 + i / 256);
    /* 32 KiB fit in the sockets' buffers: one thread can send them all first. */
    ck_assert_int_eq(send_all(client, data, 20000), 0);
    ck_assert_int_eq(send_all(client, data + 20000, (int)sizeof data - 20000), 0);
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(summarise(server, &bytes, &hash), 0);
    ck_assert_msg(bytes == sizeof data, "summarise counted %llu bytes, not %u", bytes,
                  (unsigned)sizeof data);
    ck_assert_uint_eq(hash, fnv1a32(FNV1A32_INIT, data, sizeof data));
}
END_TEST

START_TEST(test_transfer_summarise_nothing)
{
    unsigned long long bytes = 99;
    uint32_t hash = 0;

    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(summarise(server, &bytes, &hash), 0);
    ck_assert_uint_eq(bytes, 0);
    ck_assert_uint_eq(hash, FNV1A32_INIT);
}
END_TEST

START_TEST(test_transfer_summarise_one_byte)
{
    unsigned long long bytes = 0;
    uint32_t hash = 0;

    /* One byte is a piece too: recv returns 1, then 0. */
    ck_assert_int_eq(send_all(client, "x", 1), 0);
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(summarise(server, &bytes, &hash), 0);
    ck_assert_msg(bytes == 1, "summarise counted %llu bytes of a 1-byte stream", bytes);
    ck_assert_uint_eq(hash, hash_of("x"));
}
END_TEST

START_TEST(test_transfer_errors)
{
    unsigned long long bytes;
    uint32_t hash;

    /* After shutdown(SD_SEND), send fails with WSAESHUTDOWN. */
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(send_all(client, "x", 1), WSAESHUTDOWN);
    /* Nothing comes and no end-of-file either: the receive timeout ends the wait. */
    ck_assert_int_eq(set_receive_timeout(client, 100), 0);
    ck_assert_int_eq(summarise(client, &bytes, &hash), WSAETIMEDOUT);
}
END_TEST

static Suite *transfer_suite(void)
{
    Suite *s = suite_create("transfer");
    TCase *tc;

    tc = tcase_create("Hash");
    tcase_add_test(tc, test_transfer_fnv1a32_vectors);
    tcase_add_test(tc, test_transfer_fnv1a32_bytes);
    tcase_add_test(tc, test_transfer_fnv1a32_in_pieces);
    suite_add_tcase(s, tc);

    tc = tcase_create("Summary");
    tcase_add_test(tc, test_transfer_summary_line);
    tcase_add_test(tc, test_transfer_summary_line_too_long);
    suite_add_tcase(s, tc);

    tc = tcase_create("Options");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_transfer_receive_timeout);
    tcase_add_test(tc, test_transfer_nodelay);
    tcase_add_test(tc, test_transfer_abortive_close);
    tcase_add_test(tc, test_transfer_read_int_option);
    tcase_add_test(tc, test_transfer_read_int_option_error);
    tcase_add_test(tc, test_transfer_options_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("Stream");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_transfer_send_all_and_summarise);
    tcase_add_test(tc, test_transfer_summarise_nothing);
    tcase_add_test(tc, test_transfer_summarise_one_byte);
    tcase_add_test(tc, test_transfer_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(transfer_suite(), argc, argv);
}
