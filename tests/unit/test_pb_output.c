/* The JSON of the records the protobuf log carries besides events: alert,
 * loss, the daemon's stats fields; and the alert's table line. Exact bytes. */
#include <errno.h>
#include <string.h>

#include "output.h"
#include "unit.h"
#include "ward/xdr_types.h"

#define T0 1795435200123456789ULL /* 2026-11-23T12:00:00.123456789Z */

UNIT_TEST(alert_json_exact)
{
	struct ward_event ev = { .seq = 3, .time_ns = T0, .event_type = XDR_EVENT_FILE,
				 .access_type = XDR_FILE_OPEN, .count = 1 };
	ev.process.pid = 10;
	ev.process.comm = "enc";
	ev.file.path = (struct ward_str_ref){ "/h/a\xff", 5 };
	struct ward_alert a = {
		.time_ns = T0, .source = WARD_ALERT_RANSOMWARE, .rule = "ransomware",
		.severity = WARD_SEV_CRITICAL, .output = "files \"encrypted\"",
		.tags = { "T1486" }, .ntags = 1, .level = "major",
		.files = { "/h/a\xff" }, .nfiles = 1, .files_total = 40,
		.response = WARD_RESPONSE_KILL, .response_pid = 10, .response_count = 2,
		.response_error = EPERM, .event = &ev,
	};
	struct ward_buf b, e;
	ward_buf_init(&b);
	ward_buf_init(&e);
	ward_json_alert(&b, &a);
	ward_json_event(&e, &ev);
	e.data[--e.len] = '\0'; /* the event record without its newline */
	char want[4096];
	snprintf(want, sizeof(want),
		 "{\"kind\":\"alert\",\"time\":\"2026-11-23T12:00:00.123456789Z\",\"rule\":\"ransomware\","
		 "\"source\":\"ransomware\",\"severity\":\"CRITICAL\",\"output\":"
		 "\"files \\\"encrypted\\\"\",\"tags\":[\"T1486\"],\"level\":\"major\","
		 "\"files\":[\"/h/a\\udcff\"],\"files_total\":40,\"response\":{\"action\":\"kill\","
		 "\"pid\":10,\"processes\":2,\"error\":\"EPERM\"},\"event\":%s}\n", e.data);
	CHECK_EQ_STR(b.data, want);
	CHECK(strstr(want, "\"event\":{\"kind\":\"event\",") != NULL);

	/* nothing optional: null strings, empty tags, no level/files/response/event */
	struct ward_alert m = { .time_ns = T0, .source = WARD_ALERT_RULE,
				.severity = WARD_SEV_WARNING };
	ward_buf_reset(&b);
	ward_json_alert(&b, &m);
	CHECK_EQ_STR(b.data, "{\"kind\":\"alert\",\"time\":\"2026-11-23T12:00:00.123456789Z\","
			     "\"rule\":null,\"source\":\"rule\",\"severity\":\"WARNING\","
			     "\"output\":null,\"tags\":[]}\n");
	/* a stop that worked: no error member */
	m.response = WARD_RESPONSE_STOP;
	m.response_pid = 5;
	m.response_count = 1;
	ward_buf_reset(&b);
	ward_json_alert(&b, &m);
	CHECK(strstr(b.data, ",\"response\":{\"action\":\"stop\",\"pid\":5,\"processes\":1}}\n") != NULL);
	ward_buf_free(&b);
	ward_buf_free(&e);
}

UNIT_TEST(loss_json_exact)
{
	struct ward_loss l = { .time_ns = T0, .count = 12, .first_time_ns = T0 - 123456789,
			       .last_time_ns = T0 - 1, .reason = WARD_LOSS_QUEUE, .sink = "log" };
	struct ward_buf b;
	ward_buf_init(&b);
	ward_json_loss(&b, &l);
	CHECK_EQ_STR(b.data, "{\"kind\":\"loss\",\"time\":\"2026-11-23T12:00:00.123456789Z\","
			     "\"count\":12,\"first_time\":\"2026-11-23T12:00:00.000000000Z\","
			     "\"last_time\":\"2026-11-23T12:00:00.123456788Z\",\"reason\":\"queue\","
			     "\"sink\":\"log\"}\n");
	l.reason = WARD_LOSS_KERNEL;
	l.sink = NULL;
	ward_buf_reset(&b);
	ward_json_loss(&b, &l);
	CHECK(strstr(b.data, "\"reason\":\"kernel\",\"sink\":null}\n") != NULL);
	CHECK_EQ_STR(ward_loss_reason_name(WARD_LOSS_DISK), "disk");
	CHECK_EQ_STR(ward_loss_reason_name(0), "unknown");
	ward_buf_free(&b);
}

UNIT_TEST(daemon_stats_fields_only_when_set)
{
	struct ward_stats_record r = { .time_ns = T0, .interval_s = 5, .final = true };
	struct ward_buf b;
	ward_buf_init(&b);
	ward_json_stats(&b, &r);
	CHECK(strstr(b.data, "uptime_s") == NULL);
	CHECK(strstr(b.data, "sinks") == NULL);
	struct ward_sink_stats sinks[] = { { "log", 10, 0 }, { "client:7", 8, 2 } };
	struct ward_daemon_stats d = { .uptime_s = 61.5, .cpu_user_s = 0.0125,
				       .cpu_system_s = 2, .rss_bytes = 4096, .log_written = 10,
				       .log_dropped = 1, .sinks = sinks, .nsinks = 2,
				       .clients = 1 };
	r.daemon = &d;
	ward_buf_reset(&b);
	ward_json_stats(&b, &r);
	CHECK(strstr(b.data, "\"state_misses\":0,\"hook_paths\":0,\"uptime_s\":61.500,\"cpu_user_s\":0.013,"
			     "\"cpu_system_s\":2.000,\"rss_bytes\":4096,\"log_written\":10,"
			     "\"log_dropped\":1,\"sinks\":[{\"name\":\"log\",\"written\":10,"
			     "\"dropped\":0},{\"name\":\"client:7\",\"written\":8,\"dropped\":2}],"
			     "\"clients\":1,\"final\":true}\n") != NULL);
	d.nsinks = 0;
	ward_buf_reset(&b);
	ward_json_stats(&b, &r);
	CHECK(strstr(b.data, "\"sinks\":[],\"clients\":1,") != NULL);
	ward_buf_free(&b);
}

UNIT_TEST(alert_table_line)
{
	struct ward_event ev = { .time_ns = T0, .event_type = XDR_EVENT_FILE,
				 .access_type = XDR_FILE_OPEN };
	ev.process.pid = 4242;
	ev.process.comm = "cryp\ttor";
	struct ward_alert a = { .time_ns = T0, .rule = "ransomware", .severity = WARD_SEV_CRITICAL,
				.output = "many\nfiles", .event = &ev,
				.response = WARD_RESPONSE_KILL, .response_count = 3 };
	struct ward_buf b;
	ward_buf_init(&b);
	ward_table_alert(&b, &a);
	CHECK_EQ_STR(b.data, "12:00:00.123 4242    cryp?tor         ALERT CRITICAL         "
			     "ransomware: many?files [killed 3 processes]\n");
	a.event = NULL;
	a.response = WARD_RESPONSE_NONE;
	a.output = NULL;
	ward_buf_reset(&b);
	ward_table_alert(&b, &a);
	CHECK_EQ_STR(b.data, "12:00:00.123 -       -                ALERT CRITICAL         "
			     "ransomware\n");
	ward_buf_free(&b);
}

UNIT_MAIN()
