/* lt/process.h: child processes (asyncio.create_subprocess_exec): spawned without a shell,
 * their exit awaitable (a pidfd in the loop's epoll set: no SIGCHLD handler, no thread), and
 * their standard streams as lt_streams when piped. */
#ifndef LT_PROCESS_H
#define LT_PROCESS_H

#include <sys/types.h>

#include "base.h"
#include "stream.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  LT_PROCESS_STDIN_PIPE = 1u << 0,  /* stdin=PIPE: lt_process_stdin writes to it */
  LT_PROCESS_STDOUT_PIPE = 1u << 1, /* stdout=PIPE */
  LT_PROCESS_STDERR_PIPE = 1u << 2, /* stderr=PIPE */
  LT_PROCESS_STDERR_STDOUT = 1u << 3, /* stderr=STDOUT: into the stdout pipe (or stdout) */
  LT_PROCESS_STDIN_DEVNULL = 1u << 4, /* stdin=DEVNULL */
};

typedef struct lt_process lt_process;

/* Runs file (looked up in PATH like execvp) with argv (NULL-terminated, argv[0] included) and
 * the flags above; streams not piped are inherited. NULL + errno: EPERM outside a loop, the
 * spawn's errno (ENOENT: no such program), EMFILE, ENOMEM. */
lt_process *lt_create_subprocess_exec(const char *file, char *const argv[], unsigned flags);
pid_t lt_process_pid(const lt_process *p);
/* The parent's ends of the pipes asked for, or NULL. They belong to the process object
 * (closed by lt_process_free; lt_stream_write_eof on stdin closes it early). */
lt_stream *lt_process_stdin(lt_process *p);
lt_stream *lt_process_stdout(lt_process *p);
lt_stream *lt_process_stderr(lt_process *p);
/* Waits for the process to exit (Process.wait), then *returncode (may be NULL) is its exit
 * status, or -N when signal N ended it, as asyncio's returncode. 0, or -ECANCELED (the
 * process goes on). The wait is recorded with the reason "process". */
int lt_process_wait_at(lt_process *p, int *returncode, const lt_srcloc *site);
#define lt_process_wait(p, returncode) lt_process_wait_at((p), (returncode), LT_HERE)
/* The returncode once it exited: 0 with *returncode, or -EAGAIN while it runs. */
int lt_process_returncode(const lt_process *p, int *returncode);
/* send_signal / terminate (SIGTERM) / kill (SIGKILL): 0, or -ESRCH once it has exited. */
int lt_process_send_signal(lt_process *p, int sig);
int lt_process_terminate(lt_process *p);
int lt_process_kill(lt_process *p);
/* Closes its pipes and frees it. A process still running goes on, and is reaped when it exits
 * while the loop runs (not once the loop has ended). */
void lt_process_free(lt_process *p);

#ifdef __cplusplus
}
#endif
#endif
