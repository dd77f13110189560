/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Diagnostics for operators on stderr, one line per message: "ward: error: ...",
 * "ward: warning: ...", "ward: ..." (info) and "ward: debug: ...". Not for events: those go
 * through the output stage. The level is the one process-wide setting in this module.
 */
#ifndef WARD_LIB_LOG_H
#define WARD_LIB_LOG_H

#include <stdarg.h>

enum ward_log_level {
	WARD_LOG_ERROR,
	WARD_LOG_WARN,
	WARD_LOG_INFO,
	WARD_LOG_DEBUG,
};

/* Messages above this level are dropped; the default is WARD_LOG_INFO. */
void ward_log_set_level(enum ward_log_level level);
enum ward_log_level ward_log_get_level(void);

/* A trailing newline in fmt is optional; errno is preserved, so "%m" and callers can rely on it. */
void ward_log(enum ward_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ward_log_va(enum ward_log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

/*
 * libbpf print callback: level is libbpf's LIBBPF_WARN (0), LIBBPF_INFO (1) or LIBBPF_DEBUG (2),
 * mapped to WARD_LOG_WARN, WARD_LOG_INFO and WARD_LOG_DEBUG. The level is unsigned int, not
 * int, because gcc and clang make an enum without negative values compatible with unsigned
 * int: libbpf_set_print(ward_log_vprintf) then compiles without a cast while this header
 * stays free of libbpf.
 */
int ward_log_vprintf(unsigned int level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#endif /* WARD_LIB_LOG_H */
