/*
 * unit.h - the shared main of the kit's Check test programs.
 */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "sockcompat.h"

/* A test passes only if it reaches its end. Check runs each test in a child process
   and counts a child that exits with 0 as passed, so an exit inside the code under
   test would pass it. Each test's body runs inside a function of the kit's, which
   records that the body returned (unit_reached); the report counts only the tests
   that did. What it records with is the address of this file's unit_proof_, which
   unit_main gives the kit before any test runs: the code under test, in files of its
   own, has no name for it, so it cannot record a test it ended as one that returned. */
static const char unit_proof_ __attribute__((unused));
void unit_reached(const void *proof);
#undef START_TEST
#define START_TEST(name)                                                               \
    static void name##_body(int _i);                                                  \
    static void name##_fn(int _i)                                                     \
    {                                                                                 \
        name##_body(_i);                                                              \
        unit_reached(&unit_proof_);                                                   \
    }                                                                                 \
    static const TTest name##_ttest = {"" #name, name##_fn, __FILE__, __LINE__};     \
    static const TTest *name = &name##_ttest;                                         \
    static void name##_body(int _i CK_ATTRIBUTE_UNUSED)

/* Check's comparisons hand their arguments on to other macros, which expands them
   before they are quoted: a failure would show MAKEWORD(2, 2) as the layer spells
   it out. These quote the test's own words, and print what Check prints. */
#define UNIT_INT_(X, OP, Y, XS, YS, T, F)                                              \
    do {                                                                              \
        T x_ = (X);                                                                   \
        T y_ = (Y);                                                                   \
        ck_assert_msg(x_ OP y_, "Assertion '%s' failed: %s == %" F ", %s == %" F,    \
                      XS " " #OP " " YS, XS, x_, YS, y_);                             \
    } while (0)
#define UNIT_STR_(X, OP, Y, XS, YS)                                                    \
    do {                                                                              \
        const char *x_ = (X);                                                         \
        const char *y_ = (Y);                                                         \
        ck_assert_msg(x_ != NULL && y_ != NULL && 0 OP strcmp(y_, x_),                \
                      "Assertion '%s' failed: %s == %s%s%s, %s == %s%s%s",            \
                      XS " " #OP " " YS, XS, x_ ? "\"" : "", x_ ? x_ : "(null)",      \
                      x_ ? "\"" : "", YS, y_ ? "\"" : "", y_ ? y_ : "(null)",         \
                      y_ ? "\"" : "");                                                \
    } while (0)
#define UNIT_MEM_(X, OP, Y, L, XS, YS)                                                 \
    do {                                                                              \
        char xs_[2 * 64 + 1], ys_[2 * 64 + 1];                                        \
        size_t l_ = (L);                                                              \
        const void *x_ = (X);                                                         \
        const void *y_ = (Y);                                                         \
        ck_assert_msg(0 OP memcmp(y_, x_, l_),                                        \
                      "Assertion '%s' failed: %s == \"%s\", %s == \"%s\"",            \
                      XS " " #OP " " YS, XS, unit_hex(x_, l_, xs_), YS,               \
                      unit_hex(y_, l_, ys_));                                         \
    } while (0)
#define UNIT_PTR_(X, OP, XS)                                                           \
    do {                                                                              \
        const void *x_ = (X);                                                         \
        ck_assert_msg(x_ OP NULL, "Assertion '%s' failed: %s == %#lx", XS " " #OP " NULL", \
                      XS, (unsigned long)(uintptr_t)x_);                              \
    } while (0)

#undef ck_assert
#define ck_assert(expr) ck_assert_msg(expr, "Assertion '%s' failed", #expr)
#undef ck_assert_int_eq
#define ck_assert_int_eq(X, Y) UNIT_INT_(X, ==, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_int_ne
#define ck_assert_int_ne(X, Y) UNIT_INT_(X, !=, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_int_lt
#define ck_assert_int_lt(X, Y) UNIT_INT_(X, <, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_int_le
#define ck_assert_int_le(X, Y) UNIT_INT_(X, <=, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_int_gt
#define ck_assert_int_gt(X, Y) UNIT_INT_(X, >, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_int_ge
#define ck_assert_int_ge(X, Y) UNIT_INT_(X, >=, Y, #X, #Y, intmax_t, "jd")
#undef ck_assert_uint_eq
#define ck_assert_uint_eq(X, Y) UNIT_INT_(X, ==, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_uint_ne
#define ck_assert_uint_ne(X, Y) UNIT_INT_(X, !=, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_uint_lt
#define ck_assert_uint_lt(X, Y) UNIT_INT_(X, <, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_uint_le
#define ck_assert_uint_le(X, Y) UNIT_INT_(X, <=, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_uint_gt
#define ck_assert_uint_gt(X, Y) UNIT_INT_(X, >, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_uint_ge
#define ck_assert_uint_ge(X, Y) UNIT_INT_(X, >=, Y, #X, #Y, uintmax_t, "ju")
#undef ck_assert_str_eq
#define ck_assert_str_eq(X, Y) UNIT_STR_(X, ==, Y, #X, #Y)
#undef ck_assert_str_ne
#define ck_assert_str_ne(X, Y) UNIT_STR_(X, !=, Y, #X, #Y)
#undef ck_assert_mem_eq
#define ck_assert_mem_eq(X, Y, L) UNIT_MEM_(X, ==, Y, L, #X, #Y)
#undef ck_assert_mem_ne
#define ck_assert_mem_ne(X, Y, L) UNIT_MEM_(X, !=, Y, L, #X, #Y)
#undef ck_assert_ptr_null
#define ck_assert_ptr_null(X) UNIT_PTR_(X, ==, #X)
#undef ck_assert_ptr_nonnull
#define ck_assert_ptr_nonnull(X) UNIT_PTR_(X, !=, #X)

/* The first 64 of len bytes at p in hex into out (2 * 64 + 1 bytes), "..." at the
   end when there are more, as Check shows memory; returns out. */
const char *unit_hex(const void *p, size_t len, char *out);

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

/* The port s is bound to, as a decimal string in port (at least 6 bytes). */
void unit_port_of(SOCKET s, char *port);

/* Fills buf with len bytes that take every value (zeros, newlines, 0x1A), from seed. */
void unit_fill(char *buf, int len, unsigned seed);

/* Connects a new socket to listener (made by unit_listener) and accepts it: the two
   ends go to *client and *server. */
void unit_pair(SOCKET listener, SOCKET *client, SOCKET *server);

/* Receives exactly len bytes into buf, or fails the test. */
void unit_recv_exactly(SOCKET s, char *buf, int len);

/* A value that is neither INVALID_SOCKET nor a socket the test has open: given as
   *s to a function whose failure must set *s to INVALID_SOCKET, it shows one that
   leaves *s as it found it. */
#define UNIT_NOT_A_SOCKET ((SOCKET)0x7ffe)

/* Closes *s if it is open, and sets it to INVALID_SOCKET. */
void unit_close(SOCKET *s);

/* Runs suite: every test case, or with argv[1] only the test case of that name (the
   grader runs one case at a time, so a crash or hang costs only that case's points).
   Returns 0 if all ran tests passed, 1 if any failed, 2 if no case has that name.
   It takes the test file's unit_proof_ with it (see START_TEST). */
int unit_main_(Suite *suite, int argc, char **argv, const void *proof);
#define unit_main(suite, argc, argv) unit_main_((suite), (argc), (argv), &unit_proof_)

#endif /* UNIT_H */
