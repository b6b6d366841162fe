/*
 * lab01_test.c - Check tests of lab 01's functions (wsabasics.c). Each test case is
 * graded on its own: see grader/test_lab01_wsastartup.py.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>     /* dup, dup2 and close of a file descriptor (MinGW's too) */

#include "wsabasics.h"
#include "unit.h"

/* resolve.c's own functions, print_addresses among them, with its main renamed. */
#define main resolve_main
#include "resolve.c"
#undef main

static void start(void)
{
    WSADATA data;

    unit_stop_winsock();
    ck_assert_int_eq(WSAStartup(MAKEWORD(2, 2), &data), 0);
}

START_TEST(test_wsabasics_parse_version)
{
    WORD v = 0;

    ck_assert_int_eq(parse_version("2.2", &v), 0);
    ck_assert_uint_eq(v, MAKEWORD(2, 2));
    ck_assert_int_eq(parse_version("1.0", &v), 0);
    ck_assert_uint_eq(v, 0x0001);   /* major in the low byte */
    ck_assert_int_eq(parse_version("2.1", &v), 0);
    ck_assert_uint_eq(v, 0x0102);
    ck_assert_int_eq(parse_version("255.255", &v), 0);
    ck_assert_uint_eq(v, 0xffff);
    /* '9' is a digit too, first or last. */
    ck_assert_int_eq(parse_version("9.19", &v), 0);
    ck_assert_uint_eq(v, MAKEWORD(9, 19));
}
END_TEST

START_TEST(test_wsabasics_parse_version_rejects)
{
    static const char *bad[] = { "", "2", "2.", ".2", "2.2.2", "256.0", "2.256", "a.b",
                                 "2,2", "-1.0", " 2.2", "2.2 ", "2. 2", "2.+2",
                                 "2.-2", "+2.2", "2 .2", "2.0x1",
                                 /* the characters on either side of '0' to '9' */
                                 "1/.0", "2.1/", "1:.0", "2.1:" };
    WORD v = 0x1234;

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(parse_version(bad[i], &v) == -1, "parse_version(\"%s\") accepted it",
                      bad[i]);
    ck_assert_int_eq(parse_version(NULL, &v), -1);
}
END_TEST

START_TEST(test_wsabasics_format_version)
{
    char buf[16];

    ck_assert_str_eq(format_version(MAKEWORD(2, 2), buf, sizeof buf), "2.2");
    ck_assert_str_eq(format_version(MAKEWORD(1, 0), buf, sizeof buf), "1.0");
    ck_assert_str_eq(format_version(0x0102, buf, sizeof buf), "2.1");
    ck_assert_str_eq(format_version(0xff00, buf, sizeof buf), "0.255");
    /* A buffer that holds the text and its '\0' exactly is big enough. */
    ck_assert_str_eq(format_version(MAKEWORD(2, 2), buf, 4), "2.2");
    ck_assert_str_eq(format_version(0xffff, buf, 8), "255.255");
}
END_TEST

START_TEST(test_wsabasics_compare_versions)
{
    ck_assert_int_eq(compare_versions(MAKEWORD(2, 2), MAKEWORD(2, 2)), 0);
    ck_assert_int_lt(compare_versions(MAKEWORD(2, 0), MAKEWORD(2, 2)), 0);
    ck_assert_int_gt(compare_versions(MAKEWORD(2, 1), MAKEWORD(2, 0)), 0);
    /* 2.0 is newer than 1.1, though its word 0x0002 is smaller than 0x0101. */
    ck_assert_int_gt(compare_versions(MAKEWORD(2, 0), MAKEWORD(1, 1)), 0);
    ck_assert_int_lt(compare_versions(MAKEWORD(1, 9), MAKEWORD(2, 0)), 0);
}
END_TEST

START_TEST(test_wsabasics_start_winsock)
{
    WSADATA data;

    ck_assert_int_eq(start_winsock(MAKEWORD(2, 2), MAKEWORD(2, 0), &data), 0);
    ck_assert_uint_eq(data.wVersion, MAKEWORD(2, 2));
    /* Started: sockets can be made, and one WSACleanup undoes it. */
    SOCKET s = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_msg(s != INVALID_SOCKET, "socket failed with %d after start_winsock",
                  WSAGetLastError());
    closesocket(s);
    ck_assert_int_eq(WSACleanup(), 0);
    ck_assert_int_eq(WSACleanup(), SOCKET_ERROR);
}
END_TEST

START_TEST(test_wsabasics_start_winsock_too_old)
{
    WSADATA data;

    /* 1.1 is granted, but 2.0 is needed: refuse, and leave Winsock stopped. */
    ck_assert_int_eq(start_winsock(MAKEWORD(1, 1), MAKEWORD(2, 0), &data),
                     WSAVERNOTSUPPORTED);
    ck_assert_msg(WSACleanup() == SOCKET_ERROR,
                  "Winsock was left started: call WSACleanup before refusing the version");
}
END_TEST

START_TEST(test_wsabasics_start_winsock_refused)
{
    WSADATA data;

    ck_assert_int_eq(start_winsock(MAKEWORD(0, 5), MAKEWORD(0, 1), &data),
                     WSAVERNOTSUPPORTED);
    ck_assert_int_eq(WSACleanup(), SOCKET_ERROR);
}
END_TEST

/* Formats the first address that host and port resolve to. */
static void first_endpoint(const char *host, const char *port, char *buf, size_t size)
{
    struct addrinfo *list = NULL;

    ck_assert_int_eq(resolve_host(host, port, &list), 0);
    ck_assert_ptr_nonnull(list);
    ck_assert_int_eq(format_endpoint(list->ai_addr, buf, size), 0);
    freeaddrinfo(list);
}

START_TEST(test_wsabasics_endpoint_ipv4)
{
    char buf[64];

    first_endpoint("127.0.0.1", "8080", buf, sizeof buf);
    ck_assert_str_eq(buf, "AF_INET 127.0.0.1:8080");
    first_endpoint("10.1.2.3", "1", buf, sizeof buf);   /* numeric: nothing is sent */
    ck_assert_str_eq(buf, "AF_INET 10.1.2.3:1");
    first_endpoint("192.168.255.254", "65535", buf, sizeof buf);
    ck_assert_str_eq(buf, "AF_INET 192.168.255.254:65535");
}
END_TEST

START_TEST(test_wsabasics_endpoint_ipv6)
{
    char buf[80];

    first_endpoint("::1", "443", buf, sizeof buf);
    ck_assert_str_eq(buf, "AF_INET6 [::1]:443");
    first_endpoint("2001:db8::ff00:42:8329", "258", buf, sizeof buf);
    ck_assert_str_eq(buf, "AF_INET6 [2001:db8::ff00:42:8329]:258");
    /* Room for the text and its '\0' exactly: it fits, every digit of it. */
    first_endpoint("::1", "443", buf, sizeof "AF_INET6 [::1]:443");
    ck_assert_str_eq(buf, "AF_INET6 [::1]:443");
}
END_TEST

/* Each buffer too small for the LEN characters format_endpoint (or, with RAW,
   format_raw) writes of SA, from 0 bytes to LEN: -1, and not a byte written past it. */
static void too_small(const struct sockaddr *sa, size_t len, int raw)
{
    const char *name = raw ? "format_raw" : "format_endpoint";
    char buf[600];

    ck_assert(len < sizeof buf);
    for (size_t size = 0; size <= len; size++) {
        size_t past = size;
        int rc;

        memset(buf, '#', sizeof buf);
        rc = raw ? format_raw(sa, buf, size) : format_endpoint(sa, buf, size);
        while (past < sizeof buf && buf[past] == '#')
            past++;
        ck_assert_msg(past == sizeof buf, "%s(sa, buf, %u) wrote past the %u bytes of buf "
                      "(at byte %u): the text takes %u characters and its '\\0'", name,
                      (unsigned)size, (unsigned)size, (unsigned)past, (unsigned)len);
        ck_assert_msg(rc == -1, "%s(sa, buf, %u) returned %d: a buffer of %u bytes cannot "
                      "hold %u characters and the '\\0', so -1", name, (unsigned)size, rc,
                      (unsigned)size, (unsigned)len);
    }
}

START_TEST(test_wsabasics_endpoint_by_hand)
{
    struct sockaddr_in in;
    char buf[64];

    /* A sockaddr_in filled in by hand: the port must go in with htons. */
    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(0x1234);
    in.sin_addr.s_addr = htonl(0xc0a80001);
    ck_assert_int_eq(format_endpoint((struct sockaddr *)&in, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "AF_INET 192.168.0.1:4660");
    ck_assert_int_eq(format_endpoint((struct sockaddr *)&in, buf, 8), -1);
    /* Room for the text and its '\0' exactly: it fits, every digit of it. */
    ck_assert_int_eq(format_endpoint((struct sockaddr *)&in, buf,
                                     sizeof "AF_INET 192.168.0.1:4660"), 0);
    ck_assert_str_eq(buf, "AF_INET 192.168.0.1:4660");
    ck_assert_int_eq(format_endpoint((struct sockaddr *)&in, buf,
                                     sizeof "AF_INET 192.168.0.1:4660" - 1), -1);
    too_small((struct sockaddr *)&in, strlen("AF_INET 192.168.0.1:4660"), 0);
}
END_TEST

/* An address of neither family, AF_UNSPEC, in a structure large enough for any. */
static const struct sockaddr *unspecified(struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    ss->ss_family = AF_UNSPEC;
    return (const struct sockaddr *)ss;
}

START_TEST(test_wsabasics_endpoint_other_family)
{
    struct sockaddr_storage ss;
    char buf[64];
    int rc = format_endpoint(unspecified(&ss), buf, sizeof buf);

    ck_assert_msg(rc == -1, "format_endpoint of an AF_UNSPEC address returned %d: another "
                  "family than AF_INET and AF_INET6 is -1", rc);
}
END_TEST

START_TEST(test_wsabasics_raw_ipv4)
{
    struct sockaddr_in in;
    char buf[512];

    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(8080);
    in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(format_raw((struct sockaddr *)&in, buf, sizeof buf), 0);
    ck_assert_msg(strstr(buf, "port:   1f 90 (network byte order; ntohs gives 8080)") != NULL,
                  "no port line with bytes 1f 90 in:\n%s", buf);
    ck_assert_msg(strstr(buf, "addr:   7f 00 00 01\n") != NULL,
                  "no addr line with bytes 7f 00 00 01 in:\n%s", buf);
    ck_assert_msg(strstr(buf, "  family: 2 (AF_INET, host byte order)\n") != NULL,
                  "no family line 'family: 2 (AF_INET, host byte order)' in:\n%s", buf);
}
END_TEST

START_TEST(test_wsabasics_raw_other_family)
{
    struct sockaddr_storage ss;
    char buf[512];
    int rc = format_raw(unspecified(&ss), buf, sizeof buf);

    ck_assert_msg(rc == -1, "format_raw of an AF_UNSPEC address returned %d: another "
                  "family than AF_INET and AF_INET6 is -1", rc);
}
END_TEST

START_TEST(test_wsabasics_raw_exact_fit)
{
    struct sockaddr_in in;
    char buf[512], exact[512];
    size_t len;

    memset(&in, 0, sizeof in);
    in.sin_family = AF_INET;
    in.sin_port = htons(258);
    in.sin_addr.s_addr = htonl(0x0a000001);
    ck_assert_int_eq(format_raw((struct sockaddr *)&in, buf, sizeof buf), 0);
    len = strlen(buf);
    /* Room for the lines and the '\0' exactly: all of it fits. */
    ck_assert_int_eq(format_raw((struct sockaddr *)&in, exact, len + 1), 0);
    ck_assert_str_eq(exact, buf);
    ck_assert_int_eq(format_raw((struct sockaddr *)&in, exact, len), -1);
    too_small((struct sockaddr *)&in, len, 1);
}
END_TEST

START_TEST(test_wsabasics_raw_ipv6_exact_fit)
{
    struct sockaddr_in6 in6;
    char buf[512], exact[512];
    size_t len;

    memset(&in6, 0, sizeof in6);
    in6.sin6_family = AF_INET6;
    in6.sin6_port = htons(258);
    ck_assert_int_eq(inet_pton(AF_INET6, "fe80::1", &in6.sin6_addr), 1);
    in6.sin6_scope_id = 7;
    ck_assert_int_eq(format_raw((struct sockaddr *)&in6, buf, sizeof buf), 0);
    ck_assert_msg(strstr(buf, "\n  scope:  7\n") != NULL, "no line 'scope:  7' in:\n%s", buf);
    len = strlen(buf);
    /* Room for the lines and the '\0' exactly: all of it fits, the scope's digit too. */
    ck_assert_int_eq(format_raw((struct sockaddr *)&in6, exact, len + 1), 0);
    ck_assert_str_eq(exact, buf);
    ck_assert_int_eq(format_raw((struct sockaddr *)&in6, exact, len), -1);
    too_small((struct sockaddr *)&in6, len, 1);
}
END_TEST

START_TEST(test_wsabasics_raw_ipv6)
{
    struct addrinfo *list = NULL;
    char buf[512];

    ck_assert_int_eq(resolve_host("::1", "258", &list), 0);
    ck_assert_int_eq(format_raw(list->ai_addr, buf, sizeof buf), 0);
    freeaddrinfo(list);
    ck_assert_msg(strstr(buf, "port:   01 02 (network byte order; ntohs gives 258)") != NULL,
                  "no port line with bytes 01 02 in:\n%s", buf);
    ck_assert_msg(strstr(buf, "addr:   00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01\n")
                  != NULL, "no addr line with the 16 bytes of ::1 in:\n%s", buf);
}
END_TEST

START_TEST(test_wsabasics_resolve_localhost)
{
    struct addrinfo *list = NULL;
    int ipv4 = 0;

    ck_assert_int_eq(resolve_host("localhost", "7", &list), 0);
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        ck_assert_int_eq(ai->ai_socktype, SOCK_STREAM);
        ipv4 += ai->ai_family == AF_INET;
    }
    freeaddrinfo(list);
    ck_assert_int_ge(ipv4, 1);
}
END_TEST

START_TEST(test_wsabasics_resolve_unknown)
{
    struct addrinfo *list = NULL;

    ck_assert_int_eq(resolve_host("no_such_host!.invalid", "80", &list), WSAHOST_NOT_FOUND);
}
END_TEST

/* Fills *node, with its address in *ss, for addr and port; socktype as given. */
static void hand_node(struct addrinfo *node, struct sockaddr_storage *ss, const char *addr,
                      unsigned short port, int socktype)
{
    memset(node, 0, sizeof *node);
    memset(ss, 0, sizeof *ss);
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        ck_assert_int_eq(inet_pton(AF_INET6, addr, &a6->sin6_addr), 1);
        node->ai_addrlen = sizeof *a6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        ck_assert_int_eq(inet_pton(AF_INET, addr, &a4->sin_addr), 1);
        node->ai_addrlen = sizeof *a4;
    }
    node->ai_family = ss->ss_family;
    node->ai_socktype = socktype;
    node->ai_addr = (struct sockaddr *)ss;
}

/* What print_addresses(list, raw) prints on stdout, into buf: stdout goes to a file
   of the working directory meanwhile. */
static void printed(const struct addrinfo *list, int raw, char *buf, size_t size)
{
    static const char path[] = "lab01_units-stdout.txt";
    int saved, fd;
    size_t n;
    FILE *f;

    fflush(stdout);
    saved = dup(1);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_msg(saved >= 0 && fd >= 0, "cannot send stdout to %s", path);
    dup2(fd, 1);
    close(fd);
    print_addresses(list, raw);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    remove(path);
}

START_TEST(test_resolve_prints_repeats_once)
{
    /* As getaddrinfo answers without ai_socktype on Linux: each address once per
       socket type, and an IPv6 address between. */
    static const struct { const char *addr; int socktype; } answers[] = {
        { "127.0.0.1", SOCK_STREAM }, { "127.0.0.1", SOCK_DGRAM }, { "::1", SOCK_STREAM },
        { "127.0.0.1", SOCK_RAW }, { "::1", SOCK_DGRAM }, { "10.9.8.7", SOCK_STREAM },
    };
    struct sockaddr_storage ss[6];
    struct addrinfo list[6];
    char out[2048];

    for (int i = 0; i < 6; i++) {
        hand_node(&list[i], &ss[i], answers[i].addr, 8080, answers[i].socktype);
        list[i].ai_next = i < 5 ? &list[i + 1] : NULL;
    }
    printed(list, 0, out, sizeof out);
    ck_assert_str_eq(out, "AF_INET 127.0.0.1:8080\nAF_INET6 [::1]:8080\n"
                          "AF_INET 10.9.8.7:8080\n");
}
END_TEST

START_TEST(test_resolve_raw_repeats_once)
{
    struct sockaddr_storage ss[3];
    struct addrinfo list[3];
    char out[2048];

    hand_node(&list[0], &ss[0], "127.0.0.1", 258, SOCK_STREAM);
    hand_node(&list[1], &ss[1], "127.0.0.1", 258, SOCK_DGRAM);
    hand_node(&list[2], &ss[2], "127.0.0.1", 259, SOCK_STREAM);  /* another port */
    list[0].ai_next = &list[1];
    list[1].ai_next = &list[2];
    list[2].ai_next = NULL;
    printed(list, 1, out, sizeof out);
    ck_assert_str_eq(out, "AF_INET 127.0.0.1:258\n"
                          "  family: 2 (AF_INET, host byte order)\n"
                          "  port:   01 02 (network byte order; ntohs gives 258)\n"
                          "  addr:   7f 00 00 01\n"
                          "AF_INET 127.0.0.1:259\n"
                          "  family: 2 (AF_INET, host byte order)\n"
                          "  port:   01 03 (network byte order; ntohs gives 259)\n"
                          "  addr:   7f 00 00 01\n");
}
END_TEST

START_TEST(test_resolve_many_addresses_once)
{
    /* 65 addresses, one more than seen_before remembers, then the 64th again: each is
       printed once, in order, the 65th too. */
    enum { DISTINCT = 65, NODES = DISTINCT + 1 };
    static struct sockaddr_storage ss[NODES];
    static struct addrinfo list[NODES];
    static char out[4096], want[4096];
    char addr[24];
    size_t used = 0;
    int lines = 0;

    for (int i = 0; i < NODES; i++) {
        snprintf(addr, sizeof addr, "10.0.0.%d", i < DISTINCT ? i + 1 : 64);
        hand_node(&list[i], &ss[i], addr, 80, SOCK_STREAM);
        list[i].ai_next = i + 1 < NODES ? &list[i + 1] : NULL;
        if (i < DISTINCT)
            used += (size_t)snprintf(want + used, sizeof want - used, "AF_INET %s:80\n", addr);
    }
    printed(list, 0, out, sizeof out);
    for (const char *p = out; (p = strchr(p, '\n')) != NULL; p++)
        lines++;
    ck_assert_msg(strcmp(out, want) == 0, "print_addresses printed %d lines for a list of "
                  "65 distinct addresses (10.0.0.1 to 10.0.0.65) and then 10.0.0.64 again, "
                  "not each address once, in order (65 lines)", lines);
}
END_TEST

static Suite *wsabasics_suite(void)
{
    Suite *s = suite_create("wsabasics");
    TCase *tc;

    tc = tcase_create("Versions");
    tcase_add_test(tc, test_wsabasics_parse_version);
    tcase_add_test(tc, test_wsabasics_parse_version_rejects);
    tcase_add_test(tc, test_wsabasics_format_version);
    tcase_add_test(tc, test_wsabasics_compare_versions);
    suite_add_tcase(s, tc);

    tc = tcase_create("Startup");
    tcase_add_checked_fixture(tc, unit_stop_winsock, unit_stop_winsock);
    tcase_add_test(tc, test_wsabasics_start_winsock);
    tcase_add_test(tc, test_wsabasics_start_winsock_too_old);
    tcase_add_test(tc, test_wsabasics_start_winsock_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("Endpoints");
    tcase_add_checked_fixture(tc, start, unit_stop_winsock);
    tcase_add_test(tc, test_wsabasics_endpoint_ipv4);
    tcase_add_test(tc, test_wsabasics_endpoint_ipv6);
    tcase_add_test(tc, test_wsabasics_endpoint_by_hand);
    tcase_add_test(tc, test_wsabasics_endpoint_other_family);
    suite_add_tcase(s, tc);

    tc = tcase_create("Raw");
    tcase_add_checked_fixture(tc, start, unit_stop_winsock);
    tcase_add_test(tc, test_wsabasics_raw_ipv4);
    tcase_add_test(tc, test_wsabasics_raw_ipv6);
    tcase_add_test(tc, test_wsabasics_raw_exact_fit);
    tcase_add_test(tc, test_wsabasics_raw_ipv6_exact_fit);
    tcase_add_test(tc, test_wsabasics_raw_other_family);
    suite_add_tcase(s, tc);

    tc = tcase_create("Resolve");
    tcase_add_checked_fixture(tc, start, unit_stop_winsock);
    tcase_add_test(tc, test_wsabasics_resolve_localhost);
    tcase_add_test(tc, test_wsabasics_resolve_unknown);
    suite_add_tcase(s, tc);

    tc = tcase_create("Repeats");
    tcase_add_checked_fixture(tc, start, unit_stop_winsock);
    tcase_add_test(tc, test_resolve_prints_repeats_once);
    tcase_add_test(tc, test_resolve_raw_repeats_once);
    tcase_add_test(tc, test_resolve_many_addresses_once);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(wsabasics_suite(), argc, argv);
}
