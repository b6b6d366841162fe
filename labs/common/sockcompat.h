/*
 * sockcompat.h - Winsock on every platform.
 *
 * Lab programs are written against the Winsock API. On Windows this header is
 * <winsock2.h> and <ws2tcpip.h>. On Linux and macOS it supplies the Winsock names
 * POSIX lacks, with Windows' behaviour, so that one source file builds and behaves
 * the same everywhere. This header and sockcompat.c are the kit's only room for
 * platform conditionals: no other file may test _WIN32.
 *
 * A program calls the sockets by their Winsock names; at the end of this header
 * they are the wsa_ calls below, on every platform. The kit's build also records
 * them for the grader: see calls.h, which it puts before the first line of each
 * program's files.
 */
#ifndef SOCKCOMPAT_H
#define SOCKCOMPAT_H

#ifdef _WIN32

/* Windows' fd_set is an array of sockets, FD_SETSIZE long (64 unless set before
   winsock2.h); POSIX's is a bitmap of descriptors below FD_SETSIZE (1024). The same
   capacity on both, so that a select server holds as many clients everywhere. */
#ifndef FD_SETSIZE
#define FD_SETSIZE 1024
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <io.h>
#include <fcntl.h>

#else /* POSIX */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/ioctl.h>      /* FIONBIO, FIONREAD */
#include <sys/select.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

typedef uint8_t BYTE;
typedef uint16_t WORD;
typedef uint32_t DWORD;     /* 32 bits, as on Windows (where long is 32 bits too) */
typedef int BOOL;
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif
typedef unsigned int SOCKET; /* unsigned, as on Windows: never compare it with < 0 */

#define INVALID_SOCKET ((SOCKET)(~0))
#define SOCKET_ERROR (-1)

#define MAKEWORD(low, high) ((WORD)(((BYTE)(low)) | (((WORD)((BYTE)(high))) << 8)))
#define LOBYTE(w) ((BYTE)((w) & 0xff))
#define HIBYTE(w) ((BYTE)(((w) >> 8) & 0xff))

#define WSADESCRIPTION_LEN 256
#define WSASYS_STATUS_LEN 128

/* Field for field the 64-bit Windows layout. */
typedef struct WSAData {
    WORD wVersion;
    WORD wHighVersion;
    unsigned short iMaxSockets;
    unsigned short iMaxUdpDg;
    char *lpVendorInfo;
    char szDescription[WSADESCRIPTION_LEN + 1];
    char szSystemStatus[WSASYS_STATUS_LEN + 1];
} WSADATA, *LPWSADATA;

#define SD_RECEIVE SHUT_RD
#define SD_SEND SHUT_WR
#define SD_BOTH SHUT_RDWR

/* Windows' own value. On POSIX, wsa_setsockopt sets SO_REUSEADDR for it, which there
   gives what Windows gives a server with this option (the reason is beside it). */
#define SO_EXCLUSIVEADDRUSE ((int)(~SO_REUSEADDR))


/* Windows' error codes (winerror.h). WSAGetLastError returns these on every platform. */
#define WSA_NOT_ENOUGH_MEMORY 8
#define WSAEINTR 10004
#define WSAEBADF 10009
#define WSAEACCES 10013
#define WSAEFAULT 10014
#define WSAEINVAL 10022
#define WSAEMFILE 10024
#define WSAEWOULDBLOCK 10035
#define WSAEINPROGRESS 10036
#define WSAEALREADY 10037
#define WSAENOTSOCK 10038
#define WSAEDESTADDRREQ 10039
#define WSAEMSGSIZE 10040
#define WSAEPROTOTYPE 10041
#define WSAENOPROTOOPT 10042
#define WSAEPROTONOSUPPORT 10043
#define WSAESOCKTNOSUPPORT 10044
#define WSAEOPNOTSUPP 10045
#define WSAEPFNOSUPPORT 10046
#define WSAEAFNOSUPPORT 10047
#define WSAEADDRINUSE 10048
#define WSAEADDRNOTAVAIL 10049
#define WSAENETDOWN 10050
#define WSAENETUNREACH 10051
#define WSAENETRESET 10052
#define WSAECONNABORTED 10053
#define WSAECONNRESET 10054
#define WSAENOBUFS 10055
#define WSAEISCONN 10056
#define WSAENOTCONN 10057
#define WSAESHUTDOWN 10058
#define WSAETOOMANYREFS 10059
#define WSAETIMEDOUT 10060
#define WSAECONNREFUSED 10061
#define WSAELOOP 10062
#define WSAENAMETOOLONG 10063
#define WSAEHOSTDOWN 10064
#define WSAEHOSTUNREACH 10065
#define WSASYSNOTREADY 10091
#define WSAVERNOTSUPPORTED 10092
#define WSANOTINITIALISED 10093
#define WSAEDISCON 10101
#define WSATYPE_NOT_FOUND 10109
#define WSAHOST_NOT_FOUND 11001
#define WSATRY_AGAIN 11002
#define WSANO_RECOVERY 11003
#define WSANO_DATA 11004

/* The last error of the calling thread, as Winsock keeps it. */
int WSAGetLastError(void);
void WSASetLastError(int code);

/* The C runtime's binary mode: on POSIX every stream is already binary. */
#define _O_BINARY 0x8000
#define _O_TEXT 0x4000
#define _fileno(stream) fileno(stream)
int _setmode(int fd, int mode); /* the previous mode */

#endif /* POSIX */

/* The platform's socket calls with Winsock's behaviour: ws2_32 itself on Windows,
   sockcompat.c's Winsock on top of Berkeley sockets on POSIX, and where POSIX or
   Wine is lax, Windows' strictness on both (sockcompat.c). Winsock's signatures
   (int lengths, char buffers); on POSIX each fails with WSANOTINITIALISED until
   wsa_startup has succeeded, as on Windows. */

/* 0, or SOCKET_ERROR and WSAGetLastError says why. */
int wsa_cleanup(void);
int wsa_bind(SOCKET s, const struct sockaddr *addr, int addrlen);
int wsa_connect(SOCKET s, const struct sockaddr *addr, int addrlen);
int wsa_listen(SOCKET s, int backlog);
int wsa_shutdown(SOCKET s, int how);
int wsa_closesocket(SOCKET s);
int wsa_setsockopt(SOCKET s, int level, int optname, const char *optval, int optlen);
int wsa_getsockopt(SOCKET s, int level, int optname, char *optval, int *optlen);
int wsa_getsockname(SOCKET s, struct sockaddr *addr, int *addrlen);
int wsa_getpeername(SOCKET s, struct sockaddr *addr, int *addrlen);
int wsa_ioctlsocket(SOCKET s, long cmd, u_long *argp);

/* A count (bytes sent or received, 0 when the peer has closed; sockets ready, 0
   when the timeout ran out), or SOCKET_ERROR and WSAGetLastError says why.
   wsa_recvfrom fails with WSAEFAULT when *fromlen is too short for the sender's
   address, having taken the datagram, as Windows does. */
int wsa_send(SOCKET s, const char *buf, int len, int flags);
int wsa_recv(SOCKET s, char *buf, int len, int flags);
int wsa_sendto(SOCKET s, const char *buf, int len, int flags,
               const struct sockaddr *to, int tolen);
int wsa_recvfrom(SOCKET s, char *buf, int len, int flags,
                 struct sockaddr *from, int *fromlen);
int wsa_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
               const struct timeval *timeout);

/* A socket, or INVALID_SOCKET and WSAGetLastError says why. */
SOCKET wsa_socket(int af, int type, int protocol);
SOCKET wsa_accept(SOCKET s, struct sockaddr *addr, int *addrlen);

/* 0, or a WSA error code: wsa_startup's is not in WSAGetLastError, wsa_getaddrinfo's
   is there too. */
int wsa_startup(WORD requested, WSADATA *data);
int wsa_getaddrinfo(const char *node, const char *service,
                    const struct addrinfo *hints, struct addrinfo **res);

/* Frees a list wsa_getaddrinfo gave; returns nothing. */
void wsa_freeaddrinfo(struct addrinfo *list);

/* The C runtime's read and write of a file descriptor, which on Windows is the C
   runtime's own, never a socket: there read or write of a socket fails (EBADF). So
   they do on POSIX too (saying so once on stderr), so that a program that reads or
   writes a socket as a file breaks on every platform, not on Windows alone: sockets
   take recv and send. A count, or -1 and errno says why. */
long wsa_read(int fd, void *buf, size_t len);
long wsa_write(int fd, const void *buf, size_t len);

/* Winsock's symbol for a WSA error code ("WSAECONNREFUSED"), or "WSA_UNKNOWN". */
const char *wsa_error_name(int code);

/* Windows' English text for a WSA error code; never NULL. */
const char *wsa_error_text(int code);

/* The Winsock names, as a program calls them, are the calls above. sockcompat.c
   defines SOCKCOMPAT_IMPL to reach the system's own. */
#ifndef SOCKCOMPAT_IMPL
#define WSAStartup(requested, data) wsa_startup(requested, data)
#define WSACleanup() wsa_cleanup()
#define socket(af, type, protocol) wsa_socket(af, type, protocol)
#define bind(s, addr, len) wsa_bind(s, addr, len)
#define connect(s, addr, len) wsa_connect(s, addr, len)
#define listen(s, backlog) wsa_listen(s, backlog)
#define accept(s, addr, lenp) wsa_accept(s, addr, lenp)
#define send(s, buf, len, flags) wsa_send(s, buf, len, flags)
#define recv(s, buf, len, flags) wsa_recv(s, buf, len, flags)
#define sendto(s, buf, len, flags, to, tolen) wsa_sendto(s, buf, len, flags, to, tolen)
#define recvfrom(s, buf, len, flags, from, fromlen) \
    wsa_recvfrom(s, buf, len, flags, from, fromlen)
#define shutdown(s, how) wsa_shutdown(s, how)
#define closesocket(s) wsa_closesocket(s)
#define setsockopt(s, level, name, val, len) wsa_setsockopt(s, level, name, val, len)
#define getsockopt(s, level, name, val, lenp) wsa_getsockopt(s, level, name, val, lenp)
#define getsockname(s, addr, lenp) wsa_getsockname(s, addr, lenp)
#define getpeername(s, addr, lenp) wsa_getpeername(s, addr, lenp)
#define ioctlsocket(s, cmd, argp) wsa_ioctlsocket(s, cmd, argp)
#define select(n, r, w, e, t) wsa_select(n, r, w, e, t)
#define getaddrinfo(node, service, hints, res) wsa_getaddrinfo(node, service, hints, res)
#define freeaddrinfo(list) wsa_freeaddrinfo(list)
#undef read
#undef write
#define read(fd, buf, len) wsa_read(fd, buf, len)
#define write(fd, buf, len) wsa_write(fd, buf, len)
#endif

#endif /* SOCKCOMPAT_H */
