/* The JSON Lines contract: exact bytes for a known event and stats record. */
#include <string.h>

#include "output.h"
#include "unit.h"
#include "ward/xdr_types.h"

#define REF(x) ((struct ward_str_ref){ (x), sizeof(x) - 1 })

UNIT_TEST(file_event_exact)
{
	struct ward_event ev = { 0 };
	ev.seq = 7;
	ev.time_ns = 1795435200123456789ULL; /* 2026-11-23T12:00:00.123456789Z */
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = XDR_FILE_MOVE;
	ev.count = 1;
	ev.process = (struct ward_process_info){
		.pid = 10, .tid = 11, .ppid = 1, .uid = 0, .euid = 0, .gid = 0,
		.comm = "mv", .exe = REF("/usr/bin/mv"), .cmdline = REF("mv a b"),
		.cwd = { NULL, 0 }, .start_time_ns = 1795435200000000000ULL, .hash_id = 0xabcULL,
	};
	ev.file.path = REF("/tmp/a");
	ev.file.requested_path = REF("a");
	ev.file.new_path = REF("/tmp/\"b\"\n");
	ev.file.requested_new_path = REF("\"b\"\n");
	ev.file.path_truncated = true;
	struct ward_buf b;
	ward_buf_init(&b);
	ward_json_event(&b, &ev);
	CHECK_EQ_STR(b.data,
		     "{\"kind\":\"event\",\"time\":\"2026-11-23T12:00:00.123456789Z\",\"seq\":7,"
		     "\"event_type\":\"FILE\",\"event_type_id\":2,\"access_type\":\"FILE_MOVE\","
		     "\"access_type_id\":106,\"count\":1,\"process\":{\"pid\":10,\"tid\":11,"
		     "\"ppid\":1,\"uid\":0,\"euid\":0,\"gid\":0,\"comm\":\"mv\",\"exe\":"
		     "\"/usr/bin/mv\",\"cmdline\":\"mv a b\",\"cwd\":null,\"start_time\":"
		     "\"2026-11-23T12:00:00.000000000Z\",\"hash_id\":\"0000000000000abc\"},"
		     "\"file\":{\"path\":\"/tmp/a\",\"requested_path\":\"a\",\"new_path\":"
		     "\"/tmp/\\\"b\\\"\\n\",\"requested_new_path\":\"\\\"b\\\"\\n\",\"flags\":0,"
		     "\"mode\":0,\"inode\":0,\"dev\":0,\"path_truncated\":true}}\n");
	ward_buf_free(&b);
}

UNIT_TEST(exec_event_argv_and_exit_code)
{
	struct ward_event ev = { 0 };
	ev.event_type = XDR_EVENT_PROCESS;
	ev.access_type = XDR_PROCESS_TERMINATE;
	ev.count = 1;
	ev.target.pid = 5;
	ev.target.argv = "a\0b c";
	ev.target.argv_len = 5;
	ev.target.has_exit_code = true;
	ev.target.exit_code = 768;
	struct ward_buf b;
	ward_buf_init(&b);
	ward_json_event(&b, &ev);
	const char *t = strstr(b.data, "\"target_process\":");
	CHECK(t != NULL);
	if (t)
		CHECK_EQ_STR(t, "\"target_process\":{\"pid\":5,\"exe\":null,\"cmdline\":null,"
				"\"argv\":[\"a\",\"b c\"],\"hash_id\":\"0000000000000000\","
				"\"exit_code\":768}}\n");
	ward_buf_free(&b);
}

UNIT_TEST(stats_record_exact)
{
	struct ward_stats s;
	ward_stats_reset(&s);
	ward_stats_add(&s, XDR_FILE_OPEN);
	ward_stats_add(&s, XDR_FILE_OPEN);
	ward_stats_add(&s, XDR_PROCESS_EXECUTE);
	struct ward_stats_record r = {
		.time_ns = 1795435200000000000ULL, .interval_s = 5.0004, .stats = &s,
		.dropped = 3, .sent = 10, .final = true,
	};
	struct ward_buf b;
	ward_buf_init(&b);
	ward_json_stats(&b, &r);
	CHECK_EQ_STR(b.data,
		     "{\"kind\":\"stats\",\"time\":\"2026-11-23T12:00:00.000000000Z\","
		     "\"interval_s\":5.000,\"counts\":[{\"event_type\":\"PROCESS\","
		     "\"access_type\":\"PROCESS_EXECUTE\",\"count\":1},{\"event_type\":\"FILE\","
		     "\"access_type\":\"FILE_OPEN\",\"count\":2}],\"dropped\":3,\"sent\":10,"
		     "\"deduplicated\":0,\"filtered\":0,\"malformed\":0,\"seq_lost\":0,"
		     "\"path_failures\":0,\"state_misses\":0,\"hook_paths\":0,\"final\":true}\n");
	ward_buf_free(&b);
}

UNIT_MAIN()
