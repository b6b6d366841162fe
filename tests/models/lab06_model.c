/*
 * lab06_model.c - lab 06's functions for the grader's model (model.h):
 *   'L' pieces...   -> a fresh client's c->in fed with the pieces, as read_client
 *                      would (no more than the room left), take_line called after
 *                      each until it gives no line: each result (and line), then -3,
 *                      in_len and what c->in holds
 *   'Q' lengths...  -> queue_output of that many bytes each: each result and out_len,
 *                      then whether c->out holds the accepted bytes in order
 */
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "model.h"

static struct client c;

static void lines(struct model_in *in, struct model_out *out)
{
    int64_t pieces = (int64_t)model_int(in);
    char line[CHAT_LINE_MAX + 64];

    memset(&c, 0, sizeof c);
    c.s = INVALID_SOCKET;
    for (int64_t i = 0; i < pieces && !in->bad; i++) {
        size_t len, at = 0;
        char *piece = model_bytes(in, &len);
        int done = 0;

        while (at < len && !done) {
            size_t room = sizeof c.in - (size_t)c.in_len, n = len - at;
            int rc;

            if (c.in_len < 0 || c.in_len > (int)sizeof c.in) {
                model_put_int(out, -4);         /* in_len out of its range */
                done = 1;
                break;
            }
            if (n > room)
                n = room;
            memcpy(c.in + c.in_len, piece + at, n);
            c.in_len += (int)n;
            at += n;
            do {
                memset(line, 0x5A, sizeof line);
                rc = take_line(&c, line);
                model_put_int(out, rc);
                if (rc > 0)
                    model_put_bytes(out, line, rc <= CHAT_LINE_MAX ? (size_t)rc : 0);
            } while (rc > 0 && c.in_len >= 0 && c.in_len <= (int)sizeof c.in);
            if (rc < 0 || (n == 0 && rc == 0))
                done = 1;
        }
        free(piece);
        if (done)
            break;
    }
    model_put_int(out, -3);
    model_put_int(out, c.in_len);
    model_put_bytes(out, c.in, c.in_len >= 0 && c.in_len <= (int)sizeof c.in ?
                                   (size_t)c.in_len : 0);
}

static void queue(struct model_in *in, struct model_out *out)
{
    static char data[CHAT_OUT_MAX + 16], want[CHAT_OUT_MAX];
    int64_t count = (int64_t)model_int(in);
    int wanted = 0;

    memset(&c, 0, sizeof c);
    c.s = INVALID_SOCKET;
    for (int64_t i = 0; i < count && !in->bad; i++) {
        int len = (int)model_int(in), rc;

        memset(data, 'a' + (int)(i % 26), sizeof data);
        rc = queue_output(&c, data, len);
        model_put_int(out, rc);
        model_put_int(out, c.out_len);
        if (rc == 0 && wanted + len <= CHAT_OUT_MAX) {
            memcpy(want + wanted, data, (size_t)len);
            wanted += len;
        }
    }
    model_put_int(out, c.out_len == wanted && memcmp(c.out, want, (size_t)wanted) == 0);
}

int model_case(int op, struct model_in *in, struct model_out *out)
{
    switch (op) {
    case 'L': lines(in, out); return 0;
    case 'Q': queue(in, out); return 0;
    default: return -1;
    }
}
