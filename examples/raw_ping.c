/*
 * raw_ping - sends one ICMP echo request to a loopback address over a raw socket
 * and prints the reply's type, code and round trip. An example, not a lab: it shows
 * what SOCK_RAW gives (the whole IP packet, headers included) and what it costs
 * (administrator rights on Windows, root or CAP_NET_RAW on Linux).
 *
 * usage: raw_ping [ADDR]
 *   ADDR is a numeric IPv4 loopback address (127.0.0.0/8); the default is 127.0.0.1.
 *   Any other address is refused: the example never sends outside this machine.
 *
 * Exit codes: 0 a reply came, 1 usage (or not a loopback address), 2 a socket call
 * failed, 3 no reply within the timeout, 4 no rights to open a raw socket.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "labkit.h"

static const char *PROG = "raw_ping";

enum { EXIT_NO_RIGHTS = 4 };

#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO_REQUEST 8
#define ICMP_HEADER 8
#define PAYLOAD 32
#define TIMEOUT_MS 2000
#define ECHO_ID 0x4b54      /* "KT": picks our replies out of every ICMP packet */
#define ECHO_SEQ 1

static int usage(void)
{
    fprintf(stderr, "usage: %s [ADDR]\n"
                    "  ADDR is a numeric IPv4 loopback address (127.0.0.0/8); "
                    "the default is 127.0.0.1\n", PROG);
    return EXIT_USAGE;
}

/* Fills to with ADDR. Returns 0, or -1 if text is not an IPv4 loopback address. */
static int loopback_address(const char *text, struct sockaddr_in *to)
{
    memset(to, 0, sizeof *to);
    to->sin_family = AF_INET;
    if (inet_pton(AF_INET, text, &to->sin_addr) != 1)
        return -1;
    return (ntohl(to->sin_addr.s_addr) >> 24) == 127 ? 0 : -1;
}

/* Milliseconds on a monotonic clock. */
static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The Internet checksum (RFC 1071) of len bytes. */
static unsigned short checksum(const unsigned char *data, size_t len)
{
    unsigned long sum = 0;

    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (unsigned long)(data[i] << 8 | data[i + 1]);
    if (len % 2)
        sum += (unsigned long)data[len - 1] << 8;
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (unsigned short)~sum;
}

/* Writes an echo request into packet (ICMP_HEADER + PAYLOAD bytes). */
static void echo_request(unsigned char *packet)
{
    unsigned short sum;

    memset(packet, 0, ICMP_HEADER + PAYLOAD);
    packet[0] = ICMP_ECHO_REQUEST;
    packet[4] = ECHO_ID >> 8;
    packet[5] = ECHO_ID & 0xff;
    packet[6] = ECHO_SEQ >> 8;
    packet[7] = ECHO_SEQ & 0xff;
    for (int i = 0; i < PAYLOAD; i++)
        packet[ICMP_HEADER + i] = (unsigned char)('a' + i % 26);
    sum = checksum(packet, ICMP_HEADER + PAYLOAD);
    packet[2] = (unsigned char)(sum >> 8);
    packet[3] = (unsigned char)(sum & 0xff);
}

/* The ICMP message in a packet a raw socket received: an IPv4 raw socket gives the
   IP header first (its length in the low nibble of the first byte, in 32-bit words).
   Returns its offset, or -1 if the packet is too short. */
static int icmp_offset(const unsigned char *packet, int len)
{
    int offset = 0;

    if (len > 0 && (packet[0] >> 4) == 4)
        offset = (packet[0] & 0x0f) * 4;
    return len - offset >= ICMP_HEADER ? offset : -1;
}

/* Receives until the reply to our request comes (our own request, looped back, and
   anyone else's ICMP are skipped), for TIMEOUT_MS in all. Returns 0 with the reply's
   type and code, or the WSA error code of recvfrom (WSAETIMEDOUT once time is up). */
static int await_reply(SOCKET s, const struct sockaddr_in *to, int *type, int *code)
{
    unsigned char packet[1500];
    struct sockaddr_in from;
    double deadline = now_ms() + TIMEOUT_MS;

    for (;;) {
        if (now_ms() > deadline)
            return WSAETIMEDOUT;    /* other ICMP kept coming, never our reply */
        int fromlen = (int)sizeof from;
        int n = recvfrom(s, (char *)packet, (int)sizeof packet, 0,
                         (struct sockaddr *)&from, &fromlen);
        if (n == SOCKET_ERROR)
            return WSAGetLastError();
        int at = icmp_offset(packet, n);
        if (at < 0 || from.sin_addr.s_addr != to->sin_addr.s_addr)
            continue;
        const unsigned char *icmp = packet + at;
        if (icmp[0] == ICMP_ECHO_REQUEST)
            continue;   /* our own request, as loopback delivers it */
        if ((icmp[4] << 8 | icmp[5]) != ECHO_ID || (icmp[6] << 8 | icmp[7]) != ECHO_SEQ)
            continue;
        *type = icmp[0];
        *code = icmp[1];
        return 0;
    }
}

/* Opens the raw socket, with a receive timeout. Returns it, or INVALID_SOCKET with
   the reason on stderr and *status set to the exit code. */
static SOCKET open_raw(int *status)
{
    DWORD timeout = TIMEOUT_MS;
    SOCKET s = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

    if (s == INVALID_SOCKET) {
        int err = WSAGetLastError();
        kit_error(PROG, "socket", err);
        *status = EXIT_NETWORK;
        if (err == WSAEACCES) {
            fprintf(stderr, "%s: a raw socket needs administrator rights on Windows, "
                            "root or CAP_NET_RAW on Linux\n", PROG);
            *status = EXIT_NO_RIGHTS;
        }
        return INVALID_SOCKET;
    }
    if (setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&timeout,
                   (int)sizeof timeout) == SOCKET_ERROR) {
        kit_error(PROG, "setsockopt", WSAGetLastError());
        closesocket(s);
        *status = EXIT_NETWORK;
        return INVALID_SOCKET;
    }
    return s;
}

/* Sends the request and waits for its reply. Returns the exit code. */
static int ping(SOCKET s, const struct sockaddr_in *to, const char *addr)
{
    unsigned char request[ICMP_HEADER + PAYLOAD];
    int type = -1, code = -1, rc;
    double started;

    echo_request(request);
    started = now_ms();
    if (sendto(s, (const char *)request, (int)sizeof request, 0,
               (const struct sockaddr *)to, (int)sizeof *to) == SOCKET_ERROR) {
        kit_error(PROG, "sendto", WSAGetLastError());
        return EXIT_NETWORK;
    }
    rc = await_reply(s, to, &type, &code);
    if (rc == WSAETIMEDOUT) {
        fprintf(stderr, "%s: no reply from %s within %d ms\n", PROG, addr, TIMEOUT_MS);
        return EXIT_TIMEOUT;
    }
    if (rc != 0) {
        kit_error(PROG, "recvfrom", rc);
        return EXIT_NETWORK;
    }
    printf("reply from %s: type %d code %d%s, time %.3f ms\n", addr, type, code,
           type == ICMP_ECHO_REPLY ? " (echo reply)" : "", now_ms() - started);
    return type == ICMP_ECHO_REPLY ? EXIT_OK : EXIT_NETWORK;
}

int main(int argc, char **argv)
{
    const char *addr = argc > 1 ? argv[1] : "127.0.0.1";
    struct sockaddr_in to;
    WSADATA data;
    SOCKET s;
    int rc, status;

    if (argc > 2)
        return usage();
    /* Winsock first: on Windows inet_pton is ws2_32's too. */
    rc = WSAStartup(MAKEWORD(2, 2), &data);
    if (rc != 0) {
        kit_error(PROG, "WSAStartup", rc);
        return EXIT_NETWORK;
    }
    if (loopback_address(addr, &to) != 0) {
        fprintf(stderr, "%s: '%s' is not an IPv4 loopback address: this example "
                        "pings 127.0.0.0/8 only\n", PROG, addr);
        WSACleanup();
        return usage();
    }
    s = open_raw(&status);
    if (s != INVALID_SOCKET) {
        status = ping(s, &to, addr);
        closesocket(s);
    }
    WSACleanup();
    return status;
}
