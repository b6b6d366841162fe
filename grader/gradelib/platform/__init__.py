"""The grader's one room for platform differences.

How programs are found, started and ended on Linux, macOS, Windows (MSYS2) and under
Wine, and the list of places where Wine behaves differently from real Windows. No
other grader module looks at the platform: they use the names below, as
`platform.X`.

Every decision is a function of a Host (where the grader runs, what it runs), so each
Windows path can be tested on Linux by passing it a Windows Host; only the system calls
themselves (ctypes, taskkill, os.killpg) run on one platform alone. One module for each
concern:

  hosts     the Host, this one's facts, where Wine differs (WINE_DIFFERENCES)
  boundary  what contains student code: the box around each program, the run's network
  programs  which programs run how: paths, command lines, environment, start, wait, end
  wine      Wine's loader, the kit's prefix, its server and the keeper
  jobs      Windows Job objects, error mode and taskkill
  procfs    Linux's /proc: a run's processes, the sockets listening on a port
  locks     file locks across pytest-xdist's workers
  exits     how an exit is described: signals, Windows exceptions, memory errors

A test that replaces one of these functions or names replaces it in its module (for
instance platform.jobs._kernel32, platform.hosts.HOST), where the others look it up.
"""
from . import boundary, exits, hosts, jobs, locks, procfs, programs, wine
from .exits import (EXCEPTIONS, MEMORY_ERROR_EXIT, SANITIZER_REPORT, VALGRIND_REPORT,
                    describe_exit, memory_error)
from .hosts import (EXE, HOST, MARK, ON_WINDOWS, REFUSED_CONNECT_SECONDS,
                    RESET_REPORTED_BY, ROOT,
                    SAME_SOCKETS_AS_PROGRAMS, STREAM_SCALE, TARGET, UDP_SENDTO_WHILE_CONNECTED, UNDER_WINE,
                    WINDOWS_PROGRAMS, WINE_DIFFERENCES, WINE_DIFFERS_AT_TIMES, Host,
                    python_problem, stream_bytes, wine_differs)
from .hosts import (LEAK_CHECKS, ON_LINUX, RUN_MARK, SANITIZERS, SYSTEM, msys2_root,
                    running_as_root)
from .jobs import (CREATE_NEW_PROCESS_GROUP, CREATE_SUSPENDED, ERROR_MODE,
                   JOB_LIMIT_FLAGS, JOB_OBJECT_EXTENDED_LIMIT_INFORMATION,
                   JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION,
                   JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE, SEM_FAILCRITICALERRORS,
                   SEM_NOGPFAULTERRORBOX, JobLimits, job_limits, taskkill_command)
from .locks import exclusive, lock_is_free
from .procfs import (linux_members, listening_addresses, proc_net_address, socket_inodes,
                     stat_fields)
from .programs import (PROGRAM_ENV, Box, after_start, before_start, box_members, box_view,
                       boxed_env, command, contain, exit_status, kill_tree, normalise_newlines, popen_options, program_argv,
                       program_env, program_file, program_path, read_left, reap, survivors,
                       typed_command, wait_exit, wrapper)
from .programs import tree_members, tree_options
from .wine import (KEEPER_READY, PREFIX_MADE, WINEPREFIX, WINESERVER_LOG,
                   WINESERVER_PERSIST, keeper_alive, prepare, restart_server, server_failures,
                   wine_binary, wine_env,
                   wine_keeper_command, wine_preloader, wine_prefix_commands, wine_problem,
                   wine_server_command)
