/* The one global sink; written only when SEALMAIL_DEBUG names a file. */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static FILE		*log_fp;
static pthread_mutex_t	 log_lock = PTHREAD_MUTEX_INITIALIZER;

void
log_init(void)
{
	const char	*path;
	int		 fd;

	if (log_fp != NULL || (path = getenv("SEALMAIL_DEBUG")) == NULL ||
	    *path == '\0')
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd == -1)
		return;
	if ((log_fp = fdopen(fd, "a")) == NULL)
		close(fd);
}

void
log_debug(const char *fmt, ...)
{
	struct timespec	ts;
	va_list		ap;

	if (log_fp == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	pthread_mutex_lock(&log_lock);
	fprintf(log_fp, "%lld.%03ld ", (long long)ts.tv_sec,
	    ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(log_fp, fmt, ap);
	va_end(ap);
	fputc('\n', log_fp);
	fflush(log_fp);
	pthread_mutex_unlock(&log_lock);
}
