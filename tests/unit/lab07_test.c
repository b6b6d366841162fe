/*
 * lab07_test.c - Check tests of lab 07's functions (httpserver.c). Each test case is
 * graded on its own: see grader/test_lab07_http_server.py.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpserver.h"
#include "unit.h"

static struct http_request req;

static int parse(const char *head)
{
    return parse_request(head, strlen(head), &req);
}

/* parse_request of PRE, the byte C, then POST: a head with any byte in it, NUL too. */
static int parse_with(const char *pre, int c, const char *post)
{
    char head[128];
    size_t a = strlen(pre), b = strlen(post);

    memcpy(head, pre, a);
    head[a] = (char)c;
    memcpy(head + a + 1, post, b);
    return parse_request(head, a + 1 + b, &req);
}

/* A token character of RFC 9110, as the README lists them. */
static int tchar(int c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

START_TEST(test_http_head_length)
{
    const char *head = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";

    /* Fewer than four bytes hold no blank line, and are all it may read. */
    for (size_t n = 0; n < 4; n++)
        ck_assert_msg(head_length("\r\n\r\n", n) == 0, "head_length of %u bytes returned "
                      "%u: fewer than 4 bytes hold no blank line (loop while i + 4 <= len: "
                      "len - 4 wraps round below 4)", (unsigned)n,
                      (unsigned)head_length("\r\n\r\n", n));
    ck_assert_msg(head_length("\r\n\r\n", 4) == 4, "head_length(\"\\r\\n\\r\\n\", 4) "
                  "returned %u, not 4: look for CR LF CR LF from the buffer's first byte",
                  (unsigned)head_length("\r\n\r\n", 4));
    ck_assert_uint_eq(head_length(head, strlen(head)), strlen(head) - 4);
    /* A head cut anywhere before its last byte is not whole yet. */
    for (size_t n = 0; n < strlen(head) - 4; n++)
        ck_assert_uint_eq(head_length(head, n), 0);
    ck_assert_uint_eq(head_length("GET / HTTP/1.0\n\n", 16), 0);
    /* CR LF CR and another byte is no blank line: the head goes on to CR LF CR LF. */
    head = "GET / HTTP/1.0\r\n\rX: a\r\n\r\n";
    ck_assert_msg(head_length(head, strlen(head)) == strlen(head), "head_length of \"GET / "
                  "HTTP/1.0\\r\\n\\rX: a\\r\\n\\r\\n\" returned %u, not %u: the head ends "
                  "with the blank line, all four bytes CR LF CR LF",
                  (unsigned)head_length(head, strlen(head)), (unsigned)strlen(head));
}
END_TEST

START_TEST(test_http_request_line)
{
    ck_assert_int_eq(parse("GET /index.html?x=1 HTTP/1.1\r\nHost: a\r\n\r\n"), 200);
    ck_assert_str_eq(req.target, "/index.html?x=1");
    ck_assert_int_eq(req.head, 0);
    ck_assert_int_eq(req.minor, 1);
    ck_assert_int_eq(parse("HEAD /a.png HTTP/1.0\r\n\r\n"), 200);
    ck_assert_int_eq(req.head, 1);
    ck_assert_int_eq(req.minor, 0);
    ck_assert_str_eq(req.target, "/a.png");
}
END_TEST

START_TEST(test_http_target_bytes)
{
    char head[64];

    static const char *const where[] = { " first", "", " last" };

    /* Every byte from 0x21 is a target's but 0x7F, those from 0x80 too; none below,
       wherever it is in the target, its first and last bytes too. */
    for (int c = 1; c < 256; c++) {
        for (int at = 0; at < 3; at++) {
            int n = snprintf(head, sizeof head, at == 0 ? "GET %c/b HTTP/1.0\r\n\r\n" :
                             at == 1 ? "GET /a%cb HTTP/1.0\r\n\r\n" :
                             "GET /a%c HTTP/1.0\r\n\r\n", c);
            int want = c <= ' ' || c == 0x7f ? 400 : 200;
            int got = parse_request(head, (size_t)n, &req);
            ck_assert_msg(got == want, "parse_request of a target holding the byte 0x%02x%s "
                          "returned %d, not %d: a target's bytes are those from 0x21 but "
                          "0x7F", c, where[at], got, want);
        }
    }
}
END_TEST

START_TEST(test_http_request_line_errors)
{
    ck_assert_int_eq(parse("GET /\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / http/1.1\r\nHost: a\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/11\r\nHost: a\r\n\r\n"), 400);
    ck_assert_int_eq(parse("G(T / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    ck_assert_msg(parse("(ET / HTTP/1.1\r\nHost: a\r\n\r\n") == 400, "parse_request of "
                  "\"(ET / HTTP/1.1\" did not return 400: the METHOD is a token, its first "
                  "byte too");
    /* An empty METHOD or TARGET with a good version: not three parts, 400. */
    ck_assert_msg(parse(" / HTTP/1.1\r\nHost: a\r\n\r\n") == 400, "parse_request of "
                  "\" / HTTP/1.1\" did not return 400: the request line is METHOD SP TARGET "
                  "SP VERSION, the METHOD one or more tchars");
    ck_assert_msg(parse("GET  HTTP/1.1\r\nHost: a\r\n\r\n") == 400, "parse_request of "
                  "\"GET  HTTP/1.1\" did not return 400: the request line is METHOD SP TARGET "
                  "SP VERSION, the TARGET not empty");
    /* HTTP/D.D: each of the five bytes of "HTTP/" is checked. */
    for (int i = 0; i < 5; i++) {
        char head[64] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
        head[6 + i] = head[6 + i] == '/' ? '_' : 'X';
        ck_assert_msg(parse(head) == 400, "parse_request of the version %.8s returned %d, "
                      "not 400: a VERSION that is not HTTP/D.D", head + 6, parse(head));
    }
    ck_assert_int_eq(parse("\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(parse("GET / HTTP/0.9\r\n\r\n"), 505);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
    ck_assert_int_eq(parse("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
    ck_assert_int_eq(parse("DELETE /x HTTP/1.0\r\n\r\n"), 405);
    /* GET and HEAD, every byte of them: a method one byte off is another method. */
    for (int m = 0; m < 2; m++) {
        for (size_t i = 0; i < 3 + (size_t)m; i++) {
            char head[64];
            snprintf(head, sizeof head, "%s / HTTP/1.0\r\n\r\n", m ? "HEAD" : "GET");
            head[i] = 'X';
            ck_assert_msg(parse(head) == 405, "parse_request of the method %.*s returned %d, "
                          "not 405: only GET and HEAD, all their bytes, are answered",
                          3 + m, head, parse(head));
        }
    }
    ck_assert_msg(parse_with("G", '\0', "T / HTTP/1.0\r\n\r\n") == 400, "parse_request of a "
                  "method holding the byte 0x00 did not return 400: a method is a token");
    /* The version is checked before the method: another method of another major
       version is 505, not 405. */
    ck_assert_int_eq(parse("POST / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(parse("PUT / HTTP/0.9\r\n\r\n"), 505);
}
END_TEST

START_TEST(test_http_head_refused)
{
    /* req->head says HEAD whatever the status: an error answer to HEAD has no body. */
    ck_assert_int_eq(parse("HEAD / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(req.head, 1);
    ck_assert_int_eq(parse("HEAD / HTTP/1.1\r\n\r\n"), 400);
    ck_assert_int_eq(req.head, 1);
    ck_assert_int_eq(parse("HEAD / HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n"), 400);
    ck_assert_int_eq(req.head, 1);
    ck_assert_int_eq(parse("HEAD  / HTTP/1.1\r\nHost: a\r\n\r\n"), 400);
    ck_assert_int_eq(req.head, 1);
    ck_assert_int_eq(parse("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
    ck_assert_int_eq(req.head, 0);
    ck_assert_int_eq(parse("HEADER / HTTP/1.1\r\nHost: a\r\n\r\n"), 405);
    ck_assert_int_eq(req.head, 0);
    /* The first five bytes are "HEAD ": five bytes are enough, four are not. */
    ck_assert_int_eq(parse_request("HEAD ", 5, &req), 400);
    ck_assert_msg(req.head == 1, "parse_request of the 5 bytes \"HEAD \" left req->head "
                  "%d, not 1: their first five bytes are \"HEAD \"", req.head);
    ck_assert_int_eq(parse_request("HEAD x", 4, &req), 400);
    ck_assert_msg(req.head == 0, "parse_request of the 4 bytes \"HEAD\" set req->head: "
                  "it is 1 only when the first five bytes are \"HEAD \"");
}
END_TEST

START_TEST(test_http_target_limit)
{
    static char head[TARGET_LIMIT + 64], line[TARGET_LIMIT + 64];
    size_t longest = TARGET_LIMIT - 1;

    memset(line, 'a', sizeof line);
    line[0] = '/';
    snprintf(head, sizeof head, "GET %.*s HTTP/1.0\r\n\r\n", (int)longest, line);
    ck_assert_int_eq(parse(head), 200);
    ck_assert_uint_eq(strlen(req.target), longest);
    snprintf(head, sizeof head, "GET %.*s HTTP/1.0\r\n\r\n", (int)longest + 1, line);
    ck_assert_int_eq(parse(head), 414);
    /* The target's length is checked before the method: 414, not 405. */
    snprintf(head, sizeof head, "PUT %.*s HTTP/1.1\r\nHost: a\r\n\r\n", (int)longest + 1,
             line);
    ck_assert_int_eq(parse(head), 414);
}
END_TEST

START_TEST(test_http_headers)
{
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nhOsT: a\r\nAccept: */*\r\nX-Empty:\r\n\r\n"),
                     200);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
    /* HTTP/1.0 may leave Host out, or give one; never two. */
    ck_assert_int_eq(parse("GET / HTTP/1.0\r\nHost: a\r\n\r\n"), 200);
    ck_assert_int_eq(parse("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
    /* A space before the colon is 400 in any header, not only in Host (RFC 9112). */
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\nAccept : x\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\r\n: empty\r\n\r\n"), 400);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: a\nAccept: x\r\n\r\n"), 400);
    ck_assert_int_eq(parse_request("GET / HTTP/1.1\r\nHost: \0\r\n\r\n", 24, &req), 400);
    /* Host is those four letters in any case: a name one byte off is another header,
       and an HTTP/1.1 request with only that has no Host. */
    for (int i = 0; i < 4; i++) {
        for (int c = 0x21; c < 0x7f; c++) {
            static const char host[] = "Host";
            char head[64];
            if (tolower(c) == tolower(host[i]))
                continue;
            snprintf(head, sizeof head, "GET / HTTP/1.1\r\n%.*s%c%s: a\r\n\r\n", i, host, c,
                     host + i + 1);
            ck_assert_msg(parse(head) == 400, "parse_request of an HTTP/1.1 request whose "
                          "only header is %.4s returned %d, not 400: that is not Host", head + 16,
                          parse(head));
        }
    }
}
END_TEST

START_TEST(test_http_header_bytes)
{
    char head[64];

    /* A value holds any byte but a control byte (below 0x20, and 0x7F); tab is allowed. */
    for (int c = 0; c < 256; c++) {
        int n = snprintf(head, sizeof head, "GET / HTTP/1.0\r\nX: a%cb\r\n\r\n", 'q');
        int want = (c < ' ' && c != '\t') || c == 0x7f ? 400 : 200, got;
        head[n - 6] = (char)c;
        got = parse_request(head, (size_t)n, &req);
        ck_assert_msg(got == want, "parse_request of a header value holding the byte 0x%02x "
                      "returned %d, not %d: a value holds no control byte but tab", c, got,
                      want);
        got = parse_with("GET / HTTP/1.0\r\nX:", c, "b\r\n\r\n");
        want = (c < ' ' && c != '\t') || c == 0x7f ? 400 : 200;
        ck_assert_msg(got == want, "parse_request of a header value whose first byte, right "
                      "after the colon, is 0x%02x returned %d, not %d: a value holds no "
                      "control byte but tab", c, got, want);
    }
    /* A name is a token: every byte of it, its first and last too. */
    for (int c = 0; c < 256; c++) {
        static const char *const pre[] = { "", "X", "X" }, *const post[] = {
            "X: v\r\n\r\n", "Y: v\r\n\r\n", ": v\r\n\r\n" };
        static const char *const where[] = { "first", "middle", "last" };
        for (int at = 0; at < 3; at++) {
            char before[32];
            int got, want = tchar(c) ? 200 : 400;
            if (c == ':' && at > 0)
                continue;       /* a colon there ends the name: another header */
            snprintf(before, sizeof before, "GET / HTTP/1.0\r\n%s", pre[at]);
            got = parse_with(before, c, post[at]);
            ck_assert_msg(got == want, "parse_request of a header name whose %s byte is 0x%02x "
                          "returned %d, not %d: a name is a token (letters, digits and "
                          "!#$%%&'*+-.^_`|~)", where[at], c, got, want);
        }
    }
}
END_TEST

static char path[PATH_LIMIT];

static int map(const char *target)
{
    return map_path("root", target, path, sizeof path);
}

START_TEST(test_http_map_path)
{
    ck_assert_int_eq(map("/index.html"), 0);
    ck_assert_str_eq(path, "root/index.html");
    ck_assert_int_eq(map("/"), 0);
    ck_assert_str_eq(path, "root/index.html");
    ck_assert_int_eq(map("/sub/"), 0);
    ck_assert_str_eq(path, "root/sub/index.html");
    ck_assert_int_eq(map("/a%20b.txt?q=%2e%2e/x"), 0);
    ck_assert_str_eq(path, "root/a b.txt");
    ck_assert_int_eq(map("/%7Euser/%41.css"), 0);
    ck_assert_str_eq(path, "root/~user/A.css");
    ck_assert_int_eq(map("/.hidden/x.y"), 0);
    ck_assert_str_eq(path, "root/.hidden/x.y");
    ck_assert_int_eq(map("/console.txt"), 0);
    ck_assert_int_eq(map("/com10"), 0);
}
END_TEST

START_TEST(test_http_map_path_escapes)
{
    static const char *const bad[] = {
        "/%:0", "/%0:", "/%/0", "/%@0", "/%0@", "/%G0", "/%0G", "/%`0", "/%0`", "/%g0",
        "/%0g", "/%5z", "/%7", "/cut%5", "/%6", "/%%41", "/%2:", "/%2/", "/%2@", "/%2G",
        "/%2`", "/%2g",
    };
    char target[16], want[16];

    /* Each byte, escaped with upper- and lower-case hex digits, decodes to itself; a
       control byte, a backslash and <>:"|?* are then refused. */
    for (int c = 0; c < 256; c++) {
        for (int upper = 0; upper < 2; upper++) {
            int refuse = c < ' ' || c == 0x7f || (c != 0 && strchr("\\<>:\"|?*", c));
            snprintf(target, sizeof target, upper ? "/x%%%02Xy" : "/x%%%02xy", c);
            snprintf(want, sizeof want, "root/x%cy", c);
            ck_assert_msg(map(target) == (refuse ? 400 : 0), "map_path(\"root\", \"%s\") "
                          "returned %d, not %d", target, map(target), refuse ? 400 : 0);
            if (!refuse)
                ck_assert_msg(strcmp(path, want) == 0, "map_path(\"root\", \"%s\") wrote "
                              "\"%s\": %%%02x is the byte 0x%02x", target, path, c, c);
        }
    }
    /* A '%' without two hex digits (0-9, a-f, A-F) after it is 400. */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(map(bad[i]) == 400, "map_path(\"root\", \"%s\") did not return 400: "
                      "a bad escape", bad[i]);
}
END_TEST

START_TEST(test_http_map_path_traversal)
{
    static const char *const refused[] = {
        "/..", "/../secret", "/a/../../secret", "/%2e%2e/secret", "/%2E%2e%2fsecret",
        "/.%2e/secret", "/a/..%2f..%2fsecret", "index.html", "http://a/x", "*",
        "/bad%zzescape", "/cut%4", "/cut%", "/nul%00.txt", "/line%0a", "/a%7f",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_msg(map(refused[i]) == 400, "map_path(\"root\", \"%s\") did not "
                      "return 400", refused[i]);
}
END_TEST

START_TEST(test_http_map_path_windows)
{
    static const char *const refused[] = {
        "/..\\secret", "/..%5csecret", "/C:/Windows/win.ini", "/c:secret", "/x::$DATA",
        "/NUL", "/nul.txt", "/sub/con", "/Aux.html", "/prn", "/COM1", "/lpt9.log",
        "/index.html.", "/index.html%20", "/a%3Cb", "/a%3f", "/a*", "/a%22b", "/a|b",
        "/...", "/sub./x", "//con", "//nul.txt", "/a//aux",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        ck_assert_msg(map(refused[i]) == 400, "map_path(\"root\", \"%s\") did not "
                      "return 400", refused[i]);
}
END_TEST

START_TEST(test_http_map_path_devices)
{
    static const char *const names[] = { "con", "prn", "aux", "nul" };
    static const char *const alike[] = {
        "/co", "/cox", "/coq.txt", "/conn", "/prx", "/pn", "/aus", "/nux.txt", "/nu",
        "/com", "/com0", "/coa1", "/cpm1", "/dom1", "/lpt", "/lpt0", "/lpa1", "/lqt1",
        "/mpt1", "/lpx1", "/comx", "/a/nuls", "/xcon", "/bnul.txt", "/conso", "/nulls",
        "/auxes.txt", "/prnts", "/con12",
    };
    char target[32];

    /* Every device name, in any case, alone or with an extension, in any segment. */
    for (int i = 0; i < 22; i++) {
        char name[8];
        if (i < 4)
            snprintf(name, sizeof name, "%s", names[i]);
        else
            snprintf(name, sizeof name, "%s%d", i < 13 ? "com" : "lpt", (i - 4) % 9 + 1);
        for (int form = 0; form < 4; form++) {
            snprintf(target, sizeof target, form == 0 ? "/%s" : form == 1 ? "/sub/%s.txt" :
                     form == 2 ? "/%s.a.b" : "/%s/x", name);
            if (form == 3)
                for (char *p = target + 1; *p != '/'; p++)
                    *p = (char)toupper((unsigned char)*p);
            ck_assert_msg(map(target) == 400, "map_path(\"root\", \"%s\") did not return "
                          "400: a device name", target);
        }
    }
    /* Names that only look like one are files. */
    for (size_t i = 0; i < sizeof alike / sizeof alike[0]; i++)
        ck_assert_msg(map(alike[i]) == 0, "map_path(\"root\", \"%s\") returned %d: not a "
                      "device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9)", alike[i],
                      map(alike[i]));
}
END_TEST

START_TEST(test_http_map_path_limit)
{
    static char target[PATH_LIMIT + 8];

    memset(target, 'a', sizeof target - 1);
    target[0] = '/';
    target[sizeof path - strlen("root") - 1] = '\0';
    ck_assert_int_eq(map(target), 0);
    ck_assert_uint_eq(strlen(path), sizeof path - 1);
    target[sizeof path - strlen("root") - 1] = 'a';
    target[sizeof path - strlen("root")] = '\0';
    ck_assert_int_eq(map(target), 414);
    ck_assert_int_eq(map_path("root", "/", path, 16), 0);
    ck_assert_int_eq(map_path("root", "/", path, 15), 414);
}
END_TEST

START_TEST(test_http_content_type)
{
    ck_assert_str_eq(content_type("r/index.html"), "text/html");
    ck_assert_str_eq(content_type("r/old.HTM"), "text/html");
    ck_assert_str_eq(content_type("r/style.css"), "text/css");
    ck_assert_str_eq(content_type("r/app.js"), "text/javascript");
    ck_assert_str_eq(content_type("r/Logo.PNG"), "image/png");
    ck_assert_str_eq(content_type("r/notes.txt"), "text/plain");
    ck_assert_str_eq(content_type("r/data.bin"), "application/octet-stream");
    ck_assert_str_eq(content_type("r/archive.tar.gz"), "application/octet-stream");
    ck_assert_str_eq(content_type("r/html"), "application/octet-stream");
    ck_assert_str_eq(content_type("r.html/README"), "application/octet-stream");
    ck_assert_str_eq(content_type("r/x.html5"), "application/octet-stream");
    ck_assert_str_eq(content_type("r/x.jsx"), "application/octet-stream");
    /* A path without a folder: its name is all of it. */
    ck_assert_str_eq(content_type("notes.txt"), "text/plain");
    ck_assert_str_eq(content_type("README"), "application/octet-stream");
}
END_TEST

/* A connected pair of loopback TCP sockets, and the listener that made them. */
static SOCKET listener = INVALID_SOCKET, client = INVALID_SOCKET, server = INVALID_SOCKET;
static char buf[HEAD_LIMIT];

static void open_pair(void)
{
    char port[8];

    unit_start_winsock();
    listener = unit_listener(AF_INET, port);
    unit_pair(listener, &client, &server);
}

static void close_pair(void)
{
    unit_close(&listener);
    unit_close(&client);
    unit_close(&server);
    unit_stop_winsock();
}

START_TEST(test_http_read_head_pieces)
{
    const char *head = "GET / HTTP/1.1\r\nHost: a\r\n\r\nextra";
    int len = 0;

    /* Sent a byte at a time before read_head runs: it must keep reading until the
       blank line, however the bytes arrive. */
    for (size_t i = 0; i < strlen(head); i++)
        ck_assert_int_eq(send(client, head + i, 1, 0), 1);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 5, &len), 0);
    ck_assert_int_ge(len, (int)strlen(head) - 5);
    ck_assert_int_le(len, (int)strlen(head));
    ck_assert_uint_eq(head_length(buf, (size_t)len), strlen(head) - 5);
}
END_TEST

START_TEST(test_http_read_head_ends)
{
    int len;

    ck_assert_int_eq(send(client, "GET / HT", 8, 0), 8);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 1, &len), 408);
    /* *len says what came, whatever the status: the server answers HEAD without a
       body even at 408. */
    ck_assert_int_eq(len, 8);
    ck_assert_int_eq(shutdown(client, SD_SEND), 0);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 5, &len), -1);
}
END_TEST

START_TEST(test_http_read_head_limits)
{
    static char big[HEAD_LIMIT];
    int len, got;

    memset(big, 'a', sizeof big);
    ck_assert_int_eq(send(client, big, (int)sizeof big, 0), (int)sizeof big);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 5, &len), 414);
    ck_assert_int_eq(len, (int)sizeof buf);
    unit_close(&client);
    unit_close(&server);
    unit_pair(listener, &client, &server);
    memcpy(big, "GET / HTTP/1.1\r\n", 16);
    ck_assert_int_eq(send(client, big, (int)sizeof big, 0), (int)sizeof big);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 5, &len), 431);
    /* The request line's CR LF in the buffer's last two bytes: it ended, 431. */
    unit_close(&client);
    unit_close(&server);
    unit_pair(listener, &client, &server);
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    memcpy(big + sizeof big - 2, "\r\n", 2);
    ck_assert_int_eq(send(client, big, (int)sizeof big, 0), (int)sizeof big);
    ck_assert_int_eq(read_head(server, buf, (int)sizeof buf, 5, &len), 431);
    /* A head whose blank line ends in the buffer's last byte fits: it is whole, 0. */
    unit_close(&client);
    unit_close(&server);
    unit_pair(listener, &client, &server);
    memset(big, 'a', sizeof big);
    memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
    memcpy(big + sizeof big - 4, "\r\n\r\n", 4);
    ck_assert_int_eq(send(client, big, (int)sizeof big, 0), (int)sizeof big);
    got = read_head(server, buf, (int)sizeof buf, 5, &len);
    ck_assert_msg(got == 0 && len == (int)sizeof buf, "read_head of a head of HEAD_LIMIT "
                  "bytes (its blank line ends in the buffer's last byte) returned %d, len %d: "
                  "a head that fits in HEAD_LIMIT is whole, 0", got, len);
}
END_TEST

/* Reads what the server sent until it closes, into buf. Returns its length. */
static int read_answer(void)
{
    int got = 0, n;

    unit_close(&server);
    while (got < (int)sizeof buf - 1 && (n = recv(client, buf + got,
                                                  (int)sizeof buf - 1 - got, 0)) > 0)
        got += n;
    buf[got] = '\0';
    return got;
}

START_TEST(test_http_send_status)
{
    const char *expected = "HTTP/1.1 405 Method Not Allowed\r\n";
    int n;

    ck_assert_int_eq(send_status(server, 405, 0), 0);
    n = read_answer();
    ck_assert_int_gt(n, 0);
    ck_assert_msg(strncmp(buf, expected, strlen(expected)) == 0, "got %s", buf);
    ck_assert_ptr_nonnull(strstr(buf, "\r\nAllow: GET, HEAD\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\nConnection: close\r\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\r\n\r\n405 Method Not Allowed\n"));
}
END_TEST

START_TEST(test_http_send_status_reasons)
{
    static const char *const lines[] = {
        "400 Bad Request", "404 Not Found", "405 Method Not Allowed", "408 Request Timeout",
        "414 URI Too Long", "431 Request Header Fields Too Large",
        "505 HTTP Version Not Supported",
    };
    char expected[128];
    const char *at;

    /* The contract's table: each status with its reason, in the status line and the
       body, one answer after another on the same connection. */
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        ck_assert_int_eq(send_status(server, atoi(lines[i]), 0), 0);
    ck_assert_int_gt(read_answer(), 0);
    at = buf;
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        snprintf(expected, sizeof expected, "HTTP/1.1 %s\r\n", lines[i]);
        ck_assert_msg(strncmp(at, expected, strlen(expected)) == 0, "expected %s got %.60s",
                      expected, at);
        at += head_length(at, strlen(at));
        snprintf(expected, sizeof expected, "%s\n", lines[i]);
        ck_assert_msg(strncmp(at, expected, strlen(expected)) == 0, "expected the body %s "
                      "got %.60s", expected, at);
        at += strlen(expected);
    }
}
END_TEST

START_TEST(test_http_send_reset)
{
    static char data[1 << 16];
    struct linger abort_now = { 1, 0 };
    char byte;

    /* The client resets; once the server's recv has seen it (WSAECONNRESET, or 0
       under Wine, which reads a reset as an end), every send fails, and send_all and
       send_status say so instead of sending on for ever. */
    ck_assert_int_eq(setsockopt(client, SOL_SOCKET, SO_LINGER, (const char *)&abort_now,
                                (int)sizeof abort_now), 0);
    unit_close(&client);
    ck_assert_int_le(recv(server, &byte, 1, 0), 0);
    ck_assert_int_eq(send_all(server, data, (int)sizeof data), SOCKET_ERROR);
    ck_assert_int_eq(send_status(server, 404, 1), SOCKET_ERROR);
    ck_assert_int_eq(send_status(server, 400, 0), SOCKET_ERROR);
}
END_TEST

START_TEST(test_http_send_file)
{
    static char data[70000], all[80000];
    FILE *f = fopen("lab07-unit.png", "wb");
    char expected[128];
    int n = 0, got, head;

    ck_assert_ptr_nonnull(f);
    unit_fill(data, (int)sizeof data, 7);
    memcpy(data, "\r\n\x1a\0\n\r", 6);   /* what text mode would change */
    ck_assert_uint_eq(fwrite(data, 1, sizeof data, f), sizeof data);
    fclose(f);
    ck_assert_int_eq(send_file(server, "lab07-unit.png", 0), 200);
    unit_close(&server);
    while (n < (int)sizeof all - 1 &&
           (got = recv(client, all + n, (int)sizeof all - 1 - n, 0)) > 0)
        n += got;
    all[n] = '\0';
    remove("lab07-unit.png");
    snprintf(expected, sizeof expected, "\r\nContent-Length: %d\r\n", (int)sizeof data);
    ck_assert_msg(strncmp(all, "HTTP/1.1 200 OK\r\n", 17) == 0, "got %.60s", all);
    ck_assert_ptr_nonnull(strstr(all, expected));
    ck_assert_ptr_nonnull(strstr(all, "\r\nContent-Type: image/png\r\n"));
    head = (int)head_length(all, (size_t)n);
    ck_assert_int_gt(head, 0);
    ck_assert_int_eq(n - head, (int)sizeof data);
    ck_assert_msg(memcmp(all + head, data, sizeof data) == 0,
                  "the body differs from the file");
}
END_TEST

START_TEST(test_http_send_file_sizes)
{
    static const int sizes[] = { 1, 16385 };
    static char data[16385], all[20000];

    /* Files of one byte, and of one more than send_body's chunk: every byte is sent. */
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        FILE *f = fopen("lab07-unit.bin", "wb");
        int n = 0, got, head;

        ck_assert_ptr_nonnull(f);
        unit_fill(data, sizes[i], 11);
        ck_assert_uint_eq(fwrite(data, 1, (size_t)sizes[i], f), (size_t)sizes[i]);
        fclose(f);
        if (i > 0)
            unit_pair(listener, &client, &server);
        ck_assert_int_eq(send_file(server, "lab07-unit.bin", 0), 200);
        unit_close(&server);
        while (n < (int)sizeof all - 1 &&
               (got = recv(client, all + n, (int)sizeof all - 1 - n, 0)) > 0)
            n += got;
        unit_close(&client);
        remove("lab07-unit.bin");
        head = (int)head_length(all, (size_t)n);
        ck_assert_int_gt(head, 0);
        ck_assert_msg(n - head == sizes[i] && memcmp(all + head, data, (size_t)sizes[i]) == 0,
                      "send_file of a file of %d bytes sent a body of %d bytes: 200, then the "
                      "file's bytes exactly", sizes[i], n - head);
    }
}
END_TEST

START_TEST(test_http_send_file_missing)
{
    ck_assert_int_eq(send_file(server, "lab07-no-such-file.txt", 1), 404);
    ck_assert_int_gt(read_answer(), 0);
    ck_assert_msg(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24) == 0, "got %s", buf);
    /* HEAD: the headers, and no body after the blank line. */
    ck_assert_uint_eq(head_length(buf, strlen(buf)), strlen(buf));
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("httpserver");
    TCase *tc;

    tc = tcase_create("Request");
    tcase_add_test(tc, test_http_head_length);
    tcase_add_test(tc, test_http_request_line);
    tcase_add_test(tc, test_http_target_bytes);
    tcase_add_test(tc, test_http_request_line_errors);
    tcase_add_test(tc, test_http_head_refused);
    tcase_add_test(tc, test_http_target_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("Headers");
    tcase_add_test(tc, test_http_headers);
    tcase_add_test(tc, test_http_header_bytes);
    suite_add_tcase(s, tc);

    tc = tcase_create("Path");
    tcase_add_test(tc, test_http_map_path);
    tcase_add_test(tc, test_http_map_path_escapes);
    tcase_add_test(tc, test_http_map_path_traversal);
    tcase_add_test(tc, test_http_map_path_limit);
    suite_add_tcase(s, tc);

    tc = tcase_create("WindowsPath");
    tcase_add_test(tc, test_http_map_path_windows);
    tcase_add_test(tc, test_http_map_path_devices);
    suite_add_tcase(s, tc);

    tc = tcase_create("Types");
    tcase_add_test(tc, test_http_content_type);
    suite_add_tcase(s, tc);

    tc = tcase_create("ReadHead");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_http_read_head_pieces);
    tcase_add_test(tc, test_http_read_head_ends);
    tcase_add_test(tc, test_http_read_head_limits);
    suite_add_tcase(s, tc);

    tc = tcase_create("Answer");
    tcase_add_checked_fixture(tc, open_pair, close_pair);
    tcase_add_test(tc, test_http_send_status);
    tcase_add_test(tc, test_http_send_status_reasons);
    tcase_add_test(tc, test_http_send_reset);
    tcase_add_test(tc, test_http_send_file);
    tcase_add_test(tc, test_http_send_file_sizes);
    tcase_add_test(tc, test_http_send_file_missing);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    return unit_main(http_suite(), argc, argv);
}
