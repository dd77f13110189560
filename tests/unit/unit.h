/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A header-only unit test harness; include it from exactly one file per test binary.
 *
 *	UNIT_TEST(parses_empty)
 *	{
 *		if (!CHECK_EQ_INT(parse(""), -EINVAL))
 *			goto out;	// checks return bool, so a test can jump to its cleanup
 *		...
 *	out:
 *		cleanup();
 *	}
 *	UNIT_MAIN()
 *
 * Tests register themselves (a constructor per test) and run in file order, each in a forked
 * child so a crash or sanitizer abort fails that test alone. Failed checks print file:line
 * with actual and expected values and the test continues. Output: one "PASS name" or
 * "FAIL name" line per test, then "unit: N passed, N failed" for tests/run-unit.sh to sum.
 * Arguments select tests by name; UNIT_NOFORK=1 runs in-process, for a debugger.
 */
#ifndef WARD_TESTS_UNIT_H
#define WARD_TESTS_UNIT_H

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define UNIT_MAX_TESTS 256

struct unit_test {
	const char *name;
	void (*fn)(void);
};

/* Static: each binary is one translation unit plus the code under test. */
static struct unit_test unit_tests[UNIT_MAX_TESTS];
static int unit_ntests;
static int unit_failed_checks;

static inline void unit_register(const char *name, void (*fn)(void))
{
	if (unit_ntests == UNIT_MAX_TESTS) {
		fprintf(stderr, "unit: more than %d tests, raise UNIT_MAX_TESTS\n", UNIT_MAX_TESTS);
		exit(2);
	}
	unit_tests[unit_ntests].name = name;
	unit_tests[unit_ntests].fn = fn;
	unit_ntests++;
}

#define UNIT_TEST(name)							\
	static void unit_fn_##name(void);				\
	__attribute__((constructor)) static void unit_reg_##name(void)	\
	{								\
		unit_register(#name, unit_fn_##name);			\
	}								\
	static void unit_fn_##name(void)

static inline void unit_fail_at(const char *file, int line, const char *what)
{
	unit_failed_checks++;
	fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
}

/* Print a string C-style, so control bytes and invalid UTF-8 in the output can be seen. */
static inline void unit_print_mem(const char *label, const void *p, size_t n)
{
	const unsigned char *s = p;
	size_t i;

	fprintf(stderr, "    %s: ", label);
	if (!p) {
		fprintf(stderr, "(null)\n");
		return;
	}
	fputc('"', stderr);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(stderr, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			fprintf(stderr, "\\x%02x", s[i]);
		else
			fputc(s[i], stderr);
	}
	fprintf(stderr, "\" (%zu bytes)\n", n);
}

#define CHECK(cond) ({							\
	bool unit_ok_ = (cond);						\
	if (!unit_ok_)							\
		unit_fail_at(__FILE__, __LINE__, #cond);		\
	unit_ok_;							\
})

#define CHECK_EQ_INT(actual, expected) ({				\
	long long unit_a_ = (long long)(actual);			\
	long long unit_e_ = (long long)(expected);			\
	bool unit_ok_ = unit_a_ == unit_e_;				\
	if (!unit_ok_) {						\
		unit_fail_at(__FILE__, __LINE__, #actual " == " #expected); \
		fprintf(stderr, "    actual:   %lld\n    expected: %lld\n", unit_a_, unit_e_); \
	}								\
	unit_ok_;							\
})

#define CHECK_EQ_MEM(actual, alen, expected, elen) ({			\
	const void *unit_a_ = (actual), *unit_e_ = (expected);		\
	size_t unit_al_ = (alen), unit_el_ = (elen);			\
	bool unit_ok_ = unit_a_ && unit_e_ && unit_al_ == unit_el_ &&	\
			!memcmp(unit_a_, unit_e_, unit_al_);		\
	if (!unit_ok_) {						\
		unit_fail_at(__FILE__, __LINE__, #actual " == " #expected); \
		unit_print_mem("actual  ", unit_a_, unit_al_);		\
		unit_print_mem("expected", unit_e_, unit_el_);		\
	}								\
	unit_ok_;							\
})

#define CHECK_EQ_STR(actual, expected) ({				\
	const char *unit_as_ = (actual), *unit_es_ = (expected);	\
	bool unit_ok_ = unit_as_ && unit_es_ && !strcmp(unit_as_, unit_es_); \
	if (!unit_ok_) {						\
		unit_fail_at(__FILE__, __LINE__, #actual " == " #expected); \
		unit_print_mem("actual  ", unit_as_, unit_as_ ? strlen(unit_as_) : 0); \
		unit_print_mem("expected", unit_es_, unit_es_ ? strlen(unit_es_) : 0); \
	}								\
	unit_ok_;							\
})

static inline bool unit_selected(const char *name, int argc, char **argv)
{
	int i;

	if (argc < 2)
		return true;
	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], name))
			return true;
	return false;
}

/* 0 if the test passed; prints why not otherwise. */
static inline int unit_run_one(const struct unit_test *t, bool nofork)
{
	int status;
	pid_t pid;

	if (nofork) {
		unit_failed_checks = 0;
		t->fn();
		return unit_failed_checks ? 1 : 0;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		perror("unit: fork");
		return 1;
	}
	if (pid == 0) {
		unit_failed_checks = 0;
		t->fn();
		fflush(NULL);
		_exit(unit_failed_checks ? 1 : 0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("unit: waitpid");
			return 1;
		}
	}
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "unit: %s killed by signal %d\n", t->name, WTERMSIG(status));
		return 1;
	}
	if (WEXITSTATUS(status) > 1)
		fprintf(stderr, "unit: %s exited with %d (crash or sanitizer report?)\n", t->name,
			WEXITSTATUS(status));
	return WEXITSTATUS(status) ? 1 : 0;
}

static inline int unit_main(int argc, char **argv)
{
	const char *nofork = getenv("UNIT_NOFORK");
	int i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < unit_ntests; i++) {
		const struct unit_test *t = &unit_tests[i];

		if (!unit_selected(t->name, argc, argv))
			continue;
		if (unit_run_one(t, nofork && *nofork && strcmp(nofork, "0"))) {
			printf("FAIL %s\n", t->name);
			failed++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
	}
	printf("unit: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define UNIT_MAIN()					\
	int main(int argc, char **argv)			\
	{						\
		return unit_main(argc, argv);		\
	}

#endif /* WARD_TESTS_UNIT_H */
