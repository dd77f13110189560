// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

/* One line, written with a single write(2) so lines from threads do not interleave. */
#define LOG_LINE_MAX 1024

static enum ward_log_level log_level = WARD_LOG_INFO;

void ward_log_set_level(enum ward_log_level level)
{
	log_level = level;
}

enum ward_log_level ward_log_get_level(void)
{
	return log_level;
}

static const char *level_prefix(enum ward_log_level level)
{
	switch (level) {
	case WARD_LOG_ERROR:
		return "ward: error: ";
	case WARD_LOG_WARN:
		return "ward: warning: ";
	case WARD_LOG_DEBUG:
		return "ward: debug: ";
	case WARD_LOG_INFO:
	default:
		return "ward: ";
	}
}

void ward_log_va(enum ward_log_level level, const char *fmt, va_list ap)
{
	static const char trunc[] = "...";
	char line[LOG_LINE_MAX];
	size_t len, room;
	int saved_errno = errno, n;
	ssize_t w;

	if (level > log_level)
		return;

	len = strlen(level_prefix(level));
	memcpy(line, level_prefix(level), len);
	/* Keep the last byte for the newline; vsnprintf's NUL may land there and is replaced. */
	room = sizeof(line) - len - 1;
	errno = saved_errno;	/* for %m */
	n = vsnprintf(line + len, room + 1, fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > room) {
		memcpy(line + sizeof(line) - 1 - (sizeof(trunc) - 1), trunc, sizeof(trunc) - 1);
		n = (int)room;
	}
	len += (size_t)n;
	/* libbpf's messages and careless callers end in '\n'; we add exactly one. */
	while (len > 0 && line[len - 1] == '\n')
		len--;
	line[len++] = '\n';

	do {
		w = write(STDERR_FILENO, line, len);
	} while (w < 0 && errno == EINTR);
	errno = saved_errno;
}

void ward_log(enum ward_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ward_log_va(level, fmt, ap);
	va_end(ap);
}

int ward_log_vprintf(unsigned int level, const char *fmt, va_list ap)
{
	/* libbpf: 0 = LIBBPF_WARN, 1 = LIBBPF_INFO, 2 = LIBBPF_DEBUG; its text starts "libbpf: ". */
	static const enum ward_log_level map[] = { WARD_LOG_WARN, WARD_LOG_INFO, WARD_LOG_DEBUG };
	const size_t nmap = sizeof(map) / sizeof(map[0]);

	ward_log_va(level < nmap ? map[level] : WARD_LOG_DEBUG, fmt, ap);
	return 0;
}
