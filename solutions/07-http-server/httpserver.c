/*
 * httpserver.c - lab 07: reading and answering an HTTP/1.1 request.
 */
#include "httpserver.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

size_t head_length(const char *buf, size_t len)
{
    for (size_t i = 0; i + 4 <= len; i++)
        if (memcmp(buf + i, "\r\n\r\n", 4) == 0)
            return i + 4;
    return 0;
}

/* A token character of RFC 9110: what a method or a header name is made of. */
static int is_tchar(unsigned char c)
{
    return isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Checks "HTTP/D.D" at v (n bytes). Returns 200, 400 or 505; *minor set. */
static int parse_version(const char *v, size_t n, int *minor)
{
    if (n != 8 || memcmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5]) ||
        v[6] != '.' || !isdigit((unsigned char)v[7]))
        return 400;
    if (v[5] != '1')
        return 505;
    *minor = v[7] - '0';
    return 200;
}

/* The request line, n bytes without its CR LF. Returns 200 or the status. */
static int parse_request_line(const char *line, size_t n, struct http_request *req)
{
    const char *sp1 = memchr(line, ' ', n), *sp2;
    size_t method, target;
    int rc;

    if (sp1 == NULL)
        return 400;
    sp2 = memchr(sp1 + 1, ' ', n - (size_t)(sp1 + 1 - line));
    if (sp2 == NULL)
        return 400;
    method = (size_t)(sp1 - line);
    target = (size_t)(sp2 - sp1 - 1);
    rc = parse_version(sp2 + 1, n - (size_t)(sp2 + 1 - line), &req->minor);
    if (rc != 200)
        return rc;
    if (method == 0 || target == 0)
        return 400;
    for (size_t i = 0; i < method; i++)
        if (!is_tchar((unsigned char)line[i]))
            return 400;
    for (size_t i = 0; i < target; i++)
        if ((unsigned char)sp1[1 + i] <= ' ' || sp1[1 + i] == 0x7f)
            return 400;
    if (target >= TARGET_LIMIT)
        return 414;
    memcpy(req->target, sp1 + 1, target);
    req->target[target] = '\0';
    if ((method == 3 && memcmp(line, "GET", 3) == 0) ||
        (method == 4 && memcmp(line, "HEAD", 4) == 0))
        return 200;
    return 405;
}

/* A header line, n bytes without its CR LF: a token, a colon, a value without
   control bytes. Returns 1 if it is one, *is_host set for Host. */
static int header_ok(const char *line, size_t n, int *is_host)
{
    const char *colon = memchr(line, ':', n);
    size_t name;

    if (colon == NULL || colon == line)
        return 0;
    name = (size_t)(colon - line);
    for (size_t i = 0; i < name; i++)
        if (!is_tchar((unsigned char)line[i]))
            return 0;   /* a space before the colon too, which RFC 9112 forbids */
    for (size_t i = name + 1; i < n; i++)
        if (((unsigned char)line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f)
            return 0;
    *is_host = name == 4 && (line[0] | 0x20) == 'h' && (line[1] | 0x20) == 'o' &&
               (line[2] | 0x20) == 's' && (line[3] | 0x20) == 't';
    return 1;
}

int parse_request(const char *head, size_t len, struct http_request *req)
{
    const char *end = head + len, *line = head, *eol;
    int rc, hosts = 0, is_host;

    memset(req, 0, sizeof *req);
    /* Known before anything is checked: an error answer to HEAD has no body either. */
    req->head = len >= 5 && memcmp(head, "HEAD ", 5) == 0;
    eol = line < end ? memchr(line, '\r', (size_t)(end - line)) : NULL;
    if (eol == NULL || eol + 1 >= end || eol[1] != '\n')
        return 400;
    rc = parse_request_line(line, (size_t)(eol - line), req);
    if (rc != 200)
        return rc;
    for (line = eol + 2; line < end; line = eol + 2) {
        eol = memchr(line, '\r', (size_t)(end - line));
        if (eol == NULL || eol + 1 >= end || eol[1] != '\n')
            return 400;
        if (eol == line)
            break;      /* the blank line: the end of the head */
        if (!header_ok(line, (size_t)(eol - line), &is_host))
            return 400;
        hosts += is_host;
    }
    /* RFC 9112: 400 for an HTTP/1.1 request without Host, and for two in any version. */
    if (req->minor >= 1 ? hosts != 1 : hosts > 1)
        return 400;
    return 200;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 1 if the segment seg (n bytes) names a Windows device: CON, PRN, AUX, NUL, COM1-9
   or LPT1-9, alone or with an extension ("nul.txt" is the device too). */
static int is_device(const char *seg, size_t n)
{
    static const char *const names[] = { "con", "prn", "aux", "nul" };
    char base[5] = "";
    size_t len = 0;

    while (len < n && seg[len] != '.')
        len++;
    if (len < 3 || len > 4)
        return 0;
    for (size_t i = 0; i < len; i++)
        base[i] = (char)tolower((unsigned char)seg[i]);
    if (len == 4)
        return (memcmp(base, "com", 3) == 0 || memcmp(base, "lpt", 3) == 0) &&
               base[3] >= '1' && base[3] <= '9';
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (memcmp(base, names[i], 3) == 0)
            return 1;
    return 0;
}

/* 1 if the decoded path (n bytes, starting with '/') names a file inside the root. */
static int path_allowed(const char *p, size_t n)
{
    size_t start = 1;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < ' ' || c == 0x7f || (c != '\0' && strchr("\\<>:\"|?*", c) != NULL))
            return 0;
    }
    for (size_t i = 1; i <= n; i++) {
        if (i < n && p[i] != '/')
            continue;
        /* Windows drops a trailing dot or space from a name, so "..", "x." and
           "x " are refused on every platform, with the device names. */
        if (i > start && (p[i - 1] == '.' || p[i - 1] == ' '))
            return 0;
        if (is_device(p + start, i - start))
            return 0;
        start = i + 1;
    }
    return 1;
}

int map_path(const char *root, const char *target, char *path, size_t size)
{
    size_t n = strlen(root), t = strcspn(target, "?");
    int index = t > 0 && target[t - 1] == '/';

    if (target[0] != '/')
        return 400;
    if (n + t + (index ? 10 : 0) + 1 > size)
        return 414;
    memcpy(path, root, n);
    for (size_t i = 0; i < t; i++) {
        char c = target[i];
        if (c == '%') {
            int hi = hex_value(target[i + 1]), lo = hi < 0 ? -1 : hex_value(target[i + 2]);
            if (hi < 0 || lo < 0)
                return 400;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        path[n++] = c;
    }
    if (!path_allowed(path + strlen(root), n - strlen(root)))
        return 400;
    if (index) {
        memcpy(path + n, "index.html", 10);
        n += 10;
    }
    path[n] = '\0';
    return 0;
}

const char *content_type(const char *path)
{
    static const char *const types[][2] = {
        { "html", "text/html" }, { "htm", "text/html" }, { "css", "text/css" },
        { "js", "text/javascript" }, { "png", "image/png" }, { "txt", "text/plain" },
    };
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

    if (dot != NULL && (slash == NULL || dot > slash)) {
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
            size_t k = 0;
            while (dot[1 + k] != '\0' && tolower((unsigned char)dot[1 + k]) ==
                   types[i][0][k])
                k++;
            if (dot[1 + k] == '\0' && types[i][0][k] == '\0')
                return types[i][1];
        }
    }
    return "application/octet-stream";
}

/* Waits until s can be read or the deadline passes. Returns 1, 0 at the deadline,
   or SOCKET_ERROR. */
static int wait_readable(SOCKET s, time_t deadline)
{
    time_t now = time(NULL);
    struct timeval tv;
    fd_set set;

    if (now >= deadline)
        return 0;
    tv.tv_sec = (long)(deadline - now);
    tv.tv_usec = 0;
    FD_ZERO(&set);
    FD_SET(s, &set);
    return select((int)s + 1, &set, NULL, NULL, &tv);
}

int read_head(SOCKET s, char *buf, int size, int seconds, int *len)
{
    /* One deadline for the whole head: a client that sends a byte now and then must
       not keep the server for ever either. */
    time_t deadline = time(NULL) + seconds;

    *len = 0;
    while (head_length(buf, (size_t)*len) == 0) {
        int n, ready;
        if (*len == size)
            return memchr(buf, '\n', (size_t)*len) == NULL ? 414 : 431;
        ready = wait_readable(s, deadline);
        if (ready == 0)
            return 408;
        if (ready == SOCKET_ERROR)
            return -1;
        n = recv(s, buf + *len, size - *len, 0);
        if (n <= 0)
            return -1;
        *len += n;
    }
    return 0;
}

int send_all(SOCKET s, const char *buf, int len)
{
    while (len > 0) {
        int n = send(s, buf, len, 0);
        if (n == SOCKET_ERROR)
            return SOCKET_ERROR;
        buf += n;
        len -= n;
    }
    return 0;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 505: return "HTTP Version Not Supported";
    default: return "Internal Server Error";
    }
}

/* Sends the status line and headers of an answer. Returns 0 or SOCKET_ERROR. */
static int send_header(SOCKET s, int status, const char *type, long length)
{
    char head[512];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %ld\r\n"
                     "%sConnection: close\r\n\r\n", status, reason(status), type,
                     length, status == 405 ? "Allow: GET, HEAD\r\n" : "");
    return send_all(s, head, n);
}

int send_status(SOCKET s, int status, int head)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, reason(status));

    if (send_header(s, status, "text/plain", n) == SOCKET_ERROR)
        return SOCKET_ERROR;
    return head ? 0 : send_all(s, body, n);
}

/* Sends the n bytes of f that follow. Returns 0 or SOCKET_ERROR. */
static int send_body(SOCKET s, FILE *f, long n)
{
    char chunk[16384];

    while (n > 0) {
        size_t got = fread(chunk, 1, sizeof chunk, f);
        if (got == 0)
            break;      /* the file shrank: the client sees a short body */
        if (send_all(s, chunk, (int)got) == SOCKET_ERROR)
            return SOCKET_ERROR;
        n -= (long)got;
    }
    return 0;
}

int send_file(SOCKET s, const char *path, int head)
{
    char index[PATH_LIMIT + 16];
    struct stat st;
    FILE *f;
    long size;
    int rc;

    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(index, sizeof index, "%s/index.html", path);
        path = index;
    }
    /* "rb": in text mode Windows' C library would turn CR LF into LF and stop at
       the first 0x1A byte, and the length would not be the bytes sent. */
    f = fopen(path, "rb");
    if (f == NULL || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (f != NULL)
            fclose(f);
        return send_status(s, 404, head) == SOCKET_ERROR ? SOCKET_ERROR : 404;
    }
    size = (long)st.st_size;
    rc = send_header(s, 200, content_type(path), size);
    if (rc == 0 && !head)
        rc = send_body(s, f, size);
    fclose(f);
    return rc == SOCKET_ERROR ? SOCKET_ERROR : 200;
}
