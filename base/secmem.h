/*
 * base/secmem.h: wiping, constant-time comparison, and keeping secrets out
 * of core dumps.
 */
#ifndef SEALMAIL_BASE_SECMEM_H
#define SEALMAIL_BASE_SECMEM_H

#include <stddef.h>

/* Overwrites len bytes at p in a way the compiler cannot drop. */
void	secmem_wipe(void *p, size_t len);
/* Wipes a NUL-terminated string, then frees it; NULL is a no-op. */
void	secmem_strfree(char *s);
/* Wipes len bytes at p, then frees it; NULL is a no-op. */
void	secmem_free(void *p, size_t len);
/* 1 when the two blocks are equal, in time independent of their contents. */
int	secmem_equal(const void *a, const void *b, size_t len);
/*
 * Turns core dumps off for this process and marks it not dumpable
 * (PR_SET_DUMPABLE 0: no ptrace attach or /proc/PID/mem by the same user);
 * 0 or -1.
 */
int	secmem_no_coredump(void);
/* Locks the pages of len bytes at p in memory where RLIMIT_MEMLOCK allows. */
void	secmem_lock(void *p, size_t len);
/*
 * Marks every descriptor above 2 close-on-exec: what this process was
 * handed (a passphrase file among them) goes to none of the programs it
 * starts. Opening one by /proc/self/fd/N still works.
 */
void	secmem_fds_private(void);

#endif
