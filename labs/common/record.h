/*
 * record.h - the call record: one line per socket call the program makes, in its
 * own terms, like strace, appended to the file KIT_CALLS names. Sockets are
 * numbered in the order the program made them (s1, s2, ...), so that a record reads
 * the same on every platform:
 *
 *     socket(AF_INET6, SOCK_STREAM, IPPROTO_TCP) = s3
 *     connect(s3, [::1]:8080) = SOCKET_ERROR WSAECONNREFUSED
 *     send(s4, 65536 bytes) = 913 [fault: short send]
 *
 * record.c keeps the file, the sockets' numbers and the last line, at exit; a
 * line's words are record_line.h's. Part of the recorder: above sockcompat.h,
 * below labkit.h.
 */
#ifndef RECORD_H
#define RECORD_H

#include "sockcompat.h"
#include "record_line.h"

/* The record's bound, RECORD_LIMIT, from calls.def. */
#define CALLS_LIMIT(name, value) enum { name = value };
#include "calls.def"

/* Opens the record at PATH for appending, and writes its last line at exit.
   Returns NULL, or why the file cannot be opened. */
const char *record_open(const char *path);

/* Numbers the socket S the program has just made (TYPE: SOCK_STREAM, SOCK_DGRAM, or
   0 if not known); returns nothing. */
void record_opened(SOCKET s, int type);

/* Forgets the socket S, which the program has closed; returns nothing. */
void record_closed(SOCKET s);

/* 1 if S is a stream socket (known from when it was made, or asked of the system),
   else 0. */
int record_is_stream(SOCKET s);

/* Counts a WSAStartup that succeeded (FAILED 0) or failed, and a WSACleanup that
   succeeded, for the last line; return nothing. */
void record_startup(int failed);
void record_cleanup(void);

/* Writes the line, if the record is open, keeping the program's last error; past
   RECORD_LIMIT lines only counts it. Returns nothing. */
void record_write(struct line *l);

/* Writes "announce(sN, ADDRESS)": the program's server announced that it listens at
   ADDRESS. Returns nothing. */
void record_announce(SOCKET s, const char *address);

/* Adds the socket as the record names it: "sN", "INVALID_SOCKET", or "s?" for one
   the program does not have open. Returns nothing. */
void line_socket(struct line *l, SOCKET s);

/* Adds "NAME s1 s2" for the program's sockets in SET ("NAME none", "NAME NULL");
   returns nothing. */
void line_set(struct line *l, const char *name, fd_set *set);

#endif /* RECORD_H */
