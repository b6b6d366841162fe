/*
 * lab01_model.c - lab 01's functions for the grader's model (model.h):
 *   'V' null, text            -> parse_version: result, the word (0xBEEF before)
 *   'F' word                  -> format_version into 16 bytes: the text, whether it
 *                                returned buf
 *   'C' a, b                  -> compare_versions: <0, 0 or >0 as -1, 0, 1
 *   'E' kind, family, address, port, scope, size
 *                             -> format_endpoint and format_raw into size bytes:
 *                                each result, text and whether it wrote past size;
 *                                then inet_ntop's text of the address and AF_INET6
 */
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "wsabasics.h"

static void version(struct model_in *in, struct model_out *out)
{
    int null = (int)model_int(in);
    size_t len;
    char *text = model_bytes(in, &len);
    WORD word = 0xBEEF;
    int rc = parse_version(null ? NULL : text, &word);

    model_put_int(out, rc);
    model_put_int(out, word);
    free(text);
}

static void format(struct model_in *in, struct model_out *out)
{
    WORD word = (WORD)model_int(in);
    char *buf = model_buffer(16);
    char *got = format_version(word, buf, 16);

    model_put_string(out, memchr(buf, '\0', 16) != NULL ? buf : NULL);
    model_put_int(out, got == buf);
    model_put_int(out, model_guard_broken(buf, 16));
    free(buf);
}

static void compare(struct model_in *in, struct model_out *out)
{
    WORD a = (WORD)model_int(in), b = (WORD)model_int(in);
    int rc = compare_versions(a, b);

    model_put_int(out, rc < 0 ? -1 : rc > 0);
}

/* An address of KIND (4, 6, or 0 for another family, FAMILY) in a buffer of
   exactly its structure's size. */
static struct sockaddr *address(int kind, int family, const char *bytes, unsigned port,
                                unsigned long scope)
{
    if (kind == 4) {
        struct sockaddr_in *a = calloc(1, sizeof *a);
        a->sin_family = AF_INET;
        a->sin_port = htons((unsigned short)port);
        memcpy(&a->sin_addr, bytes, 4);
        return (struct sockaddr *)a;
    }
    if (kind == 6) {
        struct sockaddr_in6 *a = calloc(1, sizeof *a);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((unsigned short)port);
        memcpy(&a->sin6_addr, bytes, 16);
        a->sin6_scope_id = (unsigned)scope;
        return (struct sockaddr *)a;
    }
    struct sockaddr *a = calloc(1, sizeof *a);
    a->sa_family = (unsigned short)family;
    return a;
}

static void endpoint(struct model_in *in, struct model_out *out)
{
    int kind = (int)model_int(in), family = (int)model_int(in);
    size_t len;
    char *bytes = model_bytes(in, &len);
    unsigned port = (unsigned)model_int(in);
    unsigned long scope = (unsigned long)model_int(in);
    size_t size = (size_t)model_int(in);
    char text[INET6_ADDRSTRLEN] = "";
    struct sockaddr *sa;
    char *buf;
    int rc;

    if (len < 16)
        bytes = realloc(bytes, 16);
    if (kind == 0 && (family == AF_INET || family == AF_INET6))
        family = AF_UNSPEC;
    sa = address(kind, family, bytes, port, scope);
    for (int raw = 0; raw < 2; raw++) {
        buf = model_buffer(size);
        rc = raw ? format_raw(sa, buf, size) : format_endpoint(sa, buf, size);
        model_put_int(out, rc);
        model_put_string(out, rc == 0 && memchr(buf, '\0', size) != NULL ? buf : NULL);
        model_put_int(out, model_guard_broken(buf, size));
        free(buf);
    }
    if (kind == 4 || kind == 6)
        inet_ntop(kind == 4 ? AF_INET : AF_INET6, bytes, text, sizeof text);
    model_put_string(out, text);
    model_put_int(out, AF_INET6);
    free(sa);
    free(bytes);
}

int model_case(int op, struct model_in *in, struct model_out *out)
{
    switch (op) {
    case 'V': version(in, out); return 0;
    case 'F': format(in, out); return 0;
    case 'C': compare(in, out); return 0;
    case 'E': endpoint(in, out); return 0;
    default: return -1;
    }
}
