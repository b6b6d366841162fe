/*
 * model.c - the main of every model driver (model.h): connects to the grader and
 * answers its cases one frame at a time, until it closes.
 */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labkit.h"

#define GUARD 32
#define GUARD_BYTE 0xA5

static void *grow(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);

    if (q == NULL) {
        fprintf(stderr, "model: out of memory\n");
        exit(EXIT_NETWORK);
    }
    return q;
}

uint64_t model_int(struct model_in *in)
{
    uint64_t v = 0;

    if (in->left < 8) {
        in->bad = 1;
        in->left = 0;
        return 0;
    }
    for (int i = 0; i < 8; i++)
        v = v << 8 | in->p[i];
    in->p += 8;
    in->left -= 8;
    return v;
}

char *model_bytes(struct model_in *in, size_t *len)
{
    size_t n = 0;
    char *copy;

    if (in->left >= 4) {
        n = (size_t)in->p[0] << 24 | (size_t)in->p[1] << 16 | (size_t)in->p[2] << 8 |
            in->p[3];
        in->p += 4;
        in->left -= 4;
    } else {
        in->bad = 1;
    }
    if (n > in->left) {
        in->bad = 1;
        n = 0;
    }
    copy = grow(NULL, n + 1);
    memcpy(copy, in->p, n);
    copy[n] = '\0';
    in->p += n;
    in->left -= n;
    *len = n;
    return copy;
}

static void put(struct model_out *out, const void *data, size_t len)
{
    if (out->len + len > out->cap) {
        out->cap = (out->len + len) * 2 + 64;
        out->data = grow(out->data, out->cap);
    }
    memcpy(out->data + out->len, data, len);
    out->len += len;
}

void model_put_int(struct model_out *out, int64_t value)
{
    unsigned char b[8];
    uint64_t v = (uint64_t)value;

    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xFF);
    put(out, b, 8);
}

static void put_length(struct model_out *out, uint32_t n)
{
    unsigned char b[4] = { (unsigned char)(n >> 24), (unsigned char)(n >> 16),
                           (unsigned char)(n >> 8), (unsigned char)n };
    put(out, b, 4);
}

void model_put_bytes(struct model_out *out, const void *data, size_t len)
{
    put_length(out, (uint32_t)len);
    put(out, data, len);
}

void model_put_string(struct model_out *out, const char *text)
{
    if (text == NULL)
        put_length(out, 0xFFFFFFFFu);
    else
        model_put_bytes(out, text, strlen(text));
}

char *model_buffer(size_t size)
{
    char *buf = grow(NULL, size + GUARD);

    memset(buf, GUARD_BYTE, size + GUARD);
    return buf;
}

int model_guard_broken(const char *buf, size_t size)
{
    for (size_t i = size; i < size + GUARD; i++)
        if ((unsigned char)buf[i] != GUARD_BYTE)
            return 1;
    return 0;
}

/* Receives exactly len bytes. Returns 0, or -1 if the grader closed or failed. */
static int recv_exactly(SOCKET s, unsigned char *buf, size_t len)
{
    while (len > 0) {
        int n = recv(s, (char *)buf, len > 65536 ? 65536 : (int)len, 0);
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static int send_exactly(SOCKET s, const unsigned char *buf, size_t len)
{
    while (len > 0) {
        int n = send(s, (const char *)buf, len > 65536 ? 65536 : (int)len, 0);
        if (n == SOCKET_ERROR)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static SOCKET connect_grader(const char *host, const char *port)
{
    struct addrinfo hints, *list, *ai;
    SOCKET s = INVALID_SOCKET;
    int rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(host, port, &hints, &list);
    if (rc != 0) {
        kit_error("model", "getaddrinfo", rc);
        return INVALID_SOCKET;
    }
    for (ai = list; ai != NULL; ai = ai->ai_next) {
        s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (s == INVALID_SOCKET)
            continue;
        if (connect(s, ai->ai_addr, (int)ai->ai_addrlen) == 0)
            break;
        kit_error("model", "connect", WSAGetLastError());
        closesocket(s);
        s = INVALID_SOCKET;
    }
    freeaddrinfo(list);
    return s;
}

/* Answers frames until the grader closes. Returns an exit code. */
static int serve(SOCKET s)
{
    struct model_out out = { NULL, 0, 0 };
    unsigned char *frame = NULL, head[4];

    for (;;) {
        size_t len;
        struct model_in in;

        if (recv_exactly(s, head, 4) != 0)
            break;
        len = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
        if (len == 0)
            break;
        frame = grow(frame, len);
        if (recv_exactly(s, frame, len) != 0)
            break;
        in.p = frame + 1;
        in.left = len - 1;
        in.bad = 0;
        out.len = 4;
        if (out.cap < 4)
            out.data = grow(out.data, out.cap = 256);
        if (model_case(frame[0], &in, &out) != 0 || in.bad) {
            fprintf(stderr, "model: a case the driver cannot read (operation %d)\n",
                    frame[0]);
            free(frame);
            free(out.data);
            return EXIT_USAGE;
        }
        out.data[0] = (unsigned char)((out.len - 4) >> 24);
        out.data[1] = (unsigned char)((out.len - 4) >> 16);
        out.data[2] = (unsigned char)((out.len - 4) >> 8);
        out.data[3] = (unsigned char)(out.len - 4);
        if (send_exactly(s, out.data, out.len) != 0)
            break;
    }
    free(frame);
    free(out.data);
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    WSADATA wsa;
    SOCKET s;
    int rc;

    if (argc != 3) {
        fprintf(stderr, "usage: %s HOST PORT\n  answers the grader's cases (tests/models)\n",
                argv[0]);
        return EXIT_USAGE;
    }
    rc = WSAStartup(MAKEWORD(2, 2), &wsa);
    if (rc != 0) {
        kit_error("model", "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    s = connect_grader(argv[1], argv[2]);
    if (s == INVALID_SOCKET) {
        WSACleanup();
        return EXIT_NETWORK;
    }
    rc = serve(s);
    closesocket(s);
    WSACleanup();
    return rc;
}
