/*
 * take_line.c - fuzzes lab 06's take_line (chat.c), the chat server's line
 * splitting, with any bytes arriving in any pieces: the input's first byte seeds the
 * sizes of the pieces, the rest is what the client sends. Every line taken ends with
 * its only '\n' and fits CHAT_LINE_MAX; the lines and what is left in c->in are the
 * bytes sent, in order; -1 comes only when c->in is full without a '\n'. queue_output
 * of each line keeps c->out within CHAT_OUT_MAX, all or nothing.
 */
#include "fuzz.h"
#include "chat.h"

static struct client c;
static char seen[1 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char line[CHAT_LINE_MAX];
    unsigned step;
    size_t at = 1, seen_len = 0;

    if (size < 1 || size > sizeof seen)
        return 0;
    step = data[0];
    memset(&c, 0, sizeof c);
    c.s = INVALID_SOCKET;
    while (at < size) {
        int room = (int)sizeof c.in - c.in_len, len, before;
        int piece = (int)(step % 97) + 1;

        step = step * 1103515245u + 12345u;
        if (piece > room)
            piece = room;
        if ((size_t)piece > size - at)
            piece = (int)(size - at);
        memcpy(c.in + c.in_len, data + at, (size_t)piece);
        c.in_len += piece;
        at += (size_t)piece;
        while ((len = take_line(&c, line)) > 0) {
            if (len > CHAT_LINE_MAX || line[len - 1] != '\n' ||
                memchr(line, '\n', (size_t)len - 1) != NULL)
                abort();
            memcpy(seen + seen_len, line, (size_t)len);
            seen_len += (size_t)len;
            before = c.out_len;
            if (queue_output(&c, line, len) == 0 ? c.out_len != before + len
                                                 : c.out_len != before)
                abort();
            if (c.out_len > CHAT_OUT_MAX)
                abort();
            if (c.out_len > CHAT_OUT_MAX - CHAT_LINE_MAX)
                c.out_len = 0;          /* as if flushed */
        }
        if (len < 0) {
            if (c.in_len != CHAT_LINE_MAX || memchr(c.in, '\n', CHAT_LINE_MAX) != NULL)
                abort();
            return 0;                   /* the server drops such a client */
        }
        if (c.in_len < 0 || c.in_len >= CHAT_LINE_MAX ||
            memchr(c.in, '\n', (size_t)c.in_len) != NULL)
            abort();
        if (memcmp(seen, data + 1, seen_len) != 0 ||
            memcmp(c.in, data + 1 + seen_len, (size_t)c.in_len) != 0 ||
            seen_len + (size_t)c.in_len != at - 1)
            abort();
    }
    return 0;
}
