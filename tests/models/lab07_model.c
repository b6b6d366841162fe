/*
 * lab07_model.c - lab 07's functions for the grader's model (model.h):
 *   'L' head_length(bytes)                -> length
 *   'P' parse_request(bytes)              -> status, head, minor, target
 *   'M' map_path(root, target, size)      -> status, path (when 0), wrote past size
 *   'T' content_type(path)                -> the type
 */
#include <string.h>
#include <stdlib.h>

#include "httpserver.h"
#include "model.h"

static void head(struct model_in *in, struct model_out *out)
{
    size_t len;
    char *buf = model_bytes(in, &len);

    model_put_int(out, (int64_t)head_length(buf, len));
    free(buf);
}

static void request(struct model_in *in, struct model_out *out)
{
    static struct http_request req;
    size_t len;
    char *buf = model_bytes(in, &len);
    int status;

    memset(&req, 0x5A, sizeof req);
    status = parse_request(buf, len, &req);
    model_put_int(out, status);
    model_put_int(out, req.head);
    model_put_int(out, req.minor);
    req.target[TARGET_LIMIT - 1] = '\0';
    model_put_string(out, status == 200 ? req.target : "");
    free(buf);
}

static void path(struct model_in *in, struct model_out *out)
{
    size_t root_len, target_len, size;
    char *root = model_bytes(in, &root_len), *target = model_bytes(in, &target_len);
    char *buf;
    int status;

    size = (size_t)model_int(in);
    buf = model_buffer(size);
    status = map_path(root, target, buf, size);
    model_put_int(out, status);
    model_put_string(out, status == 0 && memchr(buf, '\0', size) != NULL ? buf : NULL);
    model_put_int(out, model_guard_broken(buf, size));
    free(buf);
    free(root);
    free(target);
}

static void type(struct model_in *in, struct model_out *out)
{
    size_t len;
    char *p = model_bytes(in, &len);

    model_put_string(out, content_type(p));
    free(p);
}

int model_case(int op, struct model_in *in, struct model_out *out)
{
    switch (op) {
    case 'L': head(in, out); return 0;
    case 'P': request(in, out); return 0;
    case 'M': path(in, out); return 0;
    case 'T': type(in, out); return 0;
    default: return -1;
    }
}
