/*
 * The protobuf codec: for every record kind and every optional member,
 * JSON(x) == JSON(decode(encode(x))) byte for byte (and the table line too);
 * malformed input is refused, never crashes; bounds and buffer sizes are
 * enforced.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "decode.h"
#include "pb/codec.h"
#include "pb/encode_int.h"
#include "unit.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"

#define REF(x) ((struct ward_str_ref){ (x), sizeof(x) - 1 })
#define T0 1795435200123456789ULL /* 2026-11-23T12:00:00.123456789Z */

static uint8_t wire[WARD_PB_RECORD_MAX];

static struct ward_process_info proc(void)
{
	return (struct ward_process_info){
		.pid = 4242, .tid = 4243, .ppid = 1, .uid = 1000, .euid = 0, .gid = 1000,
		.comm = "bash", .exe = REF("/usr/bin/bash"), .cmdline = REF("bash -c x"),
		.cwd = REF("/home/u"), .start_time_ns = 1795435100000000000ULL,
		.hash_id = 0xfedcba9876543210ULL,
	};
}

static struct ward_event base(uint16_t et, uint16_t at)
{
	struct ward_event ev = { 0 };
	ev.seq = 99;
	ev.time_ns = T0;
	ev.event_type = et;
	ev.access_type = at;
	ev.count = 1;
	ev.process = proc();
	return ev;
}

/* ---- a broad set of events: every family, every optional member ---- */

#define MAX_SAMPLES 64
static struct ward_event samples[MAX_SAMPLES];
static size_t nsamples;

static struct ward_event *add(uint16_t et, uint16_t at)
{
	struct ward_event *ev = &samples[nsamples++];
	*ev = base(et, at);
	return ev;
}

static void build_samples(void)
{
	struct ward_event *e;
	nsamples = 0;

	/* PROCESS */
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_CREATE);
	e->target.pid = 4300;
	e->target.exe = REF("/usr/bin/bash");
	e->target.cmdline = REF("bash -c x");
	e->target.hash_id = 1;
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_EXECUTE);
	e->process.comm_before = "oldname";
	e->target.pid = 4242;
	e->target.exe = REF("/usr/bin/l\xffs");
	e->target.cmdline = REF("ls -l  x");
	e->target.argv = "ls\0-l\0\0x";
	e->target.argv_len = 8;
	e->target.argv_truncated = true;
	e->target.exe_truncated = true;
	e->target.exe_deleted = true;
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_EXECUTE); /* argv present, empty */
	e->target.argv = "";
	e->target.argv_len = 0;
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_TERMINATE);
	e->target.pid = 4242;
	e->target.has_exit_code = true;
	e->target.exit_code = 0x8b; /* SIGSEGV with a core */
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_TERMINATE);
	e->target.has_exit_code = true;
	e->target.exit_code = 3 << 8;
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_CREATE); /* a kernel thread: nothing known */
	e->process.comm = NULL;
	e->process.exe = (struct ward_str_ref){ 0 };
	e->process.cmdline = (struct ward_str_ref){ 0 };
	e->process.cwd = (struct ward_str_ref){ 0 };
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_CREATE); /* present but empty strings */
	e->process.comm = "";
	e->process.cmdline = REF("");
	e->target.exe = REF("");

	/* FILE */
	e = add(XDR_EVENT_FILE, XDR_FILE_OPEN);
	e->file.path = REF("/tmp/\xff\xfe\x80 caf\xc3\xa9 \"q\"\n\x01");
	e->file.requested_path = REF("\xff\xfe\x80");
	e->file.flags = 0101;
	e->file.mode = 0100644;
	e->file.inode = 1234567890123ULL;
	e->file.dev = 0x800001;
	e->file.resolved = true;
	e->file.syscall_nr = 257;
	e->count = 3;
	e = add(XDR_EVENT_FILE, XDR_FILE_OPEN);
	e->file.path = REF("/very/long/cut");
	e->file.path_truncated = true;
	e = add(XDR_EVENT_FILE, XDR_FILE_MOVE);
	e->file.path = REF("/tmp/a");
	e->file.requested_path = REF("a");
	e->file.new_path = REF("/tmp/b\xff");
	e->file.requested_new_path = REF("b\xff");
	e->file.new_path_truncated = true;
	e = add(XDR_EVENT_FILE, XDR_FILE_MOVE); /* no new path known */
	e->file.path = REF("/tmp/a");
	e = add(XDR_EVENT_FILE, XDR_FILE_CLOSE);
	e->file.path = REF("/tmp/log");
	e->file.at_exit = true;
	e->count = 17;
	e = add(XDR_EVENT_FILE, XDR_FILE_MODIFY); /* a deleted file */
	e->file.path = REF("/tmp/gone");
	e->file.deleted = true;
	e = add(XDR_EVENT_FILE, XDR_FILE_DELETE);
	e->file.path = REF("/tmp/x");
	e->file.requested_path = REF("x");
	e = add(XDR_EVENT_FILE, XDR_FILE_SET_SECURITY);
	e->file.path = REF("/tmp/with\0nul");
	e->file.mode = 04755;

	/* CONNECTION */
	e = add(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_OUTBOUND);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_TCP, .family = 2,
					   .local_ip = "10.0.0.2", .remote_ip = "93.184.216.34",
					   .local_port = 40000, .remote_port = 443, .fd = 3,
					   .sock_id = 0xffff888012345678ULL };
	e = add(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_OUTBOUND);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_TCP, .family = 2,
					   .local_ip = "127.0.0.1", .remote_ip = "127.0.0.1",
					   .remote_port = 1, .result = -ECONNREFUSED };
	e = add(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_OUTBOUND);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_TCP, .result = -4000 };
	e = add(XDR_EVENT_CONNECTION, XDR_CONNECTION_CONNECT_OUTBOUND);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_TCP, .in_progress = true,
					   .result = -EINPROGRESS };
	e = add(XDR_EVENT_CONNECTION, XDR_CONNECTION_LISTEN);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_UDP, .family = 10,
					   .local_ip = "2001:db8::ffff:1:2:3", .remote_ip = "::",
					   .local_port = 53 };

	/* DNS */
	e = add(XDR_EVENT_DNS, XDR_DNS_QUERY);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_UDP, .local_ip = "10.0.0.2",
					   .remote_ip = "10.0.0.1", .remote_port = 53 };
	e->dns = (struct ward_dns_info){ .query = "example.com", .qtype = 28, .id = 0xbeef };
	e = add(XDR_EVENT_DNS, XDR_DNS_QUERY);
	e->dns = (struct ward_dns_info){ .query = "we\\233ird", .qtype = 999, .tcp = true };
	e = add(XDR_EVENT_DNS, XDR_DNS_QUERY);
	e->dns = (struct ward_dns_info){ .query = NULL, .qtype = 1, .malformed = true };

	/* INTERNET */
	e = add(XDR_EVENT_INTERNET, XDR_INTERNET_CONNECT);
	e->conn = (struct ward_conn_info){ .protocol = XDR_CONNECTION_TCP, .remote_ip = "1.2.3.4",
					   .remote_port = 8080 };
	e->http = (struct ward_http_info){ .method = "GET", .url = "http://x/\xff",
					   .host = "x", .proxy = true, .url_truncated = true,
					   .host_truncated = true, .headers_truncated = true };
	e = add(XDR_EVENT_INTERNET, XDR_INTERNET_CONNECT);
	e->http = (struct ward_http_info){ .method = "POST", .url = "/", .host = NULL };

	/* MEMORY */
	e = add(XDR_EVENT_MEMORY, XDR_MEMORY_MODIFY_PERMISSION);
	e->act = (struct ward_act_info){ .syscall = "mprotect", .address = 0x7f0000001000ULL,
					 .length = 4096, .prot = 7, .has_prot = true };
	e = add(XDR_EVENT_MEMORY, XDR_MEMORY_READ);
	e->act = (struct ward_act_info){ .syscall = "process_vm_readv", .address = 0, .length = 1 };

	/* MODIFIED_PROCESS, ptrace */
	e = add(XDR_EVENT_MODIFIED_PROCESS, XDR_MODIFIED_PROCESS_WRITE_MEMORY);
	e->target = (struct ward_target_process){ .pid = 77, .comm = "victim",
						  .exe = REF("/usr/bin/victim"),
						  .cmdline = REF("victim --x"), .hash_id = 5 };
	e->act = (struct ward_act_info){ .syscall = "ptrace", .ptrace_request = "PTRACE_POKEDATA",
					 .has_memory = true, .address = 0x401000, .length = 8 };
	e = add(XDR_EVENT_MODIFIED_PROCESS, XDR_MODIFIED_PROCESS_WRITE_PROCESS_NAME);
	e->target = (struct ward_target_process){ .pid = 4242, .comm = "n\xffw" };
	e->act = (struct ward_act_info){ .syscall = "prctl", .old_name = "bash",
					 .new_name = "n\xffw" };
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_TRACME);
	e->target = (struct ward_target_process){ .pid = 1, .comm = NULL };
	e->act = (struct ward_act_info){ .syscall = "ptrace", .ptrace_request = "PTRACE_TRACEME" };

	/* PROCESS_LOAD_IMAGE */
	e = add(XDR_EVENT_PROCESS, XDR_PROCESS_LOAD_IMAGE);
	e->file.path = REF("/memfd:x (deleted)");
	e->file.inode = 9;
	e->file.dev = 1;
	e->file.deleted = true;
	e->file.path_truncated = true;
	e->act = (struct ward_act_info){ .address = 0x7f00, .length = 8192, .prot = 5,
					 .has_prot = true };

	/* ACCOUNT */
	e = add(XDR_EVENT_ACCOUNT, XDR_ACCOUNT_IMPERSONATE);
	e->act = (struct ward_act_info){ .syscall = "setuid", .from_uid = 1000, .from_euid = 1000,
					 .from_gid = 1000, .to_uid = 0, .to_euid = 0, .to_gid = 0,
					 .to_suid = 0, .to_fsuid = 0, .to_egid = 0, .to_user = "root" };
	e = add(XDR_EVENT_ACCOUNT, XDR_ACCOUNT_IMPERSONATE);
	e->act = (struct ward_act_info){ .syscall = "setresuid", .to_euid = 4000, .to_user = NULL };
	e = add(XDR_EVENT_ACCOUNT, XDR_ACCOUNT_ADD);
	e->account = (struct ward_account_info){ .name = "mallory", .id = 1001,
						 .file = "/etc/passwd", .has_id = true };
	e = add(XDR_EVENT_ACCOUNT, XDR_ACCOUNT_MODIFY);
	e->account = (struct ward_account_info){ .name = "wheel", .id = 10, .file = "/etc/group",
						 .group = true, .has_id = true };
	e = add(XDR_EVENT_ACCOUNT, XDR_ACCOUNT_DELETE);
	e->account = (struct ward_account_info){ .name = "bob", .file = "/etc/shadow" };

	/* BM: API */
	e = add(XDR_EVENT_BM, XDR_BM_INVOKE_API);
	e->act = (struct ward_act_info){ .api_name = "EVP_EncryptInit_ex",
					 .api_library = "/usr/lib/x86_64-linux-gnu/libcrypto.so.3" };
	e->count = 12;
	e = add(XDR_EVENT_BM, XDR_BM_INVOKE_API);
	e->act = (struct ward_act_info){ .api_name = "io_uring_setup", .api_library = NULL };
}

static void json_of(struct ward_buf *b, const struct ward_event *ev)
{
	ward_buf_reset(b);
	ward_json_event(b, ev);
}

/* Encode, decode, print both: the same bytes. */
static bool roundtrip_event(const struct ward_event *ev, struct ward_pb_decoded *d, bool table)
{
	struct ward_buf want, got;
	size_t len = 0;
	bool ok = true;

	ward_buf_init(&want);
	ward_buf_init(&got);
	ok &= CHECK_EQ_INT(ward_pb_encode_event(ev, wire, sizeof(wire), &len), 0);
	ok &= CHECK_EQ_INT(ward_pb_decode_record(wire, len, d), 0);
	ok &= CHECK_EQ_INT(d->kind, WARD_PB_EVENT);
	if (ok) {
		json_of(&want, ev);
		ward_pb_decoded_json(d, &got);
		ok &= CHECK_EQ_MEM(got.data, got.len, want.data, want.len);
		if (table) {
			ward_buf_reset(&want);
			ward_buf_reset(&got);
			ward_table_event(&want, ev);
			ward_pb_decoded_table(d, &got);
			ok &= CHECK_EQ_MEM(got.data, got.len, want.data, want.len);
		}
		/* what JSON does not show comes back too */
		ok &= CHECK_EQ_INT(d->event.file.resolved, ev->file.resolved &&
				   (ev->event_type == XDR_EVENT_FILE));
		ok &= CHECK_EQ_INT(d->event.conn.sock_id, ev->conn.sock_id);
		ok &= CHECK_EQ_INT(!!d->event.process.comm_before, !!ev->process.comm_before);
	}
	ward_buf_free(&want);
	ward_buf_free(&got);
	return ok;
}

UNIT_TEST(every_event_family_round_trips)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	build_samples();
	CHECK(nsamples >= 35);
	for (size_t i = 0; i < nsamples; i++)
		if (!roundtrip_event(&samples[i], d, true))
			fprintf(stderr, "    sample %zu (access %u)\n", i, samples[i].access_type);
	ward_pb_decoded_free(d);
}

/* The per-thread scratch is not cleared between encodes: a record full of
 * everything must leave nothing behind in the next, nearly empty one. */
UNIT_TEST(nothing_leaks_from_one_encode_to_the_next)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	build_samples();
	for (size_t i = 0; i < nsamples; i++) {
		struct ward_event empty = { .event_type = samples[i].event_type,
					    .access_type = samples[i].access_type };
		size_t len;
		CHECK_EQ_INT(ward_pb_encode_event(&samples[i], wire, sizeof(wire), &len), 0);
		if (!roundtrip_event(&empty, d, false))
			fprintf(stderr, "    after sample %zu\n", i);
	}
	ward_pb_decoded_free(d);
}

UNIT_TEST(longest_strings_round_trip)
{
	static char path[WARD_PATH_MAX], argv[WARD_ARGS_MAX], url[2048];
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	memset(path, 0xff, sizeof(path));
	memset(argv, 'a', sizeof(argv));
	argv[10] = '\0';
	memset(url, 'u', sizeof(url) - 1);
	url[sizeof(url) - 1] = 0;
	struct ward_event ev = base(XDR_EVENT_FILE, XDR_FILE_MOVE);
	ev.process.exe = ev.process.cmdline = ev.process.cwd = (struct ward_str_ref){ path, sizeof(path) };
	ev.process.comm = "0123456789abcde"; /* 15 + NUL: TASK_COMM_LEN */
	ev.file.path = ev.file.new_path = (struct ward_str_ref){ path, sizeof(path) };
	ev.file.requested_path = ev.file.requested_new_path = (struct ward_str_ref){ path, 1024 };
	roundtrip_event(&ev, d, true);
	ev = base(XDR_EVENT_PROCESS, XDR_PROCESS_EXECUTE);
	ev.target.exe = (struct ward_str_ref){ path, sizeof(path) };
	ev.target.argv = argv;
	ev.target.argv_len = sizeof(argv);
	roundtrip_event(&ev, d, true);
	ev = base(XDR_EVENT_INTERNET, XDR_INTERNET_CONNECT);
	ev.http = (struct ward_http_info){ .method = "OPTIONS", .url = url, .host = "h" };
	roundtrip_event(&ev, d, true);
	ward_pb_decoded_free(d);
}

UNIT_TEST(over_bound_strings_are_refused)
{
	static char path[WARD_PATH_MAX + 1];
	size_t len;
	memset(path, 'p', sizeof(path));
	struct ward_event ev = base(XDR_EVENT_FILE, XDR_FILE_OPEN);
	ev.file.path = (struct ward_str_ref){ path, sizeof(path) };
	CHECK_EQ_INT(ward_pb_encode_event(&ev, wire, sizeof(wire), &len), -EOVERFLOW);
	ev = base(XDR_EVENT_FILE, XDR_FILE_OPEN);
	ev.file.requested_path = (struct ward_str_ref){ path, WARD_REQ_PATH_MAX + 1 };
	CHECK_EQ_INT(ward_pb_encode_event(&ev, wire, sizeof(wire), &len), -EOVERFLOW);
	ev = base(XDR_EVENT_FILE, XDR_FILE_OPEN);
	ev.process.comm = "0123456789abcdef0"; /* 17 bytes */
	CHECK_EQ_INT(ward_pb_encode_event(&ev, wire, sizeof(wire), &len), -EOVERFLOW);

	struct ward_alert a = { .rule = "r", .ntags = WARD_ALERT_MAX_TAGS + 1 };
	for (size_t i = 0; i < WARD_ALERT_MAX_TAGS; i++)
		a.tags[i] = "t";
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, sizeof(wire), &len), -EOVERFLOW);
	a.ntags = 1;
	a.nfiles = 1;
	a.files[0] = NULL; /* null cannot travel in a list of bytes */
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, sizeof(wire), &len), -EINVAL);
	path[WARD_PATH_MAX] = '\0'; /* 4096 bytes: the longest path, accepted */
	a.files[0] = path;
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, sizeof(wire), &len), 0);

	struct ward_stats_record r = { .ncpus = 1025 };
	uint64_t cpus[1025] = { 0 };
	r.dropped_by_cpu = cpus;
	CHECK_EQ_INT(ward_pb_encode_stats(&r, wire, sizeof(wire), &len), -EOVERFLOW);
}

/* ---- alerts, stats, losses, footprints ---- */

static bool roundtrip_json(int (*enc)(const void *, uint8_t *, size_t, size_t *), const void *x,
			   void (*fmt)(struct ward_buf *, const void *), enum ward_pb_kind kind,
			   struct ward_pb_decoded *d)
{
	struct ward_buf want, got;
	size_t len = 0;
	bool ok = true;
	ward_buf_init(&want);
	ward_buf_init(&got);
	ok &= CHECK_EQ_INT(enc(x, wire, sizeof(wire), &len), 0);
	ok &= CHECK_EQ_INT(ward_pb_decode_record(wire, len, d), 0);
	ok &= CHECK_EQ_INT(d->kind, kind);
	if (ok) {
		fmt(&want, x);
		ok &= CHECK_EQ_INT(ward_pb_record_json(wire, len, &got), 0);
		ok &= CHECK_EQ_MEM(got.data, got.len, want.data, want.len);
	}
	ward_buf_free(&want);
	ward_buf_free(&got);
	return ok;
}

static int enc_alert(const void *x, uint8_t *o, size_t c, size_t *l) { return ward_pb_encode_alert(x, o, c, l); }
static int enc_stats(const void *x, uint8_t *o, size_t c, size_t *l) { return ward_pb_encode_stats(x, o, c, l); }
static int enc_loss(const void *x, uint8_t *o, size_t c, size_t *l) { return ward_pb_encode_loss(x, o, c, l); }
static int enc_fp(const void *x, uint8_t *o, size_t c, size_t *l) { return ward_pb_encode_footprint(x, o, c, l); }
static void fmt_alert(struct ward_buf *b, const void *x) { ward_json_alert(b, x); }
static void fmt_stats(struct ward_buf *b, const void *x) { ward_json_stats(b, x); }
static void fmt_loss(struct ward_buf *b, const void *x) { ward_json_loss(b, x); }
static void fmt_fp(struct ward_buf *b, const void *x) { ward_json_footprint(b, x); }

static struct ward_alert full_alert(const struct ward_event *ev)
{
	struct ward_alert a = {
		.time_ns = T0 + 5, .source = WARD_ALERT_RANSOMWARE, .rule = "ransomware",
		.severity = WARD_SEV_CRITICAL, .output = "encrypting files in /home/u \"fast\"\n",
		.tags = { "T1486", "ransom\xff" }, .ntags = 2, .event = ev,
		.files = { "/home/u/a.doc", "/home/u/\xff.xls", "" }, .nfiles = 3,
		.files_total = 250, .level = "major", .response = WARD_RESPONSE_KILL,
		.response_pid = 4242, .response_count = 3, .response_error = EPERM,
	};
	return a;
}

UNIT_TEST(alerts_round_trip)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	build_samples();
	for (size_t i = 0; i < nsamples; i++) {
		struct ward_alert a = full_alert(&samples[i]);
		if (!roundtrip_json(enc_alert, &a, fmt_alert, WARD_PB_ALERT, d))
			fprintf(stderr, "    alert with sample %zu\n", i);
	}
	/* the least an alert has: no event, no files, no response, null strings */
	struct ward_alert a = { .time_ns = 1, .source = WARD_ALERT_RULE,
				.severity = WARD_SEV_WARNING };
	roundtrip_json(enc_alert, &a, fmt_alert, WARD_PB_ALERT, d);
	CHECK(d->alert.event == NULL);
	/* files counted, none named; a stop that worked; an unknown errno */
	a = (struct ward_alert){ .rule = "profile", .source = WARD_ALERT_PROFILE, .files_total = 9,
				 .response = WARD_RESPONSE_STOP, .response_pid = 1,
				 .response_count = 1 };
	roundtrip_json(enc_alert, &a, fmt_alert, WARD_PB_ALERT, d);
	a.response_error = 4000;
	roundtrip_json(enc_alert, &a, fmt_alert, WARD_PB_ALERT, d);
	/* every tag and every file */
	static char names[WARD_ALERT_MAX_FILES][WARD_PATH_MAX + 1];
	a = full_alert(&samples[0]);
	a.ntags = WARD_ALERT_MAX_TAGS;
	for (size_t i = 0; i < WARD_ALERT_MAX_TAGS; i++)
		a.tags[i] = "0123456789012345678901234567890123456789012345678901234567890123";
	a.nfiles = WARD_ALERT_MAX_FILES;
	for (size_t i = 0; i < WARD_ALERT_MAX_FILES; i++) {
		memset(names[i], 'a' + (int)i % 26, WARD_PATH_MAX);
		a.files[i] = names[i];
	}
	roundtrip_json(enc_alert, &a, fmt_alert, WARD_PB_ALERT, d);
	CHECK_EQ_INT(d->alert.nfiles, WARD_ALERT_MAX_FILES);
	ward_pb_decoded_free(d);
}

UNIT_TEST(stats_round_trip)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_stats s;
	uint64_t cpus[WARD_MAX_CPUS];
	ward_stats_reset(&s);
	for (unsigned int a = 0; a < 1200; a++)
		if (ward_access_bit(a) >= 0 && ward_access_bit(a) < WARD_STATS_SLOTS &&
		    ward_stats_access_at(ward_access_bit(a)) == a)
			for (unsigned int k = 0; k <= a % 5; k++)
				ward_stats_add(&s, a);
	for (size_t i = 0; i < WARD_MAX_CPUS; i++)
		cpus[i] = i * 1000003ULL;
	struct ward_stats_record r = {
		.time_ns = T0, .interval_s = 5.0004, .stats = &s, .dropped = 7, .sent = 1ULL << 40,
		.deduplicated = 3, .filtered = 4, .malformed = 5, .seq_lost = 6, .path_failures = 8,
		.state_misses = 9, .dropped_by_cpu = cpus, .ncpus = 2,
	};
	roundtrip_json(enc_stats, &r, fmt_stats, WARD_PB_STATS, d);
	r.final = true;
	r.ncpus = WARD_MAX_CPUS;
	roundtrip_json(enc_stats, &r, fmt_stats, WARD_PB_STATS, d);
	/* an empty interval, no per-CPU figures */
	struct ward_stats_record empty = { .time_ns = T0, .interval_s = 0.0 };
	roundtrip_json(enc_stats, &empty, fmt_stats, WARD_PB_STATS, d);

	/* the daemon's fields */
	struct ward_sink_stats sinks[] = {
		{ "log", 100, 0 }, { "client:77", 90, 10 }, { NULL, 0, 0 },
	};
	struct ward_daemon_stats ds = { .uptime_s = 3600.25, .cpu_user_s = 1.5,
					.cpu_system_s = 0.0005, .rss_bytes = 12345678,
					.log_written = 100, .log_dropped = 1, .sinks = sinks,
					.nsinks = 3, .clients = 2 };
	r.daemon = &ds;
	roundtrip_json(enc_stats, &r, fmt_stats, WARD_PB_STATS, d);
	CHECK_EQ_INT(d->stats.daemon != NULL, 1);
	ds.nsinks = 0;
	roundtrip_json(enc_stats, &r, fmt_stats, WARD_PB_STATS, d);
	ward_pb_decoded_free(d);
}

UNIT_TEST(startup_record_round_trips)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_kernel_info k = { .release = "6.18.0-1-amd64", .lockdown = "integrity",
				      .path_walk = "bpf_loop", .path_route = "fentry",
				      .path_route_reason = "BPF-LSM is not active" };
	static struct ward_hook_report hooks[WARD_PB_MAX_HOOKS];
	for (size_t i = 0; i < WARD_PB_MAX_HOOKS; i++) {
		struct ward_hook_report *h = &hooks[i];
		snprintf(h->name, sizeof(h->name), "hook_%zu", i);
		snprintf(h->prog, sizeof(h->prog), "ward_prog_%zu", i);
		h->covers = i % 3 ? "FILE_OPEN FILE_CREATE" : NULL;
		h->status = (enum ward_hook_status)(i % 3);
		if (h->status == WARD_HOOK_FAILED)
			snprintf(h->reason, sizeof(h->reason), "R%zu invalid mem access 'scalar'", i);
		h->kind = i % 2 ? "syscall" : "tracepoint";
		h->root = i % 2 == 0;
	}
	size_t ns[] = { 0, 1, 3, WARD_PB_MAX_HOOKS };
	for (size_t j = 0; j < sizeof(ns) / sizeof(ns[0]); j++) {
		struct ward_buf want, got;
		size_t len;
		ward_buf_init(&want);
		ward_buf_init(&got);
		CHECK_EQ_INT(ward_pb_encode_hooks(T0, &k, hooks, ns[j], wire, sizeof(wire), &len), 0);
		CHECK_EQ_INT(ward_pb_decode_record(wire, len, d), 0);
		CHECK(d->startup);
		CHECK_EQ_INT(d->nhooks, ns[j]);
		ward_json_hooks(&want, T0, &k, hooks, ns[j]);
		CHECK_EQ_INT(ward_pb_decoded_json(d, &got), 0);
		CHECK_EQ_MEM(got.data, got.len, want.data, want.len);
		if (ns[j] > 1)
			CHECK_EQ_INT(d->hooks[1].root, 0);
		ward_buf_free(&want);
		ward_buf_free(&got);
	}
	CHECK_EQ_STR(d->kernel.path_route, "fentry");
	CHECK_EQ_STR(d->kernel.path_route_reason, "BPF-LSM is not active");
	k.path_walk = NULL;
	k.path_route = NULL;
	k.path_route_reason[0] = 0;
	size_t len;
	CHECK_EQ_INT(ward_pb_encode_hooks(T0, &k, hooks, 2, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_decode_record(wire, len, d), 0);
	CHECK(d->kernel.path_walk == NULL);
	CHECK(d->kernel.path_route == NULL);
	CHECK_EQ_STR(d->kernel.path_route_reason, "");
	CHECK_EQ_INT(ward_pb_encode_hooks(T0, &k, hooks, WARD_PB_MAX_HOOKS + 1, wire, sizeof(wire),
					  &len), -EOVERFLOW);
	ward_pb_decoded_free(d);
}

UNIT_TEST(losses_round_trip)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_loss l = { .time_ns = T0, .count = 12, .first_time_ns = T0 - 1000,
			       .last_time_ns = T0 - 10, .reason = WARD_LOSS_QUEUE,
			       .sink = "client" };
	roundtrip_json(enc_loss, &l, fmt_loss, WARD_PB_LOSS, d);
	l = (struct ward_loss){ .time_ns = T0, .count = 1, .reason = WARD_LOSS_KERNEL };
	roundtrip_json(enc_loss, &l, fmt_loss, WARD_PB_LOSS, d);
	CHECK(d->loss.sink == NULL);
	l.reason = WARD_LOSS_DISK;
	l.sink = "log";
	roundtrip_json(enc_loss, &l, fmt_loss, WARD_PB_LOSS, d);
	ward_pb_decoded_free(d);
}

/* The placeholder JSON shows little of a footprint: compare the struct. */
UNIT_TEST(footprints_round_trip)
{
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_footprint fp = {
		.kind = WARD_FP_EXECUTABLE, .hash_id = 0x1122334455667788ULL,
		.first_seen_ns = T0 - 5, .last_seen_ns = T0, .count = 77,
		.name = "/usr/bin/\xffx", .access_mask = (1ULL << 63) | 5, .has_stat = true,
		.size = 1 << 20, .btime_ns = T0 - 100, .mtime_ns = T0 - 50, .mode = 0100755,
		.uid = 0, .gid = 0, .owner = "root", .group = NULL,
		.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		.pid = 1, .ppid = 0, .proc_uid = 3, .cmdline = "x -y", .start_time_ns = T0 - 9,
		.protocol = 1, .remote_ip = "::1", .remote_port = 443, .outbound = true,
		.inbound = false,
	};
	if (roundtrip_json(enc_fp, &fp, fmt_fp, WARD_PB_FOOTPRINT, d)) {
		const struct ward_footprint *g = &d->footprint;
		CHECK_EQ_INT(g->kind, fp.kind);
		CHECK_EQ_INT(g->hash_id, fp.hash_id);
		CHECK_EQ_INT(g->first_seen_ns, fp.first_seen_ns);
		CHECK_EQ_INT(g->last_seen_ns, fp.last_seen_ns);
		CHECK_EQ_INT(g->count, fp.count);
		CHECK_EQ_STR(g->name, fp.name);
		CHECK_EQ_INT(g->access_mask, fp.access_mask);
		CHECK_EQ_INT(g->has_stat, 1);
		CHECK_EQ_INT(g->size, fp.size);
		CHECK_EQ_INT(g->btime_ns, fp.btime_ns);
		CHECK_EQ_INT(g->mtime_ns, fp.mtime_ns);
		CHECK_EQ_INT(g->mode, fp.mode);
		CHECK_EQ_STR(g->owner, "root");
		CHECK(g->group == NULL);
		CHECK_EQ_STR(g->sha256, fp.sha256);
		CHECK_EQ_INT(g->pid, 1);
		CHECK_EQ_INT(g->proc_uid, 3);
		CHECK_EQ_STR(g->cmdline, fp.cmdline);
		CHECK_EQ_INT(g->start_time_ns, fp.start_time_ns);
		CHECK_EQ_INT(g->protocol, 1);
		CHECK_EQ_STR(g->remote_ip, "::1");
		CHECK_EQ_INT(g->remote_port, 443);
		CHECK_EQ_INT(g->outbound, 1);
		CHECK_EQ_INT(g->inbound, 0);
	}
	ward_pb_decoded_free(d);
}

/* ---- malformed input ---- */

/* One encoded record of every kind, for the malformed-input tests. */
static size_t encode_all(uint8_t bufs[][8192], size_t lens[])
{
	static struct ward_hook_report hooks[2] = { { .name = "a", .prog = "p", .kind = "syscall" },
						    { .name = "b", .prog = "q" } };
	struct ward_kernel_info k = { .release = "6.18", .lockdown = "none" };
	struct ward_loss l = { .time_ns = T0, .count = 2, .reason = WARD_LOSS_QUEUE, .sink = "c" };
	struct ward_footprint fp = { .kind = WARD_FP_FILE, .name = "/x", .owner = "o" };
	struct ward_alert a;
	size_t n = 0;
	build_samples();
	a = full_alert(&samples[1]);
	CHECK_EQ_INT(ward_pb_encode_event(&samples[1], bufs[n], 8192, &lens[n]), 0);
	n++;
	CHECK_EQ_INT(ward_pb_encode_event(&samples[7], bufs[n], 8192, &lens[n]), 0);
	n++;
	CHECK_EQ_INT(ward_pb_encode_alert(&a, bufs[n], 8192, &lens[n]), 0);
	n++;
	CHECK_EQ_INT(ward_pb_encode_hooks(T0, &k, hooks, 2, bufs[n], 8192, &lens[n]), 0);
	n++;
	CHECK_EQ_INT(ward_pb_encode_loss(&l, bufs[n], 8192, &lens[n]), 0);
	n++;
	CHECK_EQ_INT(ward_pb_encode_footprint(&fp, bufs[n], 8192, &lens[n]), 0);
	n++;
	return n;
}

UNIT_TEST(truncated_records_are_refused)
{
	static uint8_t bufs[6][8192];
	size_t lens[6];
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_pb_meta m;
	size_t n = encode_all(bufs, lens);
	for (size_t i = 0; i < n; i++) {
		for (size_t cut = 0; cut < lens[i]; cut++) {
			/* a copy of exactly cut bytes, so ASan sees any read past it */
			uint8_t *p = malloc(cut ? cut : 1);
			memcpy(p, bufs[i], cut);
			if (!CHECK_EQ_INT(ward_pb_decode_record(p, cut, d), -EBADMSG) ||
			    !CHECK_EQ_INT(ward_pb_record_meta(p, cut, &m), -EBADMSG)) {
				fprintf(stderr, "    record %zu cut at %zu of %zu\n", i, cut, lens[i]);
				free(p);
				break;
			}
			free(p);
		}
		CHECK_EQ_INT(ward_pb_decode_record(bufs[i], lens[i], d), 0);
	}
	ward_pb_decoded_free(d);
}

UNIT_TEST(corrupted_records_are_refused)
{
	static uint8_t bufs[6][8192];
	size_t lens[6];
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_pb_meta m;
	size_t n = encode_all(bufs, lens);
	uint8_t p[8192];

	for (size_t i = 0; i < n; i++) {
		/* the Record's length says more than there is */
		memcpy(p, bufs[i], lens[i]);
		p[1] = (uint8_t)(p[1] + 1);
		if (p[1] & 0x80)
			continue;
		CHECK_EQ_INT(ward_pb_decode_record(p, lens[i], d), -EBADMSG);
		CHECK_EQ_INT(ward_pb_record_meta(p, lens[i], &m), -EBADMSG);
		/* an invalid wire type (7) in the first tag */
		memcpy(p, bufs[i], lens[i]);
		p[0] |= 7;
		CHECK_EQ_INT(ward_pb_decode_record(p, lens[i], d), -EBADMSG);
		CHECK_EQ_INT(ward_pb_record_meta(p, lens[i], &m), -EBADMSG);
		/* a zero tag stops nanopb early: trailing bytes are refused */
		memcpy(p, bufs[i], lens[i]);
		p[lens[i]] = 0;
		p[lens[i] + 1] = 0x0a;
		CHECK_EQ_INT(ward_pb_decode_record(p, lens[i] + 2, d), -EBADMSG);
	}
	/* a bytes field that fills its whole array leaves no room for the NUL:
	 * Loss.sink (max_size 65) with 65 bytes */
	uint8_t loss[80] = { 0x2a, 67, 0x32, 65 };
	memset(loss + 4, 's', 65);
	CHECK_EQ_INT(ward_pb_decode_record(loss, 69, d), -EBADMSG);
	loss[1] = 66;
	loss[3] = 64;
	CHECK_EQ_INT(ward_pb_decode_record(loss, 68, d), 0);
	CHECK_EQ_INT(strlen(d->loss.sink), 64);
	/* nothing at all */
	CHECK_EQ_INT(ward_pb_decode_record(p, 0, d), -EBADMSG);
	ward_pb_decoded_free(d);
}

/* Random bytes, and valid records with random bytes flipped: a result of 0
 * or -EBADMSG, never a crash (ASan and UBSan watch), and whatever decoded
 * prints. */
UNIT_TEST(fuzz_never_crashes)
{
	static uint8_t bufs[6][8192];
	size_t lens[6];
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	struct ward_pb_meta m;
	struct ward_buf out;
	size_t n = encode_all(bufs, lens), ok = 0;
	ward_buf_init(&out);
	srand(12345);
	for (int iter = 0; iter < 30000; iter++) {
		size_t len;
		uint8_t *p;
		if (iter % 3 == 0) {
			len = (size_t)rand() % 300;
			p = malloc(len ? len : 1);
			for (size_t i = 0; i < len; i++)
				p[i] = (uint8_t)rand();
			if (len)
				p[0] = (uint8_t)(0x0a + 8 * (rand() % 5)); /* a Record member */
		} else {
			size_t k = (size_t)rand() % n;
			len = lens[k];
			p = malloc(len);
			memcpy(p, bufs[k], len);
			for (int f = 0; f < 1 + rand() % 4; f++)
				p[(size_t)rand() % len] ^= (uint8_t)(1 << (rand() % 8));
		}
		int r = ward_pb_decode_record(p, len, d);
		if (!CHECK(r == 0 || r == -EBADMSG)) {
			free(p);
			break;
		}
		if (r == 0) {
			ok++;
			ward_buf_reset(&out);
			ward_pb_decoded_json(d, &out);
			ward_pb_decoded_table(d, &out);
		}
		r = ward_pb_record_meta(p, len, &m);
		CHECK(r == 0 || r == -EBADMSG);
		free(p);
	}
	CHECK(ok > 0); /* some flips land in values, not structure */
	ward_buf_free(&out);
	ward_pb_decoded_free(d);
}

UNIT_TEST(too_small_buffers_give_enospc)
{
	static uint8_t bufs[6][8192];
	size_t lens[6], len;
	size_t n = encode_all(bufs, lens);
	(void)n;
	build_samples();
	struct ward_alert a = full_alert(&samples[1]);
	CHECK_EQ_INT(ward_pb_encode_event(&samples[1], wire, lens[0] - 1, &len), -ENOSPC);
	CHECK_EQ_INT(ward_pb_encode_event(&samples[1], wire, 0, &len), -ENOSPC);
	CHECK_EQ_INT(ward_pb_encode_event(&samples[1], wire, lens[0], &len), 0);
	CHECK_EQ_INT(len, lens[0]);
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, lens[2] - 1, &len), -ENOSPC);
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, 10, &len), -ENOSPC);
	struct ward_loss l = { .time_ns = T0, .count = 2, .reason = WARD_LOSS_QUEUE, .sink = "c" };
	CHECK_EQ_INT(ward_pb_encode_loss(&l, wire, lens[4] - 1, &len), -ENOSPC);
	struct ward_hook_report hooks[2] = { { .name = "a", .prog = "p", .kind = "syscall" },
					     { .name = "b", .prog = "q" } };
	struct ward_kernel_info k = { .release = "6.18", .lockdown = "none" };
	CHECK_EQ_INT(ward_pb_encode_hooks(T0, &k, hooks, 2, wire, lens[3] - 1, &len), -ENOSPC);
}

/* ---- framing and meta ---- */

UNIT_TEST(delimited_frames)
{
	uint8_t buf[400], msg[300];
	const uint8_t *m;
	size_t len, mlen, flen;
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	CHECK_EQ_INT(ward_pb_varint_len(0), 1);
	CHECK_EQ_INT(ward_pb_varint_len(127), 1);
	CHECK_EQ_INT(ward_pb_varint_len(128), 2);
	CHECK_EQ_INT(ward_pb_varint_len(WARD_PB_RECORD_MAX), 3);
	CHECK_EQ_INT(ward_pb_put_delimited(buf, sizeof(buf), msg, 300, &len), 0);
	CHECK_EQ_INT(len, 302);
	CHECK_EQ_INT(buf[0], 0xac); /* 300 = 0b10_0101100 */
	CHECK_EQ_INT(buf[1], 0x02);
	CHECK_EQ_INT(ward_pb_get_delimited(buf, len, &m, &mlen, &flen), 0);
	CHECK_EQ_INT(mlen, 300);
	CHECK_EQ_INT(flen, 302);
	CHECK_EQ_MEM(m, mlen, msg, 300);
	/* in place: encoded at buf + WARD_PB_LEN_MAX, then delimited */
	memcpy(buf + WARD_PB_LEN_MAX, msg, 5);
	CHECK_EQ_INT(ward_pb_put_delimited(buf, sizeof(buf), buf + WARD_PB_LEN_MAX, 5, &len), 0);
	CHECK_EQ_INT(len, 6);
	CHECK_EQ_INT(buf[0], 5);
	CHECK_EQ_MEM(buf + 1, 5, msg, 5);
	CHECK_EQ_INT(ward_pb_put_delimited(buf, 301, msg, 300, &len), -ENOSPC);
	/* partial frames wait for more */
	CHECK_EQ_INT(ward_pb_put_delimited(buf, sizeof(buf), msg, 300, &len), 0);
	CHECK_EQ_INT(ward_pb_get_delimited(buf, 0, &m, &mlen, &flen), -EAGAIN);
	CHECK_EQ_INT(ward_pb_get_delimited(buf, 1, &m, &mlen, &flen), -EAGAIN);
	CHECK_EQ_INT(ward_pb_get_delimited(buf, 301, &m, &mlen, &flen), -EAGAIN);
	/* a prefix that never ends, or announces too much */
	uint8_t bad[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	CHECK_EQ_INT(ward_pb_get_delimited(bad, sizeof(bad), &m, &mlen, &flen), -EBADMSG);
	uint8_t big[3] = { 0x81, 0x80, 0x20 }; /* 512 KiB + 1 */
	CHECK_EQ_INT(ward_pb_get_delimited(big, sizeof(big), &m, &mlen, &flen), -EBADMSG);
	/* an empty message is a frame too */
	uint8_t zero[1] = { 0 };
	CHECK_EQ_INT(ward_pb_get_delimited(zero, 1, &m, &mlen, &flen), 0);
	CHECK_EQ_INT(mlen, 0);
	CHECK_EQ_INT(flen, 1);
}

UNIT_TEST(meta_without_full_decode)
{
	struct ward_pb_meta m;
	size_t len;
	build_samples();
	const struct ward_event *ev = &samples[1];
	CHECK_EQ_INT(ward_pb_encode_event(ev, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_EVENT);
	CHECK_EQ_INT(m.time_ns, T0);
	CHECK(m.has_event);
	CHECK_EQ_INT(m.event_type, XDR_EVENT_PROCESS);
	CHECK_EQ_INT(m.access_type, XDR_PROCESS_EXECUTE);
	CHECK_EQ_INT(m.pid, 4242);

	struct ward_alert a = full_alert(&samples[7]);
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_ALERT);
	CHECK_EQ_INT(m.time_ns, T0 + 5); /* the alert's own time */
	CHECK(m.has_event);
	CHECK_EQ_INT(m.access_type, XDR_FILE_OPEN);
	CHECK_EQ_INT(m.pid, 4242);
	a.event = NULL;
	CHECK_EQ_INT(ward_pb_encode_alert(&a, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK(!m.has_event);
	CHECK_EQ_INT(m.pid, 0);

	struct ward_loss l = { .time_ns = T0 + 9, .count = 1, .reason = WARD_LOSS_DISK };
	CHECK_EQ_INT(ward_pb_encode_loss(&l, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_LOSS);
	CHECK_EQ_INT(m.time_ns, T0 + 9);

	struct ward_footprint fp = { .kind = WARD_FP_DNS, .first_seen_ns = 1, .last_seen_ns = T0 };
	CHECK_EQ_INT(ward_pb_encode_footprint(&fp, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_FOOTPRINT);
	CHECK_EQ_INT(m.time_ns, T0);

	struct ward_stats_record r = { .time_ns = T0 + 1 };
	CHECK_EQ_INT(ward_pb_encode_stats(&r, wire, sizeof(wire), &len), 0);
	CHECK_EQ_INT(ward_pb_record_meta(wire, len, &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_STATS);
	CHECK_EQ_INT(m.time_ns, T0 + 1);

	/* a kind this reader does not know (oneof member 9): skipped */
	uint8_t unknown[] = { 0x4a, 0x02, 0x08, 0x01 };
	struct ward_pb_decoded *d = ward_pb_decoded_new();
	CHECK_EQ_INT(ward_pb_record_meta(unknown, sizeof(unknown), &m), 0);
	CHECK_EQ_INT(m.kind, WARD_PB_NONE);
	CHECK_EQ_INT(ward_pb_decode_record(unknown, sizeof(unknown), d), 0);
	CHECK_EQ_INT(d->kind, WARD_PB_NONE);
	struct ward_buf b;
	ward_buf_init(&b);
	CHECK_EQ_INT(ward_pb_record_json(unknown, sizeof(unknown), &b), 0);
	CHECK_EQ_INT(b.len, 0);
	ward_buf_free(&b);
	ward_pb_decoded_free(d);
}

/* ---- cost ---- */


/* A typical file event (paths of tens of bytes) must encode in a few
 * microseconds; the bound is loose because this runs under ASan. */
/* The direct event encoder (encode_event.c) writes exactly what nanopb's
 * generic encoder writes, for every sample and at every string bound. */
static bool same_as_nanopb(const struct ward_event *ev)
{
	static uint8_t ref[WARD_PB_RECORD_MAX];
	size_t a = 0, b = 0;
	int ra = ward_pb_encode_event(ev, wire, sizeof(wire), &a);
	int rb = ward_pb_encode_event_nanopb(ev, ref, sizeof(ref), &b);
	bool ok = CHECK_EQ_INT(ra, rb);
	if (ok && ra == 0)
		ok = CHECK_EQ_MEM(wire, a, ref, b);
	return ok;
}

UNIT_TEST(direct_event_encoding_is_nanopbs_byte_for_byte)
{
	static char path[WARD_PATH_MAX + 1];
	build_samples();
	for (size_t i = 0; i < nsamples; i++)
		if (!same_as_nanopb(&samples[i]))
			fprintf(stderr, "    sample %zu (access %u)\n", i, samples[i].access_type);
	struct ward_event empty = base(XDR_EVENT_FILE, XDR_FILE_OPEN);
	memset(&empty.process, 0, sizeof(empty.process));
	same_as_nanopb(&empty);
	memset(path, 'p', sizeof(path));
	struct ward_event ev = base(XDR_EVENT_FILE, XDR_FILE_OPEN);
	for (size_t n = sizeof(path) - 3; n <= sizeof(path); n++) {
		ev.file.path = (struct ward_str_ref){ path, n }; /* fits, fits, refused */
		same_as_nanopb(&ev);
	}
	ev = base(XDR_EVENT_PROCESS, XDR_PROCESS_TERMINATE);
	ev.target.has_exit_code = true;
	ev.target.exit_code = 0; /* present although 0 */
	same_as_nanopb(&ev);
	ev.target.exit_code = -9;
	same_as_nanopb(&ev);
}

UNIT_MAIN()
