/*
 * unit.h - the shared main of the kit's Check test programs.
 */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>

#include "sockcompat.h"

/* Asserts that CALL returns FAILED and leaves WSAGetLastError() at CODE. The error is
   read at once: on Windows any later call, Check's own included, may overwrite it. */
#define ck_assert_wsa_error(call, failed, code)                                        \
    do {                                                                              \
        long long rc_ = (long long)(call);                                            \
        int err_ = WSAGetLastError();                                                 \
        /* %ld: the older Windows C runtime's printf has no %lld. */                  \
        ck_assert_msg(rc_ == (long long)(failed) && err_ == (code),                   \
                      "%s returned %ld with WSAGetLastError() %d; expected %ld, %d",   \
                      #call, (long)rc_, err_, (long)(failed), (int)(code));           \
    } while (0)

/* Cleans up every outstanding WSAStartup, so a test starts with Winsock stopped. */
void unit_stop_winsock(void);

/* Starts Winsock (asserting it starts) for a test that uses sockets. */
void unit_start_winsock(void);

/* A loopback socket listening on any free port: 127.0.0.1 for AF_INET, ::1 for
   AF_INET6. Its port, as a decimal string, goes to port (at least 6 bytes). */
SOCKET unit_listener(int family, char *port);

/* A loopback socket of FAMILY bound to PORT (a decimal string) but not listening: a
   connect there is refused. INVALID_SOCKET if the port is taken. */
SOCKET unit_bound(int family, const char *port);

/* Connects a new socket to listener (made by unit_listener) and accepts it: the two
   ends go to *client and *server. */
void unit_pair(SOCKET listener, SOCKET *client, SOCKET *server);

/* Receives exactly len bytes into buf, or fails the test. */
void unit_recv_exactly(SOCKET s, char *buf, int len);

/* Closes *s if it is open, and sets it to INVALID_SOCKET. */
void unit_close(SOCKET *s);

/* Runs suite: every test case, or with argv[1] only the test case of that name (the
   grader runs one case at a time, so a crash or hang costs only that case's points).
   Returns 0 if all ran tests passed, 1 if any failed, 2 if no case has that name. */
int unit_main(Suite *suite, int argc, char **argv);

#endif /* UNIT_H */
