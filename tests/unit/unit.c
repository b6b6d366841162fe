/*
 * unit.c - the shared main of the kit's Check test programs.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void unit_stop_winsock(void)
{
    while (WSACleanup() == 0)
        ;
}

void unit_start_winsock(void)
{
    WSADATA data;

    unit_stop_winsock();
    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
}

/* The loopback address of family, with port (host order) in it. */
static int loopback(int family, unsigned short port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_loopback;
        a6->sin6_port = htons(port);
        return (int)sizeof *a6;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a4->sin_port = htons(port);
    return (int)sizeof *a4;
}

SOCKET unit_listener(int family, char *port)
{
    struct sockaddr_storage ss;
    int len = loopback(family, 0, &ss);
    SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);

    ck_assert(s != INVALID_SOCKET);
    ck_assert_int_eq(bind(s, (struct sockaddr *)&ss, len), 0);
    ck_assert_int_eq(listen(s, 8), 0);
    unit_port_of(s, port);
    return s;
}

void unit_port_of(SOCKET s, char *port)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;

    ck_assert_int_eq(getsockname(s, (struct sockaddr *)&ss, &len), 0);
    snprintf(port, 6, "%u", ntohs(ss.ss_family == AF_INET6
                                  ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                  : ((struct sockaddr_in *)&ss)->sin_port));
}

void unit_fill(char *buf, int len, unsigned seed)
{
    for (int i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        buf[i] = (char)(seed >> 16);
    }
}

SOCKET unit_bound(int family, const char *port)
{
    struct sockaddr_storage ss;
    int len = loopback(family, (unsigned short)atoi(port), &ss);
    SOCKET s = socket(family, SOCK_STREAM, IPPROTO_TCP);

    ck_assert(s != INVALID_SOCKET);
    if (bind(s, (struct sockaddr *)&ss, len) != 0) {
        closesocket(s);
        return INVALID_SOCKET;
    }
    return s;
}

void unit_pair(SOCKET listener, SOCKET *client, SOCKET *server)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;

    ck_assert_int_eq(getsockname(listener, (struct sockaddr *)&ss, &len), 0);
    *client = socket(ss.ss_family, SOCK_STREAM, IPPROTO_TCP);
    ck_assert(*client != INVALID_SOCKET);
    ck_assert_int_eq(connect(*client, (struct sockaddr *)&ss, len), 0);
    *server = accept(listener, NULL, NULL);
    ck_assert(*server != INVALID_SOCKET);
}

void unit_recv_exactly(SOCKET s, char *buf, int len)
{
    int got = 0;

    while (got < len) {
        int n = recv(s, buf + got, len - got, 0);
        ck_assert_msg(n > 0, "recv returned %d after %d of %d bytes (error %d)", n, got, len,
                      WSAGetLastError());
        got += n;
    }
}

const char *unit_hex(const void *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *bytes = p;
    size_t shown = len > 64 ? 64 : len;

    for (size_t i = 0; i < shown; i++) {
        out[2 * i] = digits[bytes[i] >> 4];
        out[2 * i + 1] = digits[bytes[i] & 0xf];
    }
    out[2 * shown] = '\0';
    if (shown < len)
        memcpy(out + 2 * shown - 2, "..", 3);
    return out;
}

void unit_close(SOCKET *s)
{
    if (*s != INVALID_SOCKET)
        closesocket(*s);
    *s = INVALID_SOCKET;
}

/* The verdict a grader can check: each test's result, then the count, written after
   every test has run to the file KIT_UNIT_REPORT names, each line led by the run's
   secret (KIT_UNIT_SECRET). A program that ends before its tests have run (an exit
   in a constructor, say) leaves no report, which the grader counts as a failure. */
static char report_path[4096], report_secret[128], reached_path[4096 + 16];
/* The test file's unit_proof_ (unit.h), given before any test ran. */
static const void *test_file_proof;

/* Each test that returns says so (unit.h's START_TEST), from the process it ran in,
   to a file of its own beside the report, which the report then holds. A call
   without the test file's proof is not the kit's, and records nothing. */
void unit_reached(const void *proof)
{
    FILE *f;

    if (report_path[0] == '\0' || proof == NULL || proof != test_file_proof)
        return;
    f = fopen(reached_path, "a");
    if (f == NULL)
        return;
    fprintf(f, "%s reached %s\n", report_secret, tcase_name());
    fclose(f);
}

static void copy_reached(FILE *report)
{
    char line[512];
    FILE *f = fopen(reached_path, "r");

    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL)
        fputs(line, report);
    fclose(f);
    remove(reached_path);
}

static void take_report_request(void)
{
    const char *path = getenv("KIT_UNIT_REPORT");
    const char *secret = getenv("KIT_UNIT_SECRET");

    if (path == NULL || secret == NULL)
        return;
    snprintf(report_path, sizeof report_path, "%s", path);
    snprintf(report_secret, sizeof report_secret, "%s", secret);
    snprintf(reached_path, sizeof reached_path, "%s.reached", path);
    remove(reached_path);
    /* The functions under test have no business with either. */
    putenv("KIT_UNIT_SECRET=");
    putenv("KIT_UNIT_REPORT=");
}

static const char *result_word(int type)
{
    return type == CK_PASS ? "pass" : type == CK_FAILURE ? "failure" : "error";
}

static void write_report(SRunner *runner)
{
    TestResult **results;
    int n;
    FILE *f;

    if (report_path[0] == '\0')
        return;
    f = fopen(report_path, "w");
    if (f == NULL)
        return;
    results = srunner_results(runner);
    n = srunner_ntests_run(runner);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s result %s %s\n", report_secret, tr_tcname(results[i]),
                result_word(tr_rtype(results[i])));
    copy_reached(f);
    fprintf(f, "%s end %d\n", report_secret, n);
    free(results);
    fclose(f);
}

int unit_main_(Suite *suite, int argc, char **argv, const void *proof)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    SRunner *runner;
    int failed, ran;

    if (test_file_proof == NULL)
        test_file_proof = proof;
    take_report_request();
    runner = srunner_create(suite);
    /* On Windows Check cannot fork: each case runs in this process, so the grader
       runs one case per process instead. */
    srunner_run(runner, NULL, only, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    ran = srunner_ntests_run(runner);
    write_report(runner);
    srunner_free(runner);
    if (ran == 0) {
        fprintf(stderr, "no test case named '%s'\n", only ? only : "");
        return 2;
    }
    return failed == 0 ? 0 : 1;
}
