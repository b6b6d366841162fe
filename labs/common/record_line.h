/*
 * record_line.h - one line of the call record, in the program's terms: a call's
 * arguments and result as it wrote them, its constants by their names
 * (record_line.c). record.h numbers the sockets and writes the lines. Part of the
 * recorder, above sockcompat.h.
 */
#ifndef RECORD_LINE_H
#define RECORD_LINE_H

#include <stddef.h>

#include "sockcompat.h"

/* One line of the record, built by the line_ calls and written by record_write. */
struct line {
    char text[768];
    size_t len;
};

/* Empties L and begins the line of CALL: "CALL(". Returns L. */
struct line *line_begin(struct line *l, const char *call);

/* Adds text as printf formats it; what does not fit is left out. Returns nothing,
   as every line_ call below. */
void line_add(struct line *l, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* An address: "127.0.0.1:80", "[::1]:80", "NULL", or its family and length. */
void line_address(struct line *l, const struct sockaddr *addr, int len);

/* An address argument, with " length N" when LEN is not its family's own. */
void line_address_arg(struct line *l, const struct sockaddr *addr, int len);

/* An address buffer the call fills: "addr[SIZE]", "NULL", "addr[NULL length]". */
void line_buffer(struct line *l, const struct sockaddr *addr, const int *len);

/* Constants by their names ("AF_INET6", "SOCK_STREAM", "IPPROTO_TCP", "SD_SEND"),
   or their values. */
void line_family(struct line *l, int af);
void line_type(struct line *l, int type);
void line_protocol(struct line *l, int protocol);
void line_how(struct line *l, int how);

/* ", MSG_PEEK|MSG_OOB" for send and receive flags; nothing for 0. */
void line_flags(struct line *l, int flags);

/* An option: "SOL_SOCKET, SO_RCVBUF", "IPPROTO_TCP, TCP_NODELAY". */
void line_option(struct line *l, int level, int optname);

/* An option's value, as given or got: "1", "{l_onoff 1, l_linger 0}", "8 bytes". */
void line_value(struct line *l, int optname, const char *val, int len);

/* " = RC", or " = SOCKET_ERROR WSANAME" with ERR's name. */
void line_result(struct line *l, int rc, int err);

/* A string argument: "\"text\"" (at most 100 characters) or NULL. */
void line_text(struct line *l, const char *text);

#endif /* RECORD_LINE_H */
