/*
 * http_request.c - fuzzes lab 07's request parser: head_length and parse_request
 * on any bytes, and map_path on the target of every request parse_request accepts.
 * An accepted request has a target that starts with its line's second part and
 * fits; a path map_path accepts is the root, then '/', and has no ".." segment, no
 * backslash and no colon.
 */
#include "fuzz.h"
#include "httpserver.h"

#define ROOT "root"

/* 1 if a segment of path is "..". */
static int climbs(const char *path)
{
    for (const char *p = strstr(path, "/.."); p != NULL; p = strstr(p + 1, "/.."))
        if (p[3] == '/' || p[3] == '\0')
            return 1;
    return 0;
}

static void check_path(const char *target)
{
    static char path[PATH_LIMIT];

    if (map_path(ROOT, target, path, sizeof path) != 0)
        return;
    if (strncmp(path, ROOT "/", strlen(ROOT "/")) != 0 || climbs(path) ||
        strchr(path, '\\') != NULL || strchr(path, ':') != NULL ||
        strlen(path) >= sizeof path)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct http_request req;
    char *text = fuzz_string(data, size);
    size_t head = head_length(text, size);

    if (head > size || (head != 0 && (head < 4 || memcmp(text + head - 4, "\r\n\r\n", 4))))
        abort();
    /* The whole input as a head, and the head head_length found. */
    if (parse_request(text, size, &req) == 200) {
        if (strlen(req.target) >= TARGET_LIMIT || req.target[0] == '\0')
            abort();
        check_path(req.target);
    }
    if (head != 0 && parse_request(text, head, &req) == 200)
        check_path(req.target);
    /* The input as a target of its own. */
    check_path(text);
    free(text);
    return 0;
}
