/* Derived events: account file diffs against a test root, /proc file accesses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "derive.h"
#include "unit.h"
#include "ward/xdr_types.h"

struct seen {
	int n;
	unsigned int access[16];
	char name[16][64];
	uint32_t id[16];
	uint32_t target[16];
};

static void collect(void *ctx, const struct ward_event *ev)
{
	struct seen *s = ctx;
	if (s->n == 16)
		return;
	s->access[s->n] = ev->access_type;
	snprintf(s->name[s->n], 64, "%s", ev->account.name ? ev->account.name : "");
	s->id[s->n] = ev->account.id;
	s->target[s->n] = ev->target.pid;
	s->n++;
}

static void write_file(const char *root, const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", root, rel);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static struct ward_event file_event(unsigned int access, const char *path)
{
	struct ward_event ev = { 0 };
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.process.pid = 100;
	ev.process.comm = "useradd";
	ev.file.path.s = path;
	ev.file.path.len = strlen(path);
	if (access == XDR_FILE_MOVE) {
		ev.file.new_path = ev.file.path;
		ev.file.path.s = "/etc/passwd+";
		ev.file.path.len = 12;
	}
	return ev;
}

UNIT_TEST(account_add_modify_delete)
{
	char root[] = "/tmp/ward-derive-XXXXXX";
	CHECK(mkdtemp(root) != NULL);
	char etc[600];
	snprintf(etc, sizeof(etc), "%s/etc", root);
	mkdir(etc, 0755);
	write_file(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000::/home/bob:/bin/sh\n");
	struct ward_proc_cache *cache = ward_proc_cache_new(1, 1000);
	struct ward_deriver *d = ward_deriver_new(cache, root);

	struct seen s = { 0 };
	write_file(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbob:x:1000:1000:Bob:/home/bob:/bin/sh\neve:x:1001:1001::/home/eve:/bin/sh\n");
	struct ward_event ev = file_event(XDR_FILE_MOVE, "/etc/passwd");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(s.access[0], XDR_ACCOUNT_MODIFY);
	CHECK_EQ_STR(s.name[0], "bob");
	CHECK_EQ_INT(s.access[1], XDR_ACCOUNT_ADD);
	CHECK_EQ_STR(s.name[1], "eve");
	CHECK_EQ_INT(s.id[1], 1001);

	/* nothing changed: nothing reported */
	memset(&s, 0, sizeof(s));
	ev = file_event(XDR_FILE_CLOSE, "/etc/passwd");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 0);

	write_file(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
	memset(&s, 0, sizeof(s));
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 2);
	CHECK_EQ_INT(s.access[0], XDR_ACCOUNT_DELETE);
	CHECK_EQ_INT(s.access[1], XDR_ACCOUNT_DELETE);

	/* other files are not account files */
	memset(&s, 0, sizeof(s));
	ev = file_event(XDR_FILE_CLOSE, "/etc/passwd.bak");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 0);

	ward_deriver_free(d);
	ward_proc_cache_free(cache);
	char cmd[700];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK_EQ_INT(system(cmd), 0);
}

UNIT_TEST(proc_mem_of_another_process)
{
	struct ward_proc_cache *cache = ward_proc_cache_new(1, 1000);
	struct ward_deriver *d = ward_deriver_new(cache, "/nonexistent-root");
	struct seen s = { 0 };
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/proc/4242/mem");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 1);
	CHECK_EQ_INT(s.access[0], XDR_MODIFIED_PROCESS_READ_PROCESS);
	CHECK_EQ_INT(s.target[0], 4242);
	/* its own memory is not another process's */
	memset(&s, 0, sizeof(s));
	ev = file_event(XDR_FILE_OPEN, "/proc/100/mem");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 0);
	/* /proc/PID/maps is not mem */
	ev = file_event(XDR_FILE_OPEN, "/proc/4242/maps");
	ward_derive(d, &ev, collect, &s);
	CHECK_EQ_INT(s.n, 0);
	ward_deriver_free(d);
	ward_proc_cache_free(cache);
}

UNIT_MAIN()
