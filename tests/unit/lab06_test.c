/*
 * lab06_test.c - Check tests of lab 06's functions (chat.c): lines taken from a
 * client's input in any pieces, its bounded output, and non-blocking reads and sends
 * over loopback connections the tests set up. Each test case is graded on its own:
 * see grader/test_lab06_chat.py.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "unit.h"

/* How long a test waits for a socket to be ready, at most. */
#define READY_SECONDS 10

static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;
static struct client *c;

static void open_pair(void)
{
    char port[8];

    unit_start_winsock();
    listener = unit_listener(AF_INET, port);
    unit_pair(listener, &client, &server);
    c = calloc(1, sizeof *c);
    ck_assert(c != NULL);
    c->s = server;
}

static void no_sockets(void)
{
    c = calloc(1, sizeof *c);
    ck_assert(c != NULL);
    c->s = INVALID_SOCKET;
}

static void close_all(void)
{
    unit_close(&listener);
    unit_close(&client);
    unit_close(&server);
    unit_stop_winsock();
    free(c);
    c = NULL;
}

static void free_client(void)
{
    free(c);
    c = NULL;
}

/* Waits until s is readable (or writable), failing the test after READY_SECONDS. */
static void wait_ready(SOCKET s, int writable)
{
    fd_set set;
    struct timeval tv = { READY_SECONDS, 0 };

    FD_ZERO(&set);
    FD_SET(s, &set);
    ck_assert_msg(select(0, writable ? NULL : &set, writable ? &set : NULL, NULL, &tv) == 1,
                  "the socket was not %s within %d s", writable ? "writable" : "readable",
                  READY_SECONDS);
}

/* Puts text into c->in as if it had been received. */
static void given_input(const char *text, int len)
{
    memcpy(c->in + c->in_len, text, (size_t)len);
    c->in_len += len;
}

/* --- Names: client_name (given) ------------------------------------------------------ */

static void winsock_only(void)
{
    unit_start_winsock();
}

static void no_winsock(void)
{
    unit_stop_winsock();
}

START_TEST(test_chat_name_ipv4)
{
    struct sockaddr_in a;
    char name[CHAT_NAME_MAX];

    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(50312);
    ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &a.sin_addr), 1);
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, sizeof name), 0);
    ck_assert_str_eq(name, "127.0.0.1:50312");
    /* Room for the name and its '\0' exactly, then one byte less. */
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, 16), 0);
    ck_assert_str_eq(name, "127.0.0.1:50312");
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, 15), -1);
}
END_TEST

START_TEST(test_chat_name_ipv6)
{
    struct sockaddr_in6 a;
    char name[CHAT_NAME_MAX];

    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(50312);
    ck_assert_int_eq(inet_pton(AF_INET6, "::1", &a.sin6_addr), 1);
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, sizeof name), 0);
    ck_assert_str_eq(name, "[::1]:50312");
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, 12), 0);
    ck_assert_str_eq(name, "[::1]:50312");
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, 11), -1);
}
END_TEST

START_TEST(test_chat_name_other_family)
{
    struct sockaddr_storage a;
    char name[CHAT_NAME_MAX];

    memset(&a, 0, sizeof a);
    a.ss_family = AF_UNSPEC;
    ck_assert_int_eq(client_name((struct sockaddr *)&a, name, sizeof name), -1);
}
END_TEST

/* --- Lines: take_line ------------------------------------------------------------- */

START_TEST(test_chat_one_line)
{
    char line[CHAT_LINE_MAX];

    given_input("hello\n", 6);
    ck_assert_int_eq(take_line(c, line), 6);
    ck_assert_mem_eq(line, "hello\n", 6);
    ck_assert_int_eq(c->in_len, 0);
    ck_assert_int_eq(take_line(c, line), 0);
}
END_TEST

START_TEST(test_chat_line_in_pieces)
{
    char line[CHAT_LINE_MAX];
    const char *text = "a line in pieces\n";
    int len = (int)strlen(text);

    for (int i = 0; i < len - 1; i++) {
        given_input(text + i, 1);
        ck_assert_msg(take_line(c, line) == 0, "a line taken before its '\\n' (%d bytes)",
                      i + 1);
        ck_assert_int_eq(c->in_len, i + 1);
    }
    given_input(text + len - 1, 1);
    ck_assert_int_eq(take_line(c, line), len);
    ck_assert_mem_eq(line, text, (size_t)len);
    ck_assert_int_eq(c->in_len, 0);
}
END_TEST

START_TEST(test_chat_several_lines)
{
    char line[CHAT_LINE_MAX];

    given_input("one\n\ntwo\r\nthr", 13);
    ck_assert_int_eq(take_line(c, line), 4);
    ck_assert_mem_eq(line, "one\n", 4);
    ck_assert_int_eq(take_line(c, line), 1);
    ck_assert_mem_eq(line, "\n", 1);
    ck_assert_int_eq(take_line(c, line), 5);
    ck_assert_mem_eq(line, "two\r\n", 5);
    ck_assert_int_eq(take_line(c, line), 0);
    ck_assert_int_eq(c->in_len, 3);
    ck_assert_mem_eq(c->in, "thr", 3);
    given_input("ee\n", 3);
    ck_assert_int_eq(take_line(c, line), 6);
    ck_assert_mem_eq(line, "three\n", 6);
}
END_TEST

START_TEST(test_chat_binary_line)
{
    char line[CHAT_LINE_MAX];

    given_input("a\0b\x1a\xff\n", 6);
    ck_assert_int_eq(take_line(c, line), 6);
    ck_assert_mem_eq(line, "a\0b\x1a\xff\n", 6);
}
END_TEST

START_TEST(test_chat_longest_line)
{
    char *text = malloc(CHAT_LINE_MAX), line[CHAT_LINE_MAX];

    memset(text, 'x', CHAT_LINE_MAX - 1);
    text[CHAT_LINE_MAX - 1] = '\n';
    given_input(text, CHAT_LINE_MAX);
    ck_assert_int_eq(take_line(c, line), CHAT_LINE_MAX);
    ck_assert_mem_eq(line, text, CHAT_LINE_MAX);
    free(text);
}
END_TEST

START_TEST(test_chat_line_too_long)
{
    char *text = malloc(CHAT_LINE_MAX), line[CHAT_LINE_MAX];

    memset(text, 'x', CHAT_LINE_MAX);
    given_input(text, CHAT_LINE_MAX - 1);
    ck_assert_int_eq(take_line(c, line), 0);
    given_input(text, 1);
    ck_assert_int_eq(take_line(c, line), -1);
    free(text);
}
END_TEST

/* --- Output: queue_output ------------------------------------------------------------ */

START_TEST(test_chat_queue_appends)
{
    ck_assert_int_eq(queue_output(c, "ab", 2), 0);
    ck_assert_int_eq(queue_output(c, "", 0), 0);
    ck_assert_int_eq(queue_output(c, "c\n", 2), 0);
    ck_assert_int_eq(c->out_len, 4);
    ck_assert_mem_eq(c->out, "abc\n", 4);
}
END_TEST

START_TEST(test_chat_queue_bounded)
{
    char *block = malloc(CHAT_OUT_MAX);

    unit_fill(block, CHAT_OUT_MAX, 61);
    ck_assert_int_eq(queue_output(c, block, CHAT_OUT_MAX - 10), 0);
    ck_assert_int_eq(queue_output(c, "0123456789A", 11), -1);
    ck_assert_int_eq(c->out_len, CHAT_OUT_MAX - 10);        /* none of it */
    ck_assert_int_eq(queue_output(c, block + CHAT_OUT_MAX - 10, 10), 0);
    ck_assert_int_eq(c->out_len, CHAT_OUT_MAX);
    ck_assert_mem_eq(c->out, block, CHAT_OUT_MAX);
    ck_assert_int_eq(queue_output(c, "x", 1), -1);
    free(block);
}
END_TEST

/* --- Nonblocking: set_nonblocking, read_client --------------------------------------- */

START_TEST(test_chat_read_would_block)
{
    ck_assert_int_eq(set_nonblocking(server), 0);
    ck_assert_wsa_error(read_client(c), SOCKET_ERROR, WSAEWOULDBLOCK);
    ck_assert_int_eq(c->in_len, 0);
}
END_TEST

START_TEST(test_chat_nonblocking_result)
{
    /* 0 on success, whatever an earlier call left for WSAGetLastError; ioctlsocket's
       error code on a failure. */
    WSASetLastError(WSAEWOULDBLOCK);
    ck_assert_int_eq(set_nonblocking(server), 0);
    ck_assert_int_ne(set_nonblocking(INVALID_SOCKET), 0);
}
END_TEST

START_TEST(test_chat_read_appends)
{
    ck_assert_int_eq(set_nonblocking(server), 0);
    ck_assert_int_eq(send(client, "abc", 3, 0), 3);
    wait_ready(server, 0);
    ck_assert_int_eq(read_client(c), 3);
    ck_assert_int_eq(send(client, "de\n", 3, 0), 3);
    wait_ready(server, 0);
    ck_assert_int_eq(read_client(c), 3);
    ck_assert_int_eq(c->in_len, 6);
    ck_assert_mem_eq(c->in, "abcde\n", 6);
}
END_TEST

START_TEST(test_chat_read_only_free_part)
{
    char data[100];
    int n;

    unit_fill(data, (int)sizeof data, 62);
    ck_assert_int_eq(set_nonblocking(server), 0);
    c->in_len = CHAT_LINE_MAX - 5;
    ck_assert_int_eq(send(client, data, (int)sizeof data, 0), (int)sizeof data);
    wait_ready(server, 0);
    n = read_client(c);
    ck_assert_msg(n >= 1 && n <= 5, "read_client returned %d with 5 bytes free in c->in", n);
    ck_assert_int_eq(c->in_len, CHAT_LINE_MAX - 5 + n);
    ck_assert_mem_eq(c->in + CHAT_LINE_MAX - 5, data, (size_t)n);
}
END_TEST

START_TEST(test_chat_read_closed)
{
    ck_assert_int_eq(set_nonblocking(server), 0);
    unit_close(&client);
    wait_ready(server, 0);
    ck_assert_int_eq(read_client(c), 0);
}
END_TEST

/* --- Flush: flush_output -------------------------------------------------------------- */

/* Reads want bytes on the client's end into got, calling flush_output whenever the
   server's side has output left, as the server's loop would. */
static void drain(char *got, int want)
{
    int have = 0;

    while (have < want) {
        int n;

        if (c->out_len > 0)
            ck_assert_int_eq(flush_output(c), 0);
        wait_ready(client, 0);
        n = recv(client, got + have, want - have, 0);
        ck_assert_msg(n > 0, "recv returned %d after %d of %d bytes", n, have, want);
        have += n;
    }
}

START_TEST(test_chat_flush_sends_all)
{
    char got[1000];

    ck_assert_int_eq(set_nonblocking(server), 0);
    ck_assert_int_eq(queue_output(c, "first\nsecond\n", 13), 0);
    ck_assert_int_eq(flush_output(c), 0);
    ck_assert_int_eq(c->out_len, 0);
    unit_recv_exactly(client, got, 13);
    ck_assert_mem_eq(got, "first\nsecond\n", 13);
    ck_assert_int_eq(flush_output(c), 0);           /* nothing to send: nothing sent */
}
END_TEST

/* The peer takes nothing: the socket's buffers fill, flush_output keeps the rest, and
   every byte arrives in order once the peer reads. */
START_TEST(test_chat_flush_keeps_rest)
{
    enum { CHUNK = 65536, LIMIT = 64 << 20, TAIL = 1000 };
    char *chunk = malloc(CHUNK), tail[TAIL], *got;
    int filled = 0, n = 0, kept;

    unit_fill(chunk, CHUNK, 63);
    unit_fill(tail, TAIL, 64);
    ck_assert_int_eq(set_nonblocking(server), 0);
    while (filled < LIMIT && (n = send(server, chunk, CHUNK, 0)) > 0)
        filled += n;
    ck_assert_wsa_error(n, SOCKET_ERROR, WSAEWOULDBLOCK);
    ck_assert_int_eq(queue_output(c, tail, TAIL), 0);
    ck_assert_int_eq(flush_output(c), 0);
    kept = c->out_len;
    ck_assert_msg(kept > 0, "flush_output sent everything to a peer that reads nothing");
    ck_assert_mem_eq(c->out, tail + TAIL - kept, (size_t)kept);
    got = malloc((size_t)filled + TAIL);
    drain(got, filled + TAIL);
    for (int at = 0; at < filled; at += CHUNK)
        ck_assert_mem_eq(got + at, chunk, (size_t)(filled - at < CHUNK ? filled - at : CHUNK));
    ck_assert_mem_eq(got + filled, tail, TAIL);
    ck_assert_int_eq(c->out_len, 0);
    free(chunk);
    free(got);
}
END_TEST

/* The byte at offset i of what test_chat_flush_partial queues. */
static char stream_byte(long i)
{
    return (char)((i * 131 + (i >> 9)) & 0xFF);
}

/* The index of the first of the len bytes at p that differs from the stream's bytes
   from offset from on, or len. (A ck_assert per byte would be slow: each one marks a
   point for Check.) */
static int first_wrong(const char *p, int len, long from)
{
    int i = 0;

    while (i < len && p[i] == stream_byte(from + i))
        i++;
    return i;
}

/* Checks that c->out holds the last c->out_len bytes of the stream's first QUEUED. */
static void check_rest(long queued)
{
    int at = first_wrong(c->out, c->out_len, queued - c->out_len);

    ck_assert_msg(at == c->out_len, "after flush_output, byte %d of the %d bytes left in "
                  "c->out is not the unsent rest of what was queued, in order", at,
                  c->out_len);
}

/* Reads what has come on the client's end (at most max bytes) and checks it is the
   stream from offset taken on. Returns the count read. */
static int take_some(long taken, int max)
{
    static char got[65536];
    int n;

    wait_ready(client, 0);
    n = recv(client, got, max < (int)sizeof got ? max : (int)sizeof got, 0);
    ck_assert_msg(n > 0, "recv returned %d after %ld bytes", n, taken);
    ck_assert_msg(first_wrong(got, n, taken) == n, "byte %ld the peer received is not "
                  "the one queued there", taken + first_wrong(got, n, taken));
    return n;
}

/* The socket takes a part of what is queued: each flush_output sends what it takes and
   leaves the rest at the start of c->out, in order; what was sent arrives, in order. */
START_TEST(test_chat_flush_partial)
{
    enum { PIECE = 40000, LIMIT = 8 << 20 };
    static char piece[PIECE];
    long queued = 0, taken = 0;
    int partial = 0, small = 16384;

    /* A small send buffer, so that the socket is soon full. */
    ck_assert_int_eq(setsockopt(server, SOL_SOCKET, SO_SNDBUF, (const char *)&small,
                                (int)sizeof small), 0);
    ck_assert_int_eq(set_nonblocking(server), 0);
    while (!partial && taken < LIMIT) {
        int room = CHAT_OUT_MAX - c->out_len, len = room < PIECE ? room : PIECE, before;

        for (int i = 0; i < len; i++)
            piece[i] = stream_byte(queued + i);
        ck_assert_int_eq(queue_output(c, piece, len), 0);
        queued += len;
        before = c->out_len;
        ck_assert_int_eq(flush_output(c), 0);
        check_rest(queued);
        partial = c->out_len > 0 && c->out_len < before;
        if (c->out_len == before)           /* the socket took nothing: the peer reads */
            taken += take_some(taken, (int)(queued - c->out_len - taken));
    }
    while (taken < queued - c->out_len)     /* what was sent arrives, in order */
        taken += take_some(taken, (int)(queued - c->out_len - taken));
}
END_TEST

START_TEST(test_chat_flush_reset)
{
    struct linger hard = { 1, 0 };
    int rc = 0;

    ck_assert_int_eq(set_nonblocking(server), 0);
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_LINGER, (const char *)&hard,
                                (int)sizeof hard), 0);
    unit_close(&client);                    /* a reset: the peer has vanished */
    wait_ready(server, 0);
    /* The first send after a reset may still be taken; a later one fails. */
    for (int i = 0; i < 3 && rc == 0; i++) {
        ck_assert_int_eq(queue_output(c, "hello\n", 6), 0);
        rc = flush_output(c);
    }
    ck_assert_msg(rc != 0 && rc != WSAEWOULDBLOCK,
                  "flush_output to a peer that reset returned %d", rc);
}
END_TEST

static Suite *lab06_suite(void)
{
    Suite *s = suite_create("lab06");
    TCase *tc;

    tc = tcase_create("Names");
    tcase_add_checked_fixture(tc, winsock_only, no_winsock);
    tcase_add_test(tc, test_chat_name_ipv4);
    tcase_add_test(tc, test_chat_name_ipv6);
    tcase_add_test(tc, test_chat_name_other_family);
    suite_add_tcase(s, tc);

    tc = tcase_create("Lines");
    tcase_add_checked_fixture(tc, no_sockets, free_client);
    tcase_add_test(tc, test_chat_one_line);
    tcase_add_test(tc, test_chat_line_in_pieces);
    tcase_add_test(tc, test_chat_several_lines);
    tcase_add_test(tc, test_chat_binary_line);
    tcase_add_test(tc, test_chat_longest_line);
    tcase_add_test(tc, test_chat_line_too_long);
    suite_add_tcase(s, tc);

    tc = tcase_create("Output");
    tcase_add_checked_fixture(tc, no_sockets, free_client);
    tcase_add_test(tc, test_chat_queue_appends);
    tcase_add_test(tc, test_chat_queue_bounded);
    suite_add_tcase(s, tc);

    tc = tcase_create("Nonblocking");
    tcase_add_checked_fixture(tc, open_pair, close_all);
    tcase_add_test(tc, test_chat_read_would_block);
    tcase_add_test(tc, test_chat_nonblocking_result);
    tcase_add_test(tc, test_chat_read_appends);
    tcase_add_test(tc, test_chat_read_only_free_part);
    tcase_add_test(tc, test_chat_read_closed);
    suite_add_tcase(s, tc);

    tc = tcase_create("Flush");
    tcase_add_checked_fixture(tc, open_pair, close_all);
    tcase_add_test(tc, test_chat_flush_sends_all);
    tcase_add_test(tc, test_chat_flush_keeps_rest);
    tcase_add_test(tc, test_chat_flush_partial);
    tcase_add_test(tc, test_chat_flush_reset);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(lab06_suite(), argc, argv);
}
