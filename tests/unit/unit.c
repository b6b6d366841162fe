/*
 * unit.c - the shared main of the kit's Check test programs.
 */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

void unit_stop_winsock(void)
{
    while (WSACleanup() == 0)
        ;
}

int unit_main(Suite *suite, int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    SRunner *runner = srunner_create(suite);
    int failed, ran;

    /* On Windows Check cannot fork: each case runs in this process, so the grader
       runs one case per process instead. */
    srunner_run(runner, NULL, only, CK_NORMAL);
    failed = srunner_ntests_failed(runner);
    ran = srunner_ntests_run(runner);
    srunner_free(runner);
    if (ran == 0) {
        fprintf(stderr, "no test case named '%s'\n", only ? only : "");
        return 2;
    }
    return failed == 0 ? 0 : 1;
}
