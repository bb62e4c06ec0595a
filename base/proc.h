/*
 * base/proc.h: whether a process still runs, for the records that name
 * the process holding them (an outbox claim, an editor's file); how many
 * CPUs it may use, to size a pool of workers, and which one a worker
 * keeps to.
 */
#ifndef SEALMAIL_BASE_PROC_H
#define SEALMAIL_BASE_PROC_H

#include <sys/types.h>

#include <stddef.h>

/*
 * 1 when process pid exists and has not ended; a zombie (ended, not yet
 * reaped: its parent may be gone, and not every init reaps) counts as
 * ended. 0 for pid <= 0.
 */
int	 proc_alive(long pid);

/* Room for a proc_ident, its NUL included. */
#define PROC_IDENT_LEN	64
/*
 * What tells process pid apart from any other that had or will have its
 * number: the machine's boot id and the process's start time (field 22
 * of /proc/pid/stat), as "BOOT-ID/TICKS", in buf. 0, or -1 with errno
 * when /proc does not say: ESRCH (gone), ENOENT or EACCES (no /proc, or a
 * process this user may not see), EINVAL, or why it could not be read.
 */
int	 proc_ident(long pid, char *buf, size_t len);
/*
 * 1 when process pid runs and is the one proc_ident named ident: a
 * record that names its process so is not held by another that came to
 * have the same number. ident NULL or "" (not known when the record was
 * made): any live process of that number, as proc_alive says; and so
 * when this process cannot tell (no /proc now, or no descriptor free), so
 * that a record is never taken from a process that may still hold it.
 */
int	 proc_is(long pid, const char *ident);

/*
 * The number of CPUs this process may run on (its affinity mask, as
 * taskset(1) or a container's cpuset leaves it), at least 1; the online
 * count where the mask cannot be read.
 */
long	 proc_ncpu(void);
/*
 * Keeps the calling thread to the (i mod n)th of the n CPUs its mask
 * allows; 0, or -1 when the mask cannot be read or set.
 */
int	 proc_pin_nth(size_t i);
/* Gives process pid the calling thread's mask of CPUs; 0 or -1. */
int	 proc_share_cpus(long pid);
/*
 * Fills a standard descriptor (0, 1, 2) the process was started without
 * with /dev/null opened the wrong way round (write-only on 0, read-only
 * on 1 and 2): no file the process opens later lands there to be read as
 * input or written over as output, and a read or write on it fails with
 * EBADF as it would have.
 */
void	 proc_stdio_hold(void);
/*
 * In a child between fork and exec (async-signal-safe): every signal back
 * to its default disposition and none blocked. An ignored signal stays
 * ignored across exec, so a command would otherwise inherit the program's
 * ignored SIGPIPE and SIGXFSZ: a writer to a pipe whose reader is gone
 * would go on, or complain, where it should end quietly.
 */
void	 proc_child_signals(void);
/*
 * fork() for a child that goes on to run a command: every signal is held
 * from before the fork until the child's dispositions are the defaults
 * (proc_child_signals), so that none reaches a handler the parent set,
 * such as the screen library's, which would put the parent's terminal
 * back to its line mode from the child.
 */
pid_t	 proc_fork(void);

#endif
