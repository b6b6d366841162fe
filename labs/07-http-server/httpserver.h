/*
 * httpserver.h - lab 07: the parts of an HTTP/1.1 file server. The functions you
 * write in httpserver.c; http_server.c uses them, and tests/unit/lab07_test.c checks
 * them.
 */
#ifndef HTTPSERVER_H
#define HTTPSERVER_H

#include <stddef.h>

#include "sockcompat.h"

/* The most a request's head (its request line and headers) may take. */
#define HEAD_LIMIT 8192
/* The longest request target the server takes, its terminating NUL included. */
#define TARGET_LIMIT 2048
/* The longest file path map_path makes, its terminating NUL included. */
#define PATH_LIMIT 4096

/* What the server needs of a request. */
struct http_request {
    int head;                   /* 1 for HEAD (no body in the answer), 0 for GET */
    int minor;                  /* the version's minor digit: HTTP/1.minor */
    char target[TARGET_LIMIT];  /* the request target as sent, "/index.html?x=1" */
};

/* The length of the head at the start of buf, up to and including the blank line
   (CR LF CR LF) that ends it; 0 if len bytes do not hold a whole head yet. len may
   be anything from 0: it reads none of buf past len. */
size_t head_length(const char *buf, size_t len);

/* Parses a whole head (len bytes, as head_length measured it) into *req. Returns 200,
   or the status of the first check that fails, in this order:
   1. 400 for a request line that is not three parts, METHOD SP TARGET SP VERSION,
      ending with CR LF, or whose VERSION is not HTTP/D.D; 505 for a major version
      other than 1;
   2. 400 for a METHOD that is not a token (one or more of RFC 9110's tchars:
      letters, digits and !#$%&'*+-.^_`|~), or an empty TARGET or one with a byte
      below 0x21, or 0x7F (bytes from 0x80 are allowed);
   3. 414 for a TARGET of TARGET_LIMIT bytes or more;
   4. 405 for a METHOD other than GET and HEAD;
   5. 400 for a header line that is not NAME:VALUE (NAME a token; VALUE, after any
      spaces, may be empty, and holds no control byte but tab), a CR or LF that does
      not end a line as CR LF, more than one Host header, or an HTTP/1.1 request
      (HTTP/1.2 to 1.9 read as 1.1) without one.
   Whatever it returns, req->head is 1 if head starts with "HEAD " (so that an error
   answer to HEAD has no body either), 0 otherwise; the other fields are meaningful
   only when it returns 200. */
int parse_request(const char *head, size_t len, struct http_request *req);

/* The file a target names under root: root, then the target's path (the part before
   any '?') percent-decoded, with "index.html" after a path that ends in '/'. Writes
   it to path (size bytes). Returns 0; 400 for a target it refuses (one that does not
   start with '/', a bad %-escape, a decoded control byte, backslash or one of
   <>:"|?*, a segment that ends in '.' or ' ' (so "..") or that is a Windows device
   name, CON, PRN, AUX, NUL, COM1-9 or LPT1-9, with any extension); 414 if it does not
   fit in size bytes. Refuses the same on every platform. */
int map_path(const char *root, const char *target, char *path, size_t size);

/* The Content-Type for path's extension, whatever its case: text/html (.html, .htm),
   text/css, text/javascript (.js), image/png, text/plain (.txt); otherwise
   application/octet-stream. */
const char *content_type(const char *path);

/* Reads a request's head from s into buf (size bytes, at least HEAD_LIMIT), as it
   arrives in pieces, waiting at most seconds in all. Returns 0 when the head is
   whole (buf holds the head, and what came after it); 408 if seconds pass first;
   414 if buf fills before the request line ends, 431 if it fills later; -1 if the
   client closed or reset before the head was whole (no one to answer). Whatever it
   returns, *len is the number of bytes in buf. */
int read_head(SOCKET s, char *buf, int size, int seconds, int *len);

/* Sends all len bytes of buf, calling send as often as it takes. Returns 0, or
   SOCKET_ERROR (WSAGetLastError says why). */
int send_all(SOCKET s, const char *buf, int len);

/* Answers with status and a short text body naming it (no body for head): the
   status line, Content-Type, Content-Length, Connection: close, and for 405
   Allow: GET, HEAD. Returns 0, or SOCKET_ERROR. */
int send_status(SOCKET s, int status, int head);

/* Answers with the file at path: 200 with its Content-Type and Content-Length, then
   its bytes exactly (none for head); for a folder, the index.html in it; 404 if
   there is no such file.
   Returns the status sent, or SOCKET_ERROR if a send failed. */
int send_file(SOCKET s, const char *path, int head);

#endif /* HTTPSERVER_H */
