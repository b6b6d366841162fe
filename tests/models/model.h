/*
 * model.h - the shared part of the programs through which the grader's models
 * (grader/gradelib/models) call a lab's functions on many cases in one process.
 *
 * A driver connects to HOST PORT (the grader, on loopback) and answers frames: each
 * is a 4-byte big-endian length, then that many bytes, an operation byte first and
 * its arguments after. The answer is one frame too. A frame of length 0, or the
 * grader closing, ends the driver with 0.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sockcompat.h"

/* The arguments of one case, read in order; a read past the end sets bad. */
struct model_in {
    const unsigned char *p;
    size_t left;
    int bad;
};

/* The answer to one case, appended to in order. */
struct model_out {
    unsigned char *data;
    size_t len, cap;
};

/* Reads an unsigned integer of 8 bytes, big-endian. */
uint64_t model_int(struct model_in *in);

/* Reads bytes written as a length (4 bytes) and the bytes: a copy of its own, NUL
   terminated, in a buffer of exactly len + 1 bytes (so that reading past it is an
   AddressSanitizer report). Sets *len; free the copy. */
char *model_bytes(struct model_in *in, size_t *len);

/* Appends an integer (8 bytes, big-endian, two's complement for a negative one). */
void model_put_int(struct model_out *out, int64_t value);

/* Appends len bytes, as a length and the bytes. */
void model_put_bytes(struct model_out *out, const void *data, size_t len);

/* Appends a C string (without its NUL), or a length of 0xFFFFFFFF for NULL. */
void model_put_string(struct model_out *out, const char *text);

/* A buffer of size bytes for a function to write into, followed by guard bytes: its
   contents before the call are a fixed pattern. model_guard_broken tells whether the
   function wrote past size bytes. Free it. */
char *model_buffer(size_t size);
int model_guard_broken(const char *buf, size_t size);

/* The lab's own part: answers one case (op, then the arguments in in). Returns 0,
   or -1 for an operation it does not know. */
int model_case(int op, struct model_in *in, struct model_out *out);

#endif /* MODEL_H */
