/*
 * base/log.h: an opt-in debug log. Off unless SEALMAIL_DEBUG names a file.
 * Never log secrets or message bodies.
 */
#ifndef SEALMAIL_BASE_LOG_H
#define SEALMAIL_BASE_LOG_H

void	log_init(void);
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
