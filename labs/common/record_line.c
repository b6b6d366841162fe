/*
 * record_line.c - a record line's words: a call's arguments and result as the
 * program wrote them, constants by their names (record_line.h).
 */
#include "record_line.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct line *line_begin(struct line *l, const char *call)
{
    l->len = 0;
    line_add(l, "%s(", call);
    return l;
}

void line_add(struct line *l, const char *format, ...)
{
    va_list ap;
    int n;

    if (l->len >= sizeof l->text - 1)
        return;
    va_start(ap, format);
    n = vsnprintf(l->text + l->len, sizeof l->text - l->len, format, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->text - l->len ? (size_t)n : sizeof l->text - 1 - l->len;
}

void line_address(struct line *l, const struct sockaddr *addr, int len)
{
    char host[INET6_ADDRSTRLEN];

    if (addr == NULL) {
        line_add(l, "NULL");
    } else if (addr->sa_family == AF_INET && len >= (int)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a4 = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, (void *)&a4->sin_addr, host, sizeof host);
        line_add(l, "%s:%u", host, ntohs(a4->sin_port));
    } else if (addr->sa_family == AF_INET6 && len >= (int)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, (void *)&a6->sin6_addr, host, sizeof host);
        line_add(l, "[%s]:%u", host, ntohs(a6->sin6_port));
    } else {
        line_add(l, "(family %d, %d bytes)", addr->sa_family, len);
    }
}

/* 1 if LEN is the length of ADDR's family's own sockaddr. */
static int family_length(const struct sockaddr *addr, int len)
{
    return (addr->sa_family == AF_INET && len == (int)sizeof(struct sockaddr_in)) ||
           (addr->sa_family == AF_INET6 && len == (int)sizeof(struct sockaddr_in6));
}

void line_address_arg(struct line *l, const struct sockaddr *addr, int len)
{
    line_address(l, addr, len);
    if (addr != NULL && !family_length(addr, len))
        line_add(l, " length %d", len);
}

void line_buffer(struct line *l, const struct sockaddr *addr, const int *len)
{
    if (addr == NULL)
        line_add(l, "NULL");
    else if (len == NULL)
        line_add(l, "addr[NULL length]");
    else
        line_add(l, "addr[%d]", *len);
}

/* --- constants by name --------------------------------------------------------------- */

struct name {
    int value;
    const char *name;
};

#define NAME(x) { x, #x }

static const struct name families[] = { NAME(AF_UNSPEC), NAME(AF_INET), NAME(AF_INET6) };
static const struct name types[] = { NAME(SOCK_STREAM), NAME(SOCK_DGRAM), NAME(SOCK_RAW) };
static const struct name protocols[] = { NAME(IPPROTO_TCP), NAME(IPPROTO_UDP) };
static const struct name levels[] = { NAME(SOL_SOCKET), NAME(IPPROTO_TCP), NAME(IPPROTO_IP),
                                      NAME(IPPROTO_IPV6) };
static const struct name socket_options[] = {
    NAME(SO_EXCLUSIVEADDRUSE), NAME(SO_REUSEADDR), NAME(SO_KEEPALIVE), NAME(SO_LINGER),
    NAME(SO_RCVBUF), NAME(SO_SNDBUF), NAME(SO_RCVTIMEO), NAME(SO_SNDTIMEO), NAME(SO_ERROR),
    NAME(SO_TYPE), NAME(SO_BROADCAST), NAME(SO_ACCEPTCONN), NAME(SO_DONTROUTE),
    NAME(SO_OOBINLINE),
};
static const struct name tcp_options[] = { NAME(TCP_NODELAY) };
static const struct name ipv6_options[] = { NAME(IPV6_V6ONLY) };
static const struct name hows[] = { NAME(SD_RECEIVE), NAME(SD_SEND), NAME(SD_BOTH) };

static void add_name(struct line *l, const struct name *names, size_t count, int value)
{
    for (size_t i = 0; i < count; i++)
        if (names[i].value == value) {
            line_add(l, "%s", names[i].name);
            return;
        }
    line_add(l, "%d", value);
}

#define ADD_NAME(l, names, value) add_name(l, names, sizeof names / sizeof names[0], value)

void line_family(struct line *l, int af) { ADD_NAME(l, families, af); }
void line_type(struct line *l, int type) { ADD_NAME(l, types, type); }
void line_protocol(struct line *l, int protocol) { ADD_NAME(l, protocols, protocol); }
void line_how(struct line *l, int how) { ADD_NAME(l, hows, how); }

void line_flags(struct line *l, int flags)
{
    if (flags == 0)
        return;
    line_add(l, ", ");
    if (flags & MSG_PEEK)
        line_add(l, "MSG_PEEK%s", flags & ~MSG_PEEK ? "|" : "");
    if (flags & MSG_OOB)
        line_add(l, "MSG_OOB%s", flags & ~(MSG_PEEK | MSG_OOB) ? "|" : "");
    if (flags & ~(MSG_PEEK | MSG_OOB))
        line_add(l, "0x%x", (unsigned)(flags & ~(MSG_PEEK | MSG_OOB)));
}

void line_option(struct line *l, int level, int optname)
{
    ADD_NAME(l, levels, level);
    line_add(l, ", ");
    if (level == SOL_SOCKET)
        ADD_NAME(l, socket_options, optname);
    else if (level == IPPROTO_TCP)
        ADD_NAME(l, tcp_options, optname);
    else if (level == IPPROTO_IPV6)
        ADD_NAME(l, ipv6_options, optname);
    else
        line_add(l, "%d", optname);
}

void line_value(struct line *l, int optname, const char *val, int len)
{
    if (val == NULL) {
        line_add(l, "NULL");
    } else if (optname == SO_LINGER && len >= (int)sizeof(struct linger)) {
        struct linger lg;
        memcpy(&lg, val, sizeof lg);
        line_add(l, "{l_onoff %d, l_linger %d}", (int)lg.l_onoff, (int)lg.l_linger);
    } else if (len == (int)sizeof(int)) {
        int v;
        memcpy(&v, val, sizeof v);
        line_add(l, "%d", v);
    } else if (len == 1) {
        line_add(l, "%d", (unsigned char)val[0]);
    } else {
        line_add(l, "%d bytes", len);
    }
}

void line_result(struct line *l, int rc, int err)
{
    if (rc == SOCKET_ERROR)
        line_add(l, " = SOCKET_ERROR %s", wsa_error_name(err));
    else
        line_add(l, " = %d", rc);
}

void line_text(struct line *l, const char *text)
{
    if (text == NULL)
        line_add(l, "NULL");
    else
        line_add(l, "\"%.100s\"", text);
}
