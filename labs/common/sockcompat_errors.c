/*
 * sockcompat_errors.c - sockcompat.h's wsa_error_name and wsa_error_text: each WSA
 * error code's symbol and text.
 */
#include "sockcompat.h"

#include <stddef.h>

struct wsa_error {
    int code;
    const char *name;
    const char *text;
};

/* Names and texts as Windows gives them, so messages read the same everywhere. */
static const struct wsa_error wsa_errors[] = {
    { 0, "NO_ERROR", "The operation completed successfully." },
    { WSA_NOT_ENOUGH_MEMORY, "WSA_NOT_ENOUGH_MEMORY", "Not enough memory is available." },
    { WSAEINTR, "WSAEINTR", "A blocking operation was interrupted." },
    { WSAEBADF, "WSAEBADF", "The file handle supplied is not valid." },
    { WSAEACCES, "WSAEACCES",
      "An attempt was made to access a socket in a way forbidden by its access permissions." },
    { WSAEFAULT, "WSAEFAULT",
      "The system detected an invalid pointer address in attempting to use a pointer argument in a call." },
    { WSAEINVAL, "WSAEINVAL", "An invalid argument was supplied." },
    { WSAEMFILE, "WSAEMFILE", "Too many open sockets." },
    { WSAEWOULDBLOCK, "WSAEWOULDBLOCK",
      "A non-blocking socket operation could not be completed immediately." },
    { WSAEINPROGRESS, "WSAEINPROGRESS", "A blocking operation is currently executing." },
    { WSAEALREADY, "WSAEALREADY",
      "An operation was attempted on a non-blocking socket that already had an operation in progress." },
    { WSAENOTSOCK, "WSAENOTSOCK", "An operation was attempted on something that is not a socket." },
    { WSAEDESTADDRREQ, "WSAEDESTADDRREQ",
      "A required address was omitted from an operation on a socket." },
    { WSAEMSGSIZE, "WSAEMSGSIZE",
      "A message sent on a datagram socket was larger than the internal message buffer or some other network limit, or the buffer used to receive a datagram into was smaller than the datagram itself." },
    { WSAEPROTOTYPE, "WSAEPROTOTYPE",
      "A protocol was specified in the socket function call that does not support the semantics of the socket type requested." },
    { WSAENOPROTOOPT, "WSAENOPROTOOPT",
      "An unknown, invalid, or unsupported option or level was specified in a getsockopt or setsockopt call." },
    { WSAEPROTONOSUPPORT, "WSAEPROTONOSUPPORT",
      "The requested protocol has not been configured into the system, or no implementation for it exists." },
    { WSAESOCKTNOSUPPORT, "WSAESOCKTNOSUPPORT",
      "The support for the specified socket type does not exist in this address family." },
    { WSAEOPNOTSUPP, "WSAEOPNOTSUPP",
      "The attempted operation is not supported for the type of object referenced." },
    { WSAEPFNOSUPPORT, "WSAEPFNOSUPPORT",
      "The protocol family has not been configured into the system or no implementation for it exists." },
    { WSAEAFNOSUPPORT, "WSAEAFNOSUPPORT",
      "An address incompatible with the requested protocol was used." },
    { WSAEADDRINUSE, "WSAEADDRINUSE",
      "Only one usage of each socket address (protocol/network address/port) is normally permitted." },
    { WSAEADDRNOTAVAIL, "WSAEADDRNOTAVAIL", "The requested address is not valid in its context." },
    { WSAENETDOWN, "WSAENETDOWN", "A socket operation encountered a dead network." },
    { WSAENETUNREACH, "WSAENETUNREACH",
      "A socket operation was attempted to an unreachable network." },
    { WSAENETRESET, "WSAENETRESET",
      "The connection has been broken due to keep-alive activity detecting a failure while the operation was in progress." },
    { WSAECONNABORTED, "WSAECONNABORTED",
      "An established connection was aborted by the software in your host machine." },
    { WSAECONNRESET, "WSAECONNRESET",
      "An existing connection was forcibly closed by the remote host." },
    { WSAENOBUFS, "WSAENOBUFS",
      "An operation on a socket could not be performed because the system lacked sufficient buffer space or because a queue was full." },
    { WSAEISCONN, "WSAEISCONN",
      "A connect request was made on an already connected socket." },
    { WSAENOTCONN, "WSAENOTCONN",
      "A request to send or receive data was disallowed because the socket is not connected." },
    { WSAESHUTDOWN, "WSAESHUTDOWN",
      "A request to send or receive data was disallowed because the socket had already been shut down in that direction with a previous shutdown call." },
    { WSAETOOMANYREFS, "WSAETOOMANYREFS", "Too many references to some kernel object." },
    { WSAETIMEDOUT, "WSAETIMEDOUT",
      "A connection attempt failed because the connected party did not properly respond after a period of time, or established connection failed because connected host has failed to respond." },
    { WSAECONNREFUSED, "WSAECONNREFUSED",
      "No connection could be made because the target machine actively refused it." },
    { WSAELOOP, "WSAELOOP", "Cannot translate name." },
    { WSAENAMETOOLONG, "WSAENAMETOOLONG", "Name component or name was too long." },
    { WSAEHOSTDOWN, "WSAEHOSTDOWN",
      "A socket operation failed because the destination host was down." },
    { WSAEHOSTUNREACH, "WSAEHOSTUNREACH",
      "A socket operation was attempted to an unreachable host." },
    { WSASYSNOTREADY, "WSASYSNOTREADY",
      "WSAStartup cannot function at this time because the underlying system it uses to provide network services is currently unavailable." },
    { WSAVERNOTSUPPORTED, "WSAVERNOTSUPPORTED",
      "The Windows Sockets version requested is not supported." },
    { WSANOTINITIALISED, "WSANOTINITIALISED",
      "Either the application has not called WSAStartup, or WSAStartup failed." },
    { WSAEDISCON, "WSAEDISCON",
      "Returned by WSARecv or WSARecvFrom to indicate the remote party has initiated a graceful shutdown sequence." },
    { WSATYPE_NOT_FOUND, "WSATYPE_NOT_FOUND", "The specified class was not found." },
    { WSAHOST_NOT_FOUND, "WSAHOST_NOT_FOUND", "No such host is known." },
    { WSATRY_AGAIN, "WSATRY_AGAIN",
      "This is usually a temporary error during hostname resolution and means that the local server did not receive a response from an authoritative server." },
    { WSANO_RECOVERY, "WSANO_RECOVERY",
      "A non-recoverable error occurred during a database lookup." },
    { WSANO_DATA, "WSANO_DATA",
      "The requested name is valid, but no data of the requested type was found." },
};

static const struct wsa_error *find_error(int code)
{
    for (size_t i = 0; i < sizeof wsa_errors / sizeof wsa_errors[0]; i++)
        if (wsa_errors[i].code == code)
            return &wsa_errors[i];
    return NULL;
}

const char *wsa_error_name(int code)
{
    const struct wsa_error *e = find_error(code);
    return e ? e->name : "WSA_UNKNOWN";
}

const char *wsa_error_text(int code)
{
    const struct wsa_error *e = find_error(code);
    return e ? e->text : "Unknown error.";
}
