/*
 * Reading footprints back: the filters of `ward footprints` (type, glob,
 * since, limit), --since parsing, and the JSON and table lines, exact.
 */
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"
#include "store/footprints.h"
#include "store/footprints_query.h"
#include "unit.h"
#include "ward/abi.h"
#include "ward/xdr_types.h"

#define T0 1795435200000000000ULL /* 2026-11-23T12:00:00Z */
#define SEC 1000000000ULL

static char dir[64], db[128];

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

/* A database with three files, one connection and one DNS name, each seen
 * last at a known time. */
static bool fixture(void)
{
	static const struct { const char *path; uint64_t t; } files[] = {
		{ "/etc/passwd", T0 + 10 * SEC },
		{ "/etc/shadow", T0 + 20 * SEC },
		{ "/home/a/notes", T0 + 30 * SEC },
	};
	struct ward_footprints_opts o = { .db_path = db };
	struct ward_footprints *f;
	struct ward_event ev;

	strcpy(dir, "/tmp/ward-fpq-test-XXXXXX");
	if (!mkdtemp(dir))
		return false;
	snprintf(db, sizeof(db), "%s/fp.db", dir);
	f = ward_footprints_new(&o);
	if (!f)
		return false;
	for (size_t i = 0; i < 3; i++) {
		ev = (struct ward_event){ .time_ns = files[i].t, .event_type = XDR_EVENT_FILE,
					  .access_type = XDR_FILE_OPEN, .count = 1 };
		ev.file.path = (struct ward_str_ref){ files[i].path, strlen(files[i].path) };
		ward_footprints_observe(f, &ev);
	}
	ev = (struct ward_event){ .time_ns = T0 + 40 * SEC, .event_type = XDR_EVENT_DNS,
				  .access_type = XDR_DNS_QUERY, .count = 1 };
	ev.conn.protocol = XDR_CONNECTION_UDP;
	strcpy(ev.conn.remote_ip, "192.0.2.53");
	ev.conn.remote_port = 53;
	ev.dns.query = "example.org";
	ward_footprints_observe(f, &ev);
	ward_footprints_free(f);
	return true;
}

static void fixture_done(void)
{
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

struct names {
	char text[512];
};

static int join_name(const struct ward_footprint *fp, void *arg)
{
	struct names *n = arg;
	if (n->text[0])
		strcat(n->text, " ");
	strncat(n->text, fp->name, sizeof(n->text) - strlen(n->text) - 2);
	return 0;
}

/* The names a query returns, in order, space-separated. */
static const char *run(const struct ward_footprints_query *q, struct names *n)
{
	n->text[0] = '\0';
	int ret = ward_footprints_query(db, q, join_name, n, NULL);
	if (ret) {
		snprintf(n->text, sizeof(n->text), "error %d", ret);
	}
	return n->text;
}

UNIT_TEST(filters)
{
	struct names n;
	struct ward_footprints_query q;

	if (!CHECK(fixture()))
		return;
	q = (struct ward_footprints_query){ 0 };
	/* most recently seen first; the DNS event touched the name and the server */
	CHECK_EQ_STR(run(&q, &n),
		     "UDP 192.0.2.53:53 example.org /home/a/notes /etc/shadow /etc/passwd");
	q = (struct ward_footprints_query){ .kinds = WARD_FP_KIND_BIT(WARD_FP_FILE) };
	CHECK_EQ_STR(run(&q, &n), "/home/a/notes /etc/shadow /etc/passwd");
	q.kinds |= WARD_FP_KIND_BIT(WARD_FP_DNS);
	CHECK_EQ_STR(run(&q, &n), "example.org /home/a/notes /etc/shadow /etc/passwd");
	q = (struct ward_footprints_query){ .kinds = WARD_FP_KIND_BIT(WARD_FP_PROCESS) };
	CHECK_EQ_STR(run(&q, &n), "");
	q = (struct ward_footprints_query){ .name_glob = "/etc/*" };
	CHECK_EQ_STR(run(&q, &n), "/etc/shadow /etc/passwd");
	q = (struct ward_footprints_query){ .name_glob = "/ETC/*" }; /* case-sensitive */
	CHECK_EQ_STR(run(&q, &n), "");
	q = (struct ward_footprints_query){ .name_glob = "UDP *:53" };
	CHECK_EQ_STR(run(&q, &n), "UDP 192.0.2.53:53");
	/* since is inclusive */
	q = (struct ward_footprints_query){ .since_ns = T0 + 20 * SEC };
	CHECK_EQ_STR(run(&q, &n), "UDP 192.0.2.53:53 example.org /home/a/notes /etc/shadow");
	q = (struct ward_footprints_query){ .since_ns = T0 + 20 * SEC + 1,
					    .kinds = WARD_FP_KIND_BIT(WARD_FP_FILE) };
	CHECK_EQ_STR(run(&q, &n), "/home/a/notes");
	q = (struct ward_footprints_query){ .limit = 2 };
	CHECK_EQ_STR(run(&q, &n), "UDP 192.0.2.53:53 example.org");
	q = (struct ward_footprints_query){ .kinds = WARD_FP_KIND_BIT(WARD_FP_FILE),
					    .name_glob = "/etc/*", .since_ns = T0, .limit = 1 };
	CHECK_EQ_STR(run(&q, &n), "/etc/shadow");
	fixture_done();
}

static int stop_at_first(const struct ward_footprint *fp, void *arg)
{
	(*(int *)arg)++;
	return 42;
}

UNIT_TEST(callback_stops_the_query)
{
	struct ward_footprints_query q = { 0 };
	int calls = 0;

	if (!CHECK(fixture()))
		return;
	CHECK_EQ_INT(ward_footprints_query(db, &q, stop_at_first, &calls, NULL), 42);
	CHECK_EQ_INT(calls, 1);
	fixture_done();
}

static const char *json_of(struct ward_buf *b, const struct ward_footprint *fp)
{
	ward_buf_reset(b);
	ward_json_footprint(b, fp);
	return ward_buf_cstr(b);
}

UNIT_TEST(json_lines_exact)
{
	struct ward_buf b;
	ward_buf_init(&b);

	struct ward_footprint file = {
		.kind = WARD_FP_FILE, .hash_id = 0x7b6558161c6edf78ULL, .name = "/etc/\"pass\"wd",
		.first_seen_ns = T0, .last_seen_ns = T0 + 1500000000ULL, .count = 3,
		.access_mask = (1ULL << ward_access_bit(XDR_FILE_OPEN)) |
			       (1ULL << ward_access_bit(XDR_FILE_MODIFY)),
		.has_stat = true, .size = 1234, .btime_ns = T0 - SEC, .mtime_ns = T0 - 2 * SEC,
		.mode = 0100644, .uid = 0, .gid = 42, .owner = "root", .group = NULL,
	};
	CHECK_EQ_STR(json_of(&b, &file),
		     "{\"kind\":\"footprint\",\"object\":\"file\",\"hash_id\":\"7b6558161c6edf78\","
		     "\"name\":\"/etc/\\\"pass\\\"wd\",\"first_seen\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"last_seen\":\"2026-11-23T12:00:01.500000000Z\",\"count\":3,"
		     "\"accesses\":[\"FILE_OPEN\",\"FILE_MODIFY\"],\"size\":1234,"
		     "\"btime\":\"2026-11-23T11:59:59.000000000Z\","
		     "\"mtime\":\"2026-11-23T11:59:58.000000000Z\",\"mode\":33188,\"uid\":0,"
		     "\"gid\":42,\"owner\":\"root\",\"group\":null}\n");

	struct ward_footprint gone = { .kind = WARD_FP_FILE, .name = "/tmp/x", .count = 1 };
	CHECK_EQ_STR(json_of(&b, &gone),
		     "{\"kind\":\"footprint\",\"object\":\"file\",\"hash_id\":\"0000000000000000\","
		     "\"name\":\"/tmp/x\",\"first_seen\":\"1970-01-01T00:00:00.000000000Z\","
		     "\"last_seen\":\"1970-01-01T00:00:00.000000000Z\",\"count\":1,\"accesses\":[],"
		     "\"size\":null,\"btime\":null,\"mtime\":null,\"mode\":null,\"uid\":null,"
		     "\"gid\":null,\"owner\":null,\"group\":null}\n");

	struct ward_footprint exe = {
		.kind = WARD_FP_EXECUTABLE, .hash_id = 1, .name = "/usr/bin/ls", .first_seen_ns = T0,
		.last_seen_ns = T0, .count = 1,
		.access_mask = 1ULL << ward_access_bit(XDR_PROCESS_EXECUTE),
		.has_stat = true, .size = 6, .mtime_ns = T0,
		.sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
	};
	CHECK_EQ_STR(json_of(&b, &exe),
		     "{\"kind\":\"footprint\",\"object\":\"executable\",\"hash_id\":\"0000000000000001\","
		     "\"name\":\"/usr/bin/ls\",\"first_seen\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"last_seen\":\"2026-11-23T12:00:00.000000000Z\",\"count\":1,"
		     "\"accesses\":[\"PROCESS_EXECUTE\"],\"sha256\":"
		     "\"5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\","
		     "\"sha256_skipped\":null,\"size\":6,\"mtime\":\"2026-11-23T12:00:00.000000000Z\"}\n");

	struct ward_footprint proc = {
		.kind = WARD_FP_PROCESS, .hash_id = 0xabc, .name = "/bin/sh", .first_seen_ns = T0,
		.last_seen_ns = T0, .count = 2,
		.access_mask_hi = 1ULL << (ward_access_bit(XDR_MEMORY_MODIFY) - 64),
		.pid = 10, .ppid = 1, .proc_uid = 1000, .cmdline = "sh -c 'x'", .start_time_ns = T0,
	};
	CHECK_EQ_STR(json_of(&b, &proc),
		     "{\"kind\":\"footprint\",\"object\":\"process\",\"hash_id\":\"0000000000000abc\","
		     "\"name\":\"/bin/sh\",\"first_seen\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"last_seen\":\"2026-11-23T12:00:00.000000000Z\",\"count\":2,"
		     "\"accesses\":[\"MEMORY_MODIFY\"],\"pid\":10,\"ppid\":1,\"uid\":1000,"
		     "\"cmdline\":\"sh -c 'x'\",\"start_time\":\"2026-11-23T12:00:00.000000000Z\"}\n");

	struct ward_footprint conn = {
		.kind = WARD_FP_CONNECTION, .hash_id = 2, .name = "TCP 10.0.0.5:*",
		.first_seen_ns = T0, .last_seen_ns = T0, .count = 1,
		.access_mask = 1ULL << ward_access_bit(XDR_CONNECTION_CONNECT_INBOUND),
		.protocol = XDR_CONNECTION_TCP, .remote_ip = "10.0.0.5", .remote_port = 0,
		.inbound = true,
	};
	CHECK_EQ_STR(json_of(&b, &conn),
		     "{\"kind\":\"footprint\",\"object\":\"connection\",\"hash_id\":\"0000000000000002\","
		     "\"name\":\"TCP 10.0.0.5:*\",\"first_seen\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"last_seen\":\"2026-11-23T12:00:00.000000000Z\",\"count\":1,"
		     "\"accesses\":[\"CONNECTION_CONNECT_INBOUND\"],\"protocol\":\"TCP\","
		     "\"remote_ip\":\"10.0.0.5\",\"remote_port\":0,\"outbound\":false,\"inbound\":true}\n");

	struct ward_footprint dns = {
		.kind = WARD_FP_DNS, .hash_id = 0x7f85de6bbc85ea4dULL, .name = "example.com",
		.first_seen_ns = T0, .last_seen_ns = T0, .count = 1,
		.access_mask = 1ULL << ward_access_bit(XDR_DNS_QUERY),
	};
	CHECK_EQ_STR(json_of(&b, &dns),
		     "{\"kind\":\"footprint\",\"object\":\"dns\",\"hash_id\":\"7f85de6bbc85ea4d\","
		     "\"name\":\"example.com\",\"first_seen\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"last_seen\":\"2026-11-23T12:00:00.000000000Z\",\"count\":1,"
		     "\"accesses\":[\"DNS_QUERY\"]}\n");
	ward_buf_free(&b);
}

UNIT_TEST(table_lines_exact)
{
	struct ward_buf b;
	ward_buf_init(&b);
	struct ward_footprint exe = {
		.kind = WARD_FP_EXECUTABLE, .name = "/tmp/a\nb", .first_seen_ns = T0,
		.last_seen_ns = T0 + 61 * SEC, .count = 12, .sha256_skipped = "too_large",
	};
	ward_table_footprint_header(&b);
	ward_table_footprint(&b, &exe);
	exe.sha256 = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
	ward_table_footprint(&b, &exe);
	CHECK_EQ_STR(ward_buf_cstr(&b),
		     "OBJECT     COUNT     FIRST_SEEN           LAST_SEEN            NAME\n"
		     "executable 12        2026-11-23T12:00:00Z 2026-11-23T12:01:01Z /tmp/a?b"
		     "  sha256:- (too_large)\n"
		     "executable 12        2026-11-23T12:00:00Z 2026-11-23T12:01:01Z /tmp/a?b"
		     "  sha256:5891b5b522d5df08\n");
	ward_buf_free(&b);
}

UNIT_MAIN()
