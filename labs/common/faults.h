/*
 * faults.h - the faults the grader asks for (KIT_FAULTS, names in calls.def),
 * decided by one seeded stream of random numbers (KIT_SEED), so that a program's
 * faults depend only on the seed and its sequence of calls: the same seed replays
 * them. Part of the recorder: above sockcompat.h, beside record.h.
 */
#ifndef FAULTS_H
#define FAULTS_H

#include "sockcompat.h"

/* --- what the grader asks for ------------------------------------------------------ */

/* Takes the faults named in LIST ("short-send,short-recv"). Returns NULL, or why
   not (a name calls.def does not define). */
const char *faults_read(const char *list);

/* Seeds the faults' random numbers with TEXT, a decimal number. Returns NULL, or
   why not. */
const char *faults_read_seed(const char *text);

/* Takes the address first-refuses puts first: 127.0.0.1:PORT or [::1]:PORT, where
   the grader holds a socket that does not listen. Returns NULL, or why not. */
const char *faults_read_refuser(const char *text);

/* NULL if every fault asked for has what it needs, or why not. */
const char *faults_missing(void);

/* 1 if any fault was asked for, else 0. */
int faults_any(void);

/* --- the faults, each where a call meets it -------------------------------------------- */

/* short-send: the length send passes to the system, LEN, or on a stream socket a
   random part of it (1 to LEN - 1). */
int fault_send_length(SOCKET s, int len);

/* short-recv: the length recv asks the system for, LEN, or three times in four on a
   stream socket a random part of it (1 to LEN - 1). */
int fault_recv_length(SOCKET s, int len);

/* accept-reset, on the first connection waiting on the listening socket S: resets
   it, as a client that gave up in the backlog does. Returns 1, WSAECONNRESET set as
   accept's error, if it did; else 0 (and accept goes on). */
int fault_reset_in_backlog(SOCKET s);

/* listen-fails, on the program's first listen: returns 1, WSAENOBUFS set as its
   error, once; else 0 (and listen goes on). */
int fault_fail_listen(void);

/* accept-fails, on the program's first accept: returns 1, WSAEMFILE set as its error
   (no socket left to the program), once, without taking a connection; else 0. */
int fault_fail_accept(void);

/* select-fails, on the program's first select: returns 1, WSAENETDOWN set as its
   error, once, the sets left as given; else 0 (and select goes on). */
int fault_fail_select(void);

/* first-refuses: LIST, the system's answer to a getaddrinfo with HINTS, with the
   refusing address first, in an entry of the layer's own. Returns the list the
   program gets. */
struct addrinfo *fault_refuser_first(const struct addrinfo *hints, struct addrinfo *list);

/* Frees the layer's own entry, if LIST begins with one. Returns what is left to the
   system to free (LIST itself when it holds none of the layer's). */
struct addrinfo *fault_free_refuser(struct addrinfo *list);

#endif /* FAULTS_H */
