/* The decoder against hand-built wire records: bounds checks, sequence gaps,
 * exec subject/target, path resolution of BASE records. No BPF needed. */
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "decode.h"
#include "unit.h"
#include "ward/abi.h"

#define BOOT_TO_UNIX 1000000000000000000ULL

static uint8_t rec[8192];

struct builder {
	uint8_t *p;
	size_t off;
};

static size_t put(struct builder *b, struct ward_str *s, const char *str, size_t len)
{
	s->off = b->off;
	s->len = len;
	memcpy(b->p + b->off, str, len);
	b->p[b->off + len] = 0;
	b->off += len + 1;
	return b->off;
}

static void common(struct ward_rec_common *c, uint16_t type, uint32_t size, uint32_t cpu,
		   uint64_t seq, uint32_t tgid)
{
	c->hdr.size = size;
	c->hdr.type = type;
	c->hdr.ts_boot_ns = 5000;
	c->hdr.seq = seq;
	c->hdr.cpu = cpu;
	c->task.tgid = tgid;
	c->task.tid = tgid + 1;
	c->task.ppid = 1;
	c->task.uid = 1000;
	c->task.euid = 0;
	c->task.gid = 1000;
	/* /proc has no such pid: the decoder must not need it */
	c->task.start_boottime = 123456789000ULL;
	memcpy(c->task.comm, "tester", 7);
}

static size_t file_rec(uint64_t seq, uint32_t cpu, uint16_t access, uint8_t kind, const char *path,
		       const char *req)
{
	memset(rec, 0, sizeof(rec));
	struct ward_rec_file *r = (void *)rec;
	struct builder b = { rec, sizeof(*r) };
	r->access_type = access;
	r->path_kind = kind;
	r->count = 1;
	r->inode = 42;
	r->mode = 0100644;
	put(&b, &r->path, path, strlen(path));
	if (req)
		put(&b, &r->req_path, req, strlen(req));
	common(&r->c, WARD_REC_FILE, b.off, cpu, seq, 3999990);
	return b.off;
}

static struct ward_proc_cache *cache;
static struct ward_decoder *dec;

static void setup(void)
{
	cache = ward_proc_cache_new(7, 1000);
	dec = ward_decoder_new(cache, BOOT_TO_UNIX, "/nonexistent-proc");
}

static void teardown(void)
{
	ward_decoder_free(dec);
	ward_proc_cache_free(cache);
}

UNIT_TEST(file_fd_event_fields)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/etc/passwd", "/proc/self/root/etc/passwd");
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_INT(ev.event_type, XDR_EVENT_FILE);
	CHECK_EQ_INT(ev.access_type, XDR_FILE_OPEN);
	CHECK_EQ_STR(ev.file.path.s, "/etc/passwd");
	CHECK_EQ_STR(ev.file.requested_path.s, "/proc/self/root/etc/passwd");
	CHECK_EQ_INT(ev.file.inode, 42);
	CHECK_EQ_INT(ev.process.pid, 3999990);
	CHECK_EQ_INT(ev.process.tid, 3999991);
	CHECK_EQ_INT(ev.process.euid, 0);
	CHECK_EQ_STR(ev.process.comm, "tester");
	CHECK_EQ_INT(ev.time_ns, BOOT_TO_UNIX + 5000);
	CHECK_EQ_INT(ev.process.start_time_ns, BOOT_TO_UNIX + 123456789000ULL);
	CHECK_EQ_INT(ev.seq, 0);
	teardown();
}

UNIT_TEST(base_path_is_joined_and_normalised)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_DELETE, WARD_PATH_BASE, "/nonexistent-dir/a",
			    "b/../c/./file");
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_STR(ev.file.path.s, "/nonexistent-dir/a/c/file");
	CHECK_EQ_STR(ev.file.requested_path.s, "b/../c/./file");
	teardown();
}

UNIT_TEST(single_name_nofollow_is_joined_without_file_system)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_DELETE, WARD_PATH_BASE, "/nonexistent-dir", "victim");
	((struct ward_rec_file *)rec)->rflags = WARD_F_NOFOLLOW;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_STR(ev.file.path.s, "/nonexistent-dir/victim");
	CHECK(ev.file.resolved);
	/* ".." is not a plain name */
	n = file_rec(1, 0, XDR_FILE_DELETE, WARD_PATH_BASE, "/nonexistent-dir/a", "..");
	((struct ward_rec_file *)rec)->rflags = WARD_F_NOFOLLOW;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_STR(ev.file.path.s, "/nonexistent-dir");
	/* the root directory as base */
	n = file_rec(2, 0, XDR_FILE_CREATE, WARD_PATH_BASE, "/", "newdir");
	((struct ward_rec_file *)rec)->rflags = WARD_F_NOFOLLOW;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_STR(ev.file.path.s, "/newdir");
	teardown();
}

/* A path hook's note, then the syscall's record from the same thread. */
static size_t note_rec(uint64_t seq, uint32_t nr, const char *path, const char *path2)
{
	memset(rec, 0, sizeof(rec));
	struct ward_rec_path_note *r = (void *)rec;
	struct builder b = { rec, sizeof(*r) };
	r->syscall_nr = nr;
	put(&b, &r->path, path, strlen(path));
	if (path2)
		put(&b, &r->path2, path2, strlen(path2));
	common(&r->c, WARD_REC_PATH_NOTE, b.off, 0, seq, 3999990);
	return b.off;
}

static size_t kernel_move_rec(uint64_t seq, uint32_t nr, const char *req, const char *req2)
{
	memset(rec, 0, sizeof(rec));
	struct ward_rec_file *r = (void *)rec;
	struct builder b = { rec, sizeof(*r) };
	r->access_type = XDR_FILE_MOVE;
	r->path_kind = r->path2_kind = WARD_PATH_KERNEL;
	r->count = 1;
	r->syscall_nr = nr;
	put(&b, &r->req_path, req, strlen(req));
	put(&b, &r->req_path2, req2, strlen(req2));
	common(&r->c, WARD_REC_FILE, b.off, 0, seq, 3999990);
	return b.off;
}

UNIT_TEST(kernel_paths_come_from_the_note_before)
{
	struct ward_event ev;
	setup();
	/* the note is internal: no event */
	CHECK_EQ_INT(ward_decode(dec, rec, note_rec(0, 82, "/srv/a/x", "/srv/b/y"), &ev), 0);
	CHECK_EQ_INT(ward_decode(dec, rec, kernel_move_rec(1, 82, "lnk/x", "../b/y"), &ev), 1);
	CHECK_EQ_STR(ev.file.path.s, "/srv/a/x");
	CHECK_EQ_STR(ev.file.new_path.s, "/srv/b/y");
	CHECK_EQ_STR(ev.file.requested_path.s, "lnk/x");
	CHECK_EQ_STR(ev.file.requested_new_path.s, "../b/y");
	CHECK(ev.file.resolved);
	/* taken once: a second record of that syscall has no note */
	CHECK_EQ_INT(ward_decode(dec, rec, kernel_move_rec(2, 82, "lnk/x", "../b/y"), &ev), 1);
	CHECK(ev.file.path.s == NULL);
	CHECK_EQ_INT(ward_decoder_stats(dec)->notes_missing, 1);
	/* a note for another syscall (a failed rename, then a renameat) is not taken */
	CHECK_EQ_INT(ward_decode(dec, rec, note_rec(3, 82, "/srv/c", "/srv/d"), &ev), 0);
	CHECK_EQ_INT(ward_decode(dec, rec, kernel_move_rec(4, 264, "c", "d"), &ev), 1);
	CHECK(ev.file.path.s == NULL);
	CHECK_EQ_INT(ward_decoder_stats(dec)->notes_missing, 2);
	CHECK_EQ_INT(ward_decoder_stats(dec)->malformed, 0);
	teardown();
}

UNIT_TEST(close_takes_the_path_of_its_modify)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_MODIFY, WARD_PATH_FD, "/var/log/app.log", NULL);
	((struct ward_rec_file *)rec)->file_id = 0xffff888001234500ULL;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	memset(rec, 0, sizeof(rec));
	struct ward_rec_file *r = (void *)rec;
	r->access_type = XDR_FILE_CLOSE;
	r->path_kind = WARD_PATH_ID;
	r->file_id = 0xffff888001234500ULL;
	r->count = 12;
	common(&r->c, WARD_REC_FILE, sizeof(*r), 0, 1, 3999990);
	CHECK_EQ_INT(ward_decode(dec, rec, sizeof(*r), &ev), 1);
	CHECK_EQ_INT(ev.access_type, XDR_FILE_CLOSE);
	CHECK_EQ_STR(ev.file.path.s, "/var/log/app.log");
	CHECK_EQ_INT(ev.count, 12);
	/* a second close of the same id has no path any more */
	r->c.hdr.seq = 2;
	CHECK_EQ_INT(ward_decode(dec, rec, sizeof(*r), &ev), 1);
	CHECK(ev.file.path.s == NULL);
	CHECK_EQ_INT(ward_decoder_stats(dec)->close_unknown, 1);
	teardown();
}

UNIT_TEST(sequence_gap_counts_losses_and_shifts_output_seq)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 1, XDR_FILE_OPEN, WARD_PATH_FD, "/a", NULL);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_INT(ev.seq, 0);
	n = file_rec(5, 1, XDR_FILE_OPEN, WARD_PATH_FD, "/b", NULL);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_INT(ev.seq, 5); /* 4 lost records show as a gap of 4 */
	CHECK_EQ_INT(ward_decoder_stats(dec)->seq_lost, 4);
	/* another CPU has its own sequence */
	n = file_rec(0, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/c", NULL);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_INT(ev.seq, 6);
	CHECK_EQ_INT(ward_decoder_stats(dec)->seq_lost, 4);
	teardown();
}

UNIT_TEST(malformed_records_are_refused_and_counted)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/etc/passwd", NULL);
	/* too short for the header */
	CHECK_EQ_INT(ward_decode(dec, rec, 10, &ev), -EBADMSG);
	/* header claims more than was received */
	CHECK_EQ_INT(ward_decode(dec, rec, n - 1, &ev), -EBADMSG);
	/* string running past the end */
	struct ward_rec_file *r = (void *)rec;
	r->path.len = 5000;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), -EBADMSG);
	/* string without its NUL */
	n = file_rec(1, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/etc/passwd", NULL);
	r->path.len -= 1;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), -EBADMSG);
	/* string pointing into the fixed part */
	n = file_rec(2, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/etc/passwd", NULL);
	r->path.off = 8;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), -EBADMSG);
	/* unknown record type */
	n = file_rec(3, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/etc/passwd", NULL);
	r->c.hdr.type = 99;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), -EBADMSG);
	/* access type outside FILE_* */
	n = file_rec(4, 0, XDR_DNS_QUERY, WARD_PATH_FD, "/etc/passwd", NULL);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), -EBADMSG);
	CHECK_EQ_INT(ward_decoder_stats(dec)->malformed, 7);
	teardown();
}

static size_t exec_rec(uint64_t seq, uint32_t tgid, const char *exe, const char *argv,
		       size_t argv_len)
{
	memset(rec, 0, sizeof(rec));
	struct ward_rec_exec *r = (void *)rec;
	struct builder b = { rec, sizeof(*r) };
	put(&b, &r->exe, exe, strlen(exe));
	put(&b, &r->filename, exe, strlen(exe));
	put(&b, &r->args, argv, argv_len);
	common(&r->c, WARD_REC_PROC_EXEC, b.off, 0, seq, tgid);
	memcpy(r->c.task.comm, "true", 5);
	return b.off;
}

UNIT_TEST(exec_subject_is_the_process_before)
{
	setup();
	struct ward_event ev;
	bool created;
	struct ward_proc *p = ward_proc_upsert(cache, 3999990, 123456789000ULL, &created);
	ward_proc_set_str(&p->exe, &p->exe_len, "/usr/bin/bash", 13);
	ward_proc_set_argv(p, "bash\0-c\0x", 10);
	memcpy(p->comm, "bash", 5);

	size_t n = exec_rec(0, 3999990, "/usr/bin/true", "true\0--version\0", 15);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_INT(ev.access_type, XDR_PROCESS_EXECUTE);
	CHECK_EQ_STR(ev.process.exe.s, "/usr/bin/bash");
	CHECK_EQ_STR(ev.process.cmdline.s, "bash -c x");
	CHECK_EQ_STR(ev.process.comm, "bash");
	CHECK_EQ_STR(ev.target.exe.s, "/usr/bin/true");
	CHECK_EQ_STR(ev.target.cmdline.s, "true --version");
	CHECK_EQ_MEM(ev.target.argv, ev.target.argv_len, "true\0--version", 14);
	CHECK_EQ_INT(ev.target.pid, 3999990);
	/* the cache now holds the new image */
	CHECK_EQ_STR(p->exe, "/usr/bin/true");
	CHECK_EQ_STR(p->comm, "true");
	teardown();
}

UNIT_TEST(fork_creates_child_with_parent_image)
{
	setup();
	struct ward_event ev;
	bool created;
	struct ward_proc *p = ward_proc_upsert(cache, 3999990, 123456789000ULL, &created);
	ward_proc_set_str(&p->exe, &p->exe_len, "/usr/bin/bash", 13);

	memset(rec, 0, sizeof(rec));
	struct ward_rec_fork *r = (void *)rec;
	common(&r->c, WARD_REC_PROC_FORK, sizeof(*r), 0, 0, 3999990);
	r->child_tgid = 3999995;
	r->child_start_boottime = 223456789000ULL;
	CHECK_EQ_INT(ward_decode(dec, rec, sizeof(*r), &ev), 1);
	CHECK_EQ_INT(ev.access_type, XDR_PROCESS_CREATE);
	CHECK_EQ_INT(ev.target.pid, 3999995);
	CHECK_EQ_STR(ev.target.exe.s, "/usr/bin/bash");
	struct ward_proc *c = ward_proc_get(cache, 3999995);
	CHECK(c != NULL);
	if (c) {
		CHECK_EQ_INT(c->ppid, 3999990);
		CHECK_EQ_INT(c->hash_id, ev.target.hash_id);
		CHECK(c->hash_id != p->hash_id);
	}
	teardown();
}

UNIT_TEST(cache_only_records_update_state_but_are_not_events)
{
	setup();
	struct ward_event ev;
	size_t n = file_rec(0, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/a", NULL);
	((struct ward_rec_file *)rec)->c.hdr.flags = WARD_HDR_CACHE_ONLY;
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 0);

	memset(rec, 0, sizeof(rec));
	struct ward_rec_cwd *r = (void *)rec;
	struct builder b = { rec, sizeof(*r) };
	put(&b, &r->cwd, "/srv/www", 8);
	common(&r->c, WARD_REC_CWD, b.off, 0, 1, 3999990);
	CHECK_EQ_INT(ward_decode(dec, rec, b.off, &ev), 0);
	struct ward_proc *p = ward_proc_get(cache, 3999990);
	CHECK(p && p->cwd && !strcmp(p->cwd, "/srv/www"));
	/* the next event of the process carries it */
	n = file_rec(2, 0, XDR_FILE_OPEN, WARD_PATH_FD, "/a", NULL);
	CHECK_EQ_INT(ward_decode(dec, rec, n, &ev), 1);
	CHECK_EQ_STR(ev.process.cwd.s, "/srv/www");
	CHECK_EQ_INT(ev.seq, 0);
	teardown();
}

UNIT_MAIN()
