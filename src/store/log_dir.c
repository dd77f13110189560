// SPDX-License-Identifier: GPL-2.0
#include "store/log_dir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_SEC 1000000000ull
#define PREFIX "ward-"
#define SUFFIX ".wlog"
#define TIME_LEN 16	/* YYYYMMDDTHHMMSSZ */

void ward_log_seg_name_format(char out[WARD_LOG_NAME_MAX], uint64_t start_ns, uint64_t seq)
{
	time_t t = (time_t)(start_ns / NS_PER_SEC);
	struct tm tm;
	char when[TIME_LEN + 1] = "19700101T000000Z";

	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(out, WARD_LOG_NAME_MAX, PREFIX "%s-%08" PRIu64 SUFFIX, when, seq);
}

static int digits(const char *p, size_t n, unsigned int *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		*v = *v * 10 + (unsigned int)(p[i] - '0');
	}
	return 0;
}

int ward_log_seg_name_parse(const char *name, struct ward_log_seg_name *out)
{
	size_t len = strlen(name), plen = strlen(PREFIX), slen = strlen(SUFFIX);
	const char *t = name + plen, *s;
	unsigned int y, mo, d, h, mi, sec;
	struct tm tm = { 0 };
	uint64_t seq = 0;

	if (len >= WARD_LOG_NAME_MAX || len < plen + TIME_LEN + 2 + slen ||
	    strncmp(name, PREFIX, plen) || strcmp(name + len - slen, SUFFIX))
		return -EINVAL;
	if (digits(t, 4, &y) || digits(t + 4, 2, &mo) || digits(t + 6, 2, &d) || t[8] != 'T' ||
	    digits(t + 9, 2, &h) || digits(t + 11, 2, &mi) || digits(t + 13, 2, &sec) ||
	    t[15] != 'Z' || t[16] != '-' || y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 ||
	    h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	for (s = t + TIME_LEN + 1; s < name + len - slen; s++) {
		if (*s < '0' || *s > '9' || seq > (UINT64_MAX - 9) / 10)
			return -EINVAL;
		seq = seq * 10 + (uint64_t)(*s - '0');
	}
	tm.tm_year = (int)y - 1900;
	tm.tm_mon = (int)mo - 1;
	tm.tm_mday = (int)d;
	tm.tm_hour = (int)h;
	tm.tm_min = (int)mi;
	tm.tm_sec = (int)sec;
	time_t when = timegm(&tm);
	if (when < 0)
		return -EINVAL;
	memcpy(out->name, name, len + 1);
	out->start_ns = (uint64_t)when * NS_PER_SEC;
	out->seq = seq;
	return 0;
}

static int cmp_seg(const void *a, const void *b)
{
	const struct ward_log_seg_name *x = a, *y = b;

	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

int ward_log_dir_list(int dirfd, struct ward_log_seg_name **out, size_t *n)
{
	struct ward_log_seg_name *v = NULL, one;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int fd, err = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	/* fdopendir takes over the fd: give it a duplicate so dirfd stays the caller's. */
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		err = -errno;
		close(fd);
		return err;
	}
	while ((errno = 0, de = readdir(d))) {
		if (ward_log_seg_name_parse(de->d_name, &one))
			continue;
		if (cnt == WARD_LOG_MAX_SEGMENTS) {
			err = -E2BIG;
			goto fail;
		}
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct ward_log_seg_name *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				err = -ENOMEM;
				goto fail;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt++] = one;
	}
	if (errno) {
		err = -errno;
		goto fail;
	}
	closedir(d);
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_seg);
	*out = v;
	*n = cnt;
	return 0;
fail:
	closedir(d);
	free(v);
	return err;
}
