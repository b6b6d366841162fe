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
        ck_assert_msg(rc_ == (long long)(failed) && err_ == (code),                   \
                      "%s returned %lld with WSAGetLastError() %d; expected %lld, %d", \
                      #call, rc_, err_, (long long)(failed), (int)(code));            \
    } while (0)

/* Cleans up every outstanding WSAStartup, so a test starts with Winsock stopped. */
void unit_stop_winsock(void);

/* Runs suite: every test case, or with argv[1] only the test case of that name (the
   grader runs one case at a time, so a crash or hang costs only that case's points).
   Returns 0 if all ran tests passed, 1 if any failed, 2 if no case has that name. */
int unit_main(Suite *suite, int argc, char **argv);

#endif /* UNIT_H */
