/*
 * faults.c - what the grader asks for, and each fault where a call meets it
 * (faults.h).
 */
#include "faults.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"

/* The faults' numbers, FAULT_SHORT_SEND..., in calls.def's order. */
enum fault {
#define CALLS_FAULT(id, name) FAULT_##id,
#include "calls.def"
    FAULT_COUNT
};

static const char *const fault_names[FAULT_COUNT] = {
#define CALLS_FAULT(id, name) name,
#include "calls.def"
};

static struct {
    unsigned asked;                 /* bit F: fault F */
    uint64_t rng;
    struct sockaddr_storage refuser;
    int refuser_len;
    struct addrinfo *added[16];     /* getaddrinfo's entries the layer made */
} faults;

static int wanted(enum fault f)
{
    return (faults.asked >> f) & 1u;
}

/* --- what the grader asks for ------------------------------------------------------ */

/* The fault named by the N characters at NAME, or FAULT_COUNT. */
static enum fault named(const char *name, size_t n)
{
    for (int f = 0; f < FAULT_COUNT; f++)
        if (strlen(fault_names[f]) == n && strncmp(name, fault_names[f], n) == 0)
            return (enum fault)f;
    return FAULT_COUNT;
}

/* "unknown fault (known: short-send, ...)", from calls.def. */
static const char *unknown_fault(void)
{
    static char why[256];
    size_t len = (size_t)snprintf(why, sizeof why, "unknown fault (known:");

    for (int f = 0; f < FAULT_COUNT && len < sizeof why; f++)
        len += (size_t)snprintf(why + len, sizeof why - len, "%s %s", f ? "," : "",
                                fault_names[f]);
    if (len < sizeof why)
        snprintf(why + len, sizeof why - len, ")");
    return why;
}

const char *faults_read(const char *list)
{
    const char *p = list;

    while (*p) {
        size_t n = strcspn(p, ",");
        enum fault f = named(p, n);
        if (f == FAULT_COUNT && n > 0)
            return unknown_fault();
        if (f < FAULT_COUNT)
            faults.asked |= 1u << f;
        p += n + (p[n] == ',');
    }
    return NULL;
}

const char *faults_read_seed(const char *text)
{
    char *end;
    unsigned long long seed;

    errno = 0;
    seed = strtoull(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || text[0] == '-')
        return "not a decimal number";
    faults.rng = (uint64_t)seed;
    return NULL;
}

/* The port at TEXT, a decimal number from 0 to 65535. Returns 0, or -1. */
static int read_port(const char *text, unsigned short *port)
{
    char *end;
    unsigned long value;

    if (*text < '0' || *text > '9')
        return -1;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > 65535)
        return -1;
    *port = (unsigned short)value;
    return 0;
}

const char *faults_read_refuser(const char *text)
{
    char host[64];
    unsigned short port;
    const char *colon = strrchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : 0;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&faults.refuser;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&faults.refuser;

    if (colon == NULL || n == 0 || n >= sizeof host || read_port(colon + 1, &port) != 0)
        return "not ADDRESS:PORT";
    memcpy(host, text, n);
    host[n] = '\0';
    memset(&faults.refuser, 0, sizeof faults.refuser);
    if (host[0] == '[' && host[n - 1] == ']') {
        host[n - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return "not an IPv6 address in brackets";
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        faults.refuser_len = (int)sizeof *a6;
    } else {
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return "not an IPv4 address";
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        faults.refuser_len = (int)sizeof *a4;
    }
    return NULL;
}

const char *faults_missing(void)
{
    if (wanted(FAULT_FIRST_REFUSES) && faults.refuser_len == 0)
        return "first-refuses needs KIT_REFUSER=ADDRESS:PORT";
    return NULL;
}

int faults_any(void)
{
    return faults.asked != 0;
}

/* --- the seeded decisions ----------------------------------------------------------- */

/* splitmix64: the next number of the one stream every fault decision takes from, so
   that the decisions depend only on the seed and the program's sequence of calls. */
static uint64_t next_random(void)
{
    uint64_t z = (faults.rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A random length from 1 to len - 1 (len > 1). */
static int shorter(int len)
{
    return 1 + (int)(next_random() % (uint64_t)(len - 1));
}

int fault_send_length(SOCKET s, int len)
{
    if (!wanted(FAULT_SHORT_SEND) || len <= 1 || !record_is_stream(s))
        return len;
    return shorter(len);
}

int fault_recv_length(SOCKET s, int len)
{
    if (!wanted(FAULT_SHORT_RECV) || len <= 1 || !record_is_stream(s))
        return len;
    /* One recv in four may still fill the whole buffer, as a real one does when
       enough has arrived: a program that writes one byte past what recv filled must
       meet a full buffer under this fault too. */
    if (next_random() % 4 == 0)
        return len;
    return shorter(len);
}

/* --- the faults that act on the system ---------------------------------------------- */

int fault_reset_in_backlog(SOCKET s)
{
    static int done;
    struct linger abort = { 1, 0 };
    SOCKET c;

    if (done || !wanted(FAULT_ACCEPT_RESET))
        return 0;
    c = wsa_accept(s, NULL, NULL);
    if (c == INVALID_SOCKET)
        return 0;       /* no connection yet: the fault waits for the first one */
    done = 1;
    wsa_setsockopt(c, SOL_SOCKET, SO_LINGER, (const char *)&abort, (int)sizeof abort);
    wsa_closesocket(c);
    WSASetLastError(WSAECONNRESET);
    return 1;
}

/* The first call that meets fault F fails: 1, ERR set as its error, once (DONE says
   whether it has); else 0. */
static int fail_first(enum fault f, int *done, int err)
{
    if (*done || !wanted(f))
        return 0;
    *done = 1;
    WSASetLastError(err);
    return 1;
}

int fault_fail_listen(void)
{
    static int done;
    return fail_first(FAULT_LISTEN_FAILS, &done, WSAENOBUFS);
}

int fault_fail_accept(void)
{
    static int done;
    return fail_first(FAULT_ACCEPT_FAILS, &done, WSAEMFILE);
}

int fault_fail_select(void)
{
    static int done;
    return fail_first(FAULT_SELECT_FAILS, &done, WSAENETDOWN);
}

/* 1 if a getaddrinfo with HINTS may get the refuser's address: a client's, for a
   stream or datagrams, in the refuser's family. */
static int refuser_fits(const struct addrinfo *hints)
{
    return hints == NULL ||
           (!(hints->ai_flags & AI_PASSIVE) &&
            (hints->ai_family == AF_UNSPEC || hints->ai_family == faults.refuser.ss_family) &&
            (hints->ai_socktype == 0 || hints->ai_socktype == SOCK_STREAM ||
             hints->ai_socktype == SOCK_DGRAM));
}

struct addrinfo *fault_refuser_first(const struct addrinfo *hints, struct addrinfo *list)
{
    struct addrinfo *ai;
    size_t slot;
    const size_t slots = sizeof faults.added / sizeof faults.added[0];

    if (!wanted(FAULT_FIRST_REFUSES) || list == NULL || !refuser_fits(hints))
        return list;
    for (slot = 0; slot < slots && faults.added[slot]; slot++)
        ;
    if (slot == slots)
        return list;
    ai = calloc(1, sizeof *ai + sizeof faults.refuser);
    if (ai == NULL)
        return list;
    *ai = *list;
    ai->ai_canonname = NULL;
    ai->ai_family = faults.refuser.ss_family;
    ai->ai_addr = (struct sockaddr *)(ai + 1);
    memcpy(ai->ai_addr, &faults.refuser, (size_t)faults.refuser_len);
    ai->ai_addrlen = faults.refuser_len;
    ai->ai_next = list;
    faults.added[slot] = ai;
    return ai;
}

struct addrinfo *fault_free_refuser(struct addrinfo *list)
{
    for (size_t i = 0; list != NULL && i < sizeof faults.added / sizeof faults.added[0]; i++)
        if (faults.added[i] == list) {
            struct addrinfo *rest = list->ai_next;
            faults.added[i] = NULL;
            free(list);         /* the layer's own entry; the system frees the rest */
            return rest;
        }
    return list;
}
