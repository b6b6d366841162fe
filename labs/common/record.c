/*
 * record.c - the record's file, its bound, the program's sockets by number, and the
 * last line, at exit (record.h).
 */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/* Open sockets the record follows by number; more are shown as s? */
#define TRACKED 1024

struct tracked {
    SOCKET s;
    unsigned long number;   /* sN */
    int type;               /* SOCK_STREAM, SOCK_DGRAM, or 0 if not known */
};

static struct {
    FILE *file;
    unsigned long written, unrecorded;
    struct tracked open[TRACKED];
    int open_count;
    unsigned long sockets;          /* sockets numbered so far */
    long startups, failed_startups, cleanups;
} rec;

/* --- sockets by number ------------------------------------------------------------ */

static struct tracked *find(SOCKET s)
{
    for (int i = 0; i < rec.open_count; i++)
        if (rec.open[i].s == s)
            return &rec.open[i];
    return NULL;
}

void record_opened(SOCKET s, int type)
{
    struct tracked *t = find(s);        /* a number the system gave again */

    rec.sockets++;
    if (t == NULL && rec.open_count < TRACKED)
        t = &rec.open[rec.open_count++];
    if (t != NULL) {
        t->s = s;
        t->number = rec.sockets;
        t->type = type;
    }
}

void record_closed(SOCKET s)
{
    struct tracked *t = find(s);

    if (t != NULL)
        *t = rec.open[--rec.open_count];
}

int record_is_stream(SOCKET s)
{
    struct tracked *t = find(s);
    int type = 0, len = (int)sizeof type;

    if (t != NULL && t->type != 0)
        return t->type == SOCK_STREAM;
    if (wsa_getsockopt(s, SOL_SOCKET, SO_TYPE, (char *)&type, &len) != 0)
        return 0;
    if (t != NULL)
        t->type = type;
    return type == SOCK_STREAM;
}

void line_socket(struct line *l, SOCKET s)
{
    struct tracked *t = find(s);

    if (t != NULL)
        line_add(l, "s%lu", t->number);
    else if (s == INVALID_SOCKET)
        line_add(l, "INVALID_SOCKET");
    else
        line_add(l, "s?");          /* not a socket the program has open */
}

void line_set(struct line *l, const char *name, fd_set *set)
{
    int any = 0;

    line_add(l, "%s", name);
    if (set == NULL) {
        line_add(l, " NULL");
        return;
    }
    for (int i = 0; i < rec.open_count; i++)
        if (FD_ISSET(rec.open[i].s, set)) {
            line_add(l, " s%lu", rec.open[i].number);
            any = 1;
        }
    if (!any)
        line_add(l, " none");
}

/* --- the file ---------------------------------------------------------------------- */

void record_startup(int failed)
{
    if (failed)
        rec.failed_startups++;
    else
        rec.startups++;
}

void record_cleanup(void)
{
    rec.cleanups++;
}

void record_write(struct line *l)
{
    int err = WSAGetLastError();
    int saved_errno = errno;        /* writing a file may change either */

    if (rec.file != NULL) {
        if (rec.written < RECORD_LIMIT) {
            if (l->len > sizeof l->text - 2)
                l->len = sizeof l->text - 2;    /* a line cut short still ends */
            l->text[l->len++] = '\n';
            fwrite(l->text, 1, l->len, rec.file);
            rec.written++;
        } else {
            rec.unrecorded++;
        }
    }
    errno = saved_errno;
    WSASetLastError(err);
}

void record_announce(SOCKET s, const char *address)
{
    struct line l;

    if (rec.file == NULL)
        return;
    line_begin(&l, "announce");
    line_socket(&l, s);
    line_add(&l, ", %s)", address);
    record_write(&l);
}

/* The last lines, at exit: how many calls went unrecorded, the sockets still open,
   and the WSAStartup and WSACleanup counts. */
static void at_exit(void)
{
    struct line l = { .len = 0 };

    if (rec.unrecorded > 0)
        fprintf(rec.file, "not recorded: %lu calls after the first %d\n", rec.unrecorded,
                RECORD_LIMIT);
    line_add(&l, "exit: open");
    for (int i = 0; i < rec.open_count; i++)
        line_add(&l, " s%lu", rec.open[i].number);
    if (rec.open_count == 0)
        line_add(&l, " none");
    line_add(&l, "; WSAStartup %ld (%ld failed); WSACleanup %ld\n",
             rec.startups + rec.failed_startups, rec.failed_startups, rec.cleanups);
    fwrite(l.text, 1, l.len, rec.file);
}

const char *record_open(const char *path)
{
    rec.file = fopen(path, "ab");
    if (rec.file == NULL)
        return "cannot open the file for writing";
    setvbuf(rec.file, NULL, _IONBF, 0);     /* each line written out at once */
    atexit(at_exit);
    return NULL;
}
