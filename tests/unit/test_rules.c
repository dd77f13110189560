/* The rule engine: errors with their positions, every operator, lists,
 * macros, append and overrides, lookup fields, the access-type index and
 * output templates. The default rule set has its own test (test_rules_default.c). */
#include <string.h>

#include "detect/rules.h"
#include "proc_cache.h"
#include "unit.h"
#include "ward/xdr_types.h"

/* ---- helpers ---- */

struct caught {
	int n;
	char rule[8][128];
	char output[8][512];
	enum ward_severity sev[8];
	size_t ntags[8];
	char tag0[8][64];
};

static void catch_alert(void *ctx, const struct ward_alert *a)
{
	struct caught *c = ctx;
	if (c->n < 8) {
		snprintf(c->rule[c->n], sizeof(c->rule[0]), "%s", a->rule);
		snprintf(c->output[c->n], sizeof(c->output[0]), "%s", a->output);
		c->sev[c->n] = a->severity;
		c->ntags[c->n] = a->ntags;
		snprintf(c->tag0[c->n], sizeof(c->tag0[0]), "%s", a->ntags ? a->tags[0] : "");
	}
	c->n++;
}

/* A fake process table for process.parent.* / ancestors: 100 <- 50 <- 10 <- 1. */
static struct ward_proc procs[4];

static const struct ward_proc *get_proc(void *ctx, uint32_t tgid)
{
	(void)ctx;
	for (size_t i = 0; i < 4; i++)
		if (procs[i].tgid == tgid)
			return &procs[i];
	return NULL;
}

static void set_proc(size_t i, uint32_t tgid, uint32_t ppid, const char *comm, const char *exe)
{
	procs[i].tgid = tgid;
	procs[i].ppid = ppid;
	snprintf(procs[i].comm, sizeof(procs[i].comm), "%s", comm);
	procs[i].exe = (char *)exe;
	procs[i].exe_len = strlen(exe);
	procs[i].cmdline = (char *)exe;
	procs[i].cmdline_len = strlen(exe);
}

static void setup_tree(void)
{
	set_proc(0, 100, 50, "nginx", "/usr/sbin/nginx");
	set_proc(1, 50, 10, "nginx", "/usr/sbin/nginx-master");
	set_proc(2, 10, 1, "systemd", "/usr/lib/systemd/systemd");
	set_proc(3, 1, 0, "init", "/sbin/init");
}

static struct ward_rules *load_text(const char *yaml, struct ward_rules_error_list *errs)
{
	struct ward_rules_source src = { "test.yaml", yaml, strlen(yaml) };
	struct ward_rules_opts o = { .sources = &src, .nsources = 1, .lookup = get_proc };
	setup_tree();
	return ward_rules_load(&o, errs);
}

/* The first error of a text, formatted. */
static void first_error(const char *yaml, char *out, size_t n)
{
	struct ward_rules_error_list errs = { 0 };
	struct ward_rules *r = load_text(yaml, &errs);
	snprintf(out, n, "%s", "(no error)");
	if (errs.n)
		ward_rules_error_format(&errs.v[0], out, n);
	ward_rules_free(r);
	ward_rules_errors_free(&errs);
}

#define RULE(cond) "- rule: R\n  desc: d\n  condition: " cond "\n  output: o\n  priority: WARNING\n"

static struct ward_event file_event(uint16_t access, const char *path)
{
	struct ward_event ev = { 0 };
	ev.event_type = XDR_EVENT_FILE;
	ev.access_type = access;
	ev.count = 1;
	ev.process.pid = 100;
	ev.process.ppid = 50;
	ev.process.uid = 1000;
	ev.process.comm = "cat";
	ev.process.exe = (struct ward_str_ref){ "/usr/bin/cat", 12 };
	ev.process.cmdline = (struct ward_str_ref){ "cat /etc/shadow", 15 };
	ev.file.path = (struct ward_str_ref){ path, strlen(path) };
	return ev;
}

/* Does condition cond match ev? -1 if it does not compile. */
static int matches(const char *cond, const struct ward_event *ev)
{
	char yaml[4096];
	snprintf(yaml, sizeof(yaml),
		 "- list: names\n  items: [/etc/shadow, /etc/gshadow, cat]\n"
		 "- list: nums\n  items: [1, 100, 0x10]\n"
		 "- rule: R\n  desc: d\n  condition: '%s'\n  output: o\n  priority: WARNING\n", cond);
	struct ward_rules *r = load_text(yaml, NULL);
	if (!r)
		return -1;
	struct caught c = { 0 };
	int n = ward_rules_eval(r, ev, catch_alert, &c);
	ward_rules_free(r);
	return n;
}

/* ---- errors ---- */

UNIT_TEST(error_positions_in_a_file)
{
	const char *path = "tests/data/rules/errors.yaml";
	struct ward_rules_opts o = { .files = &path, .nfiles = 1 };
	struct ward_rules_error_list errs = { 0 };
	struct ward_rules *r = ward_rules_load(&o, &errs);
	static const char *const want[] = {
		"tests/data/rules/errors.yaml:16:13: unknown priority 'LOUD' (EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL, DEBUG)",
		"tests/data/rules/errors.yaml:31:3: unknown key 'foo' in a rule item",
		"tests/data/rules/errors.yaml:4:35: unbalanced parenthesis: '(' is not closed",
		"tests/data/rules/errors.yaml:35:14: macro recursion: a -> b -> a",
		"tests/data/rules/errors.yaml:9:5: unknown field 'proces.exe'",
		"tests/data/rules/errors.yaml:19:26: operator 'startswith' does not apply to number field 'process.pid'",
		"tests/data/rules/errors.yaml:24:26: unknown operator 'matches'",
		"tests/data/rules/errors.yaml:38:94: undefined macro 'm2'",
		"tests/data/rules/errors.yaml:39:14: output: unknown field 'nofield'",
	};
	CHECK(r == NULL);
	CHECK_EQ_INT(errno, EINVAL);
	if (!CHECK_EQ_INT(errs.n, sizeof(want) / sizeof(want[0])))
		goto out;
	for (size_t i = 0; i < errs.n; i++) {
		char line[512];
		ward_rules_error_format(&errs.v[i], line, sizeof(line));
		CHECK_EQ_STR(line, want[i]);
	}
out:
	ward_rules_errors_free(&errs);
}

UNIT_TEST(error_structure)
{
	const char *paths[] = { "tests/data/rules/structure.yaml", "tests/data/rules/bad_yaml.yaml" };
	struct ward_rules_opts o = { .files = paths, .nfiles = 2 };
	struct ward_rules_error_list errs = { 0 };
	static const char *const want[] = {
		"tests/data/rules/structure.yaml:1:3: rule 'No condition' has no condition",
		"tests/data/rules/structure.yaml:6:10: 'items' must be a sequence",
		"tests/data/rules/structure.yaml:9:3: rule 'Disable unknown' is not defined: 'enabled' alone changes an earlier rule",
		"tests/data/rules/structure.yaml:19:9: 'tags' must be a sequence of strings",
		"tests/data/rules/structure.yaml:20:3: list 'ext' is appended to but was never defined",
		"tests/data/rules/structure.yaml:23:3: item has no 'rule', 'macro' or 'list' key",
		"tests/data/rules/bad_yaml.yaml:3:1: invalid YAML: did not find expected ',' or ']' while parsing a flow sequence",
		"tests/data/rules/structure.yaml:8:15: empty condition",
	};
	CHECK(ward_rules_load(&o, &errs) == NULL);
	if (!CHECK_EQ_INT(errs.n, sizeof(want) / sizeof(want[0])))
		goto out;
	for (size_t i = 0; i < errs.n; i++) {
		char line[512];
		ward_rules_error_format(&errs.v[i], line, sizeof(line));
		CHECK_EQ_STR(line, want[i]);
	}
out:
	ward_rules_errors_free(&errs);
}

UNIT_TEST(error_messages)
{
	char e[512];
	/* "  condition: " is 13 columns: the condition starts at column 14 of line 3 */
	first_error(RULE("process.pid = 1 and (process.exe = /x"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:34: unbalanced parenthesis: '(' is not closed");
	first_error(RULE("process.pid = 1)"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:29: unbalanced parenthesis: ')' has no '('");
	first_error(RULE("process.pid = abc"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:28: 'abc' is not a number (process.pid is a number field)");
	first_error(RULE("process.exe ="), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:27: missing value after '='");
	first_error(RULE("process.exe = (a, b)"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:26: operator '=' takes one value, not a list");
	first_error(RULE("access_type = FILE_OPN"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:28: unknown access type 'FILE_OPN'");
	first_error(RULE("event_type = FILE_OPEN"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:27: unknown event type 'FILE_OPEN'");
	first_error(RULE("process.exe"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:14: field 'process.exe' is a string: compare it with an operator");
	first_error(RULE("file.deleted = maybe"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:29: 'maybe' is not true or false (file.deleted is a bool field)");
	first_error(RULE("process.exe = 'x"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:28: unterminated string");
	first_error(RULE("process.pid < 1 and"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:33: expected a field, macro or '(', found the end of the condition");
	first_error(RULE("connection.remote_ip in_cidr (10.0.0.0/33)"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:3:44: '10.0.0.0/33' is not an IP network (ADDRESS/PREFIX)");
	first_error(RULE("process.exe glob (/a/[b)"), e, sizeof(e));
	CHECK_EQ_STR(e, "(no error)"); /* an unclosed '[' is a literal */
	first_error("- rule: R\n  desc: d\n  condition: process.pid = 1\n  output: o\n  priority: LOUD\n",
		    e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:5:13: unknown priority 'LOUD' (EMERGENCY, ALERT, CRITICAL, ERROR, "
		     "WARNING, NOTICE, INFORMATIONAL, DEBUG)");
	first_error("- rule: R\n  desc: d\n  condition: x\n  output: o\n  priority: INFO\n  severity: INFO\n",
		    e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:6:13: rule 'R' has both 'priority' and 'severity'");
	first_error("- list: a\n  items: [b]\n- list: b\n  items: [a]\n" RULE("file.path in (a)"), e,
		    sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:1:3: list 'a' includes itself");
	first_error("- macro: m\n  condition: m\n" RULE("m"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:2:14: macro recursion: m -> m");
	first_error("- list: l\n  items: [a]\n" RULE("l"), e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:5:14: 'l' is a list: use it as 'FIELD in (l)'");
	/* multi-line folded condition: the position is on the right line */
	first_error("- rule: R\n  desc: d\n  condition: >\n    process.pid = 1\n    and proc.x = 2\n"
		    "  output: o\n  priority: WARNING\n",
		    e, sizeof(e));
	CHECK_EQ_STR(e, "test.yaml:5:9: unknown field 'proc.x'");
}

UNIT_TEST(macro_error_reported_once)
{
	struct ward_rules_error_list errs = { 0 };
	const char *y = "- macro: m\n  condition: nofield.x = 1\n" RULE("m") RULE("m or m");
	CHECK(load_text(y, &errs) == NULL);
	if (CHECK_EQ_INT(errs.n, 1)) {
		char line[256];
		ward_rules_error_format(&errs.v[0], line, sizeof(line));
		CHECK_EQ_STR(line, "test.yaml:2:14: unknown field 'nofield.x'");
	}
	ward_rules_errors_free(&errs);
}

/* ---- operators ---- */

UNIT_TEST(string_operators)
{
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/etc/ssh/ssh_host_rsa_key");
	CHECK_EQ_INT(matches("file.path = /etc/ssh/ssh_host_rsa_key", &ev), 1);
	CHECK_EQ_INT(matches("file.path == \"/etc/ssh/ssh_host_rsa_key\"", &ev), 1);
	CHECK_EQ_INT(matches("file.path = /etc/ssh/ssh_host_rsa_ke", &ev), 0);
	CHECK_EQ_INT(matches("file.path != /etc/ssh/ssh_host_rsa_key", &ev), 0);
	CHECK_EQ_INT(matches("file.path != /etc/passwd", &ev), 1);
	CHECK_EQ_INT(matches("file.path startswith /etc/ssh/", &ev), 1);
	CHECK_EQ_INT(matches("file.path startswith /etc/sshd", &ev), 0);
	CHECK_EQ_INT(matches("file.path startswith (/usr, /etc/)", &ev), 1);
	CHECK_EQ_INT(matches("file.path endswith _key", &ev), 1);
	CHECK_EQ_INT(matches("file.path endswith .pub", &ev), 0);
	CHECK_EQ_INT(matches("file.path contains host_rsa", &ev), 1);
	CHECK_EQ_INT(matches("file.path contains HOST", &ev), 0);
	CHECK_EQ_INT(matches("file.path icontains HOST_RSA", &ev), 1);
	CHECK_EQ_INT(matches("file.path in (/etc/a, /etc/ssh/ssh_host_rsa_key, /z)", &ev), 1);
	CHECK_EQ_INT(matches("file.path in (/etc/a, /z)", &ev), 0);
	CHECK_EQ_INT(matches("file.path in ()", &ev), 0);
	CHECK_EQ_INT(matches("file.path exists", &ev), 1);
	CHECK_EQ_INT(matches("file.new_path exists", &ev), 0); /* only FILE_MOVE has one */
	CHECK_EQ_INT(matches("dns.query exists", &ev), 0);
	/* an absent field: every comparison is false, != too */
	CHECK_EQ_INT(matches("file.new_path != /x", &ev), 0);
	CHECK_EQ_INT(matches("not file.new_path = /x", &ev), 1);
	CHECK_EQ_INT(matches("process.comm in (names)", &ev), 1);
	CHECK_EQ_INT(matches("process.comm = names", &ev), 0); /* '=' takes the word itself */
	CHECK_EQ_INT(matches("process.comm in (\"names\")", &ev), 0); /* quoted: not the list */
}

UNIT_TEST(glob_operator)
{
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/home/ann/.ssh/authorized_keys2");
	CHECK_EQ_INT(matches("file.path glob /home/*/.ssh/authorized_keys*", &ev), 1);
	CHECK_EQ_INT(matches("file.path glob /home/*/authorized_keys*", &ev), 0); /* '*' stops at '/' */
	CHECK_EQ_INT(matches("file.path glob /home/**/authorized_keys?", &ev), 1);
	CHECK_EQ_INT(matches("file.path glob /home/**", &ev), 1);
	CHECK_EQ_INT(matches("file.path glob /home/ann/**/.ssh/authorized_keys[0-9]", &ev), 1);
	CHECK_EQ_INT(matches("file.path glob /home/ann/.ssh/authorized_keys[!0-9]", &ev), 0);
	CHECK_EQ_INT(matches("file.path glob /home/?nn/.ssh/*", &ev), 1);
	CHECK_EQ_INT(matches("file.path glob /home/ann/.ssh/authorized_keys", &ev), 0);
	CHECK_EQ_INT(matches("file.path glob (/x/*, /home/*/.ssh/*)", &ev), 1);
	struct ward_event deep = file_event(XDR_FILE_OPEN, "/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q");
	CHECK_EQ_INT(matches("file.path glob /a/**/q", &deep), 1);
	CHECK_EQ_INT(matches("file.path glob /a/**/*/*/**/x", &deep), 0);
	CHECK_EQ_INT(matches("file.path glob \"/a/\\\\*\"", &deep), 0);
}

UNIT_TEST(number_operators)
{
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	ev.file.flags = 01101; /* O_WRONLY|O_CREAT|O_TRUNC */
	CHECK_EQ_INT(matches("process.pid = 100", &ev), 1);
	CHECK_EQ_INT(matches("process.pid != 100", &ev), 0);
	CHECK_EQ_INT(matches("process.pid < 101 and process.pid <= 100", &ev), 1);
	CHECK_EQ_INT(matches("process.pid > 100", &ev), 0);
	CHECK_EQ_INT(matches("process.pid >= 100 and process.uid > 999", &ev), 1);
	CHECK_EQ_INT(matches("process.pid in (nums)", &ev), 1);
	CHECK_EQ_INT(matches("process.uid in (nums)", &ev), 0);
	CHECK_EQ_INT(matches("file.flags = 01101", &ev), 1); /* octal as in C */
	CHECK_EQ_INT(matches("file.flags = 0x241", &ev), 1);
	CHECK_EQ_INT(matches("file.open_write", &ev), 1);
	CHECK_EQ_INT(matches("file.open_write = false", &ev), 0);
	CHECK_EQ_INT(matches("file.open_read", &ev), 0);
	ev.file.flags = 02; /* O_RDWR: reads too */
	CHECK_EQ_INT(matches("file.open_read and file.open_write", &ev), 1);
	ev.file.flags = 0; /* O_RDONLY */
	CHECK_EQ_INT(matches("file.open_read and not file.open_write", &ev), 1);
	ev.file.flags = 01101;
	CHECK_EQ_INT(matches("access_type = FILE_OPEN", &ev), 1);
	CHECK_EQ_INT(matches("access_type = file_open", &ev), 1);
	CHECK_EQ_INT(matches("access_type in (FILE_CREATE, FILE_OPEN)", &ev), 1);
	CHECK_EQ_INT(matches("access_type != FILE_OPEN", &ev), 0);
	CHECK_EQ_INT(matches("event_type = FILE", &ev), 1);
	CHECK_EQ_INT(matches("event_type = PROCESS", &ev), 0);
	CHECK_EQ_INT(matches("count = 1", &ev), 1);
}

UNIT_TEST(network_operators)
{
	struct ward_event ev = { 0 };
	ev.event_type = XDR_EVENT_DNS;
	ev.access_type = XDR_DNS_QUERY;
	ev.dns.query = "Pool.SupportXMR.com";
	ev.dns.qtype = 1;
	strcpy(ev.conn.remote_ip, "198.51.100.7");
	CHECK_EQ_INT(matches("dns.query in_domain (supportxmr.com)", &ev), 1);
	CHECK_EQ_INT(matches("dns.query in_domain (.supportxmr.com.)", &ev), 1);
	CHECK_EQ_INT(matches("dns.query in_domain (xmr.com)", &ev), 0); /* not on a dot */
	CHECK_EQ_INT(matches("dns.query in_domain (pool.supportxmr.com)", &ev), 1);
	CHECK_EQ_INT(matches("dns.query in_domain (a.pool.supportxmr.com)", &ev), 0);
	CHECK_EQ_INT(matches("dns.qtype = A", &ev), 1);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (198.51.100.0/24)", &ev), 1);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (198.51.0.0/17)", &ev), 1);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (198.51.128.0/17)", &ev), 0);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (198.51.100.7)", &ev), 1);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (\"2001:db8::/32\")", &ev), 0);
	strcpy(ev.conn.remote_ip, "2001:db8::1");
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (\"2001:db8::/32\", 10.0.0.0/8)", &ev), 1);
	CHECK_EQ_INT(matches("connection.remote_ip in_cidr (\"2001:db9::/32\")", &ev), 0);
}

UNIT_TEST(boolean_logic_and_precedence)
{
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	/* and binds tighter than or */
	CHECK_EQ_INT(matches("process.pid = 1 and process.pid = 2 or process.pid = 100", &ev), 1);
	CHECK_EQ_INT(matches("process.pid = 1 and (process.pid = 2 or process.pid = 100)", &ev), 0);
	CHECK_EQ_INT(matches("not process.pid = 1 and not not process.pid = 100", &ev), 1);
	CHECK_EQ_INT(matches("not (process.pid = 100 or process.pid = 1)", &ev), 0);
}

/* ---- derived and lookup fields ---- */

UNIT_TEST(derived_file_fields)
{
	struct ward_event ev = file_event(XDR_FILE_CREATE, "/var/www/shell.php");
	CHECK_EQ_INT(matches("file.name = shell.php", &ev), 1);
	CHECK_EQ_INT(matches("file.directory = /var/www", &ev), 1);
	CHECK_EQ_INT(matches("file.extension = php", &ev), 1);
	struct ward_event dot = file_event(XDR_FILE_CREATE, "/root/.bashrc");
	CHECK_EQ_INT(matches("file.extension exists", &dot), 0);
	CHECK_EQ_INT(matches("file.name = .bashrc", &dot), 1);
	struct ward_event top = file_event(XDR_FILE_CREATE, "/x");
	CHECK_EQ_INT(matches("file.directory = /", &top), 1);
	struct ward_event mem = { 0 };
	mem.event_type = XDR_EVENT_MEMORY;
	mem.access_type = XDR_MEMORY_MODIFY_PERMISSION;
	mem.act.has_prot = true;
	mem.act.prot = 7;
	CHECK_EQ_INT(matches("memory.prot = rwx and memory.prot contains x", &mem), 1);
	mem.act.prot = 5;
	CHECK_EQ_INT(matches("memory.prot contains w", &mem), 0);
}

UNIT_TEST(lookup_fields)
{
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	CHECK_EQ_INT(matches("process.parent.exe = /usr/sbin/nginx-master", &ev), 1);
	CHECK_EQ_INT(matches("process.parent.comm = nginx", &ev), 1);
	CHECK_EQ_INT(matches("process.parent.pid = 50", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.exe = /sbin/init", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.exe in (/usr/lib/systemd/systemd, /x)", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.exe startswith /usr/sbin/nginx", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.comm = init", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.exe = /usr/bin/cat", &ev), 0); /* not itself */
	CHECK_EQ_INT(matches("process.ancestors.comm != sshd", &ev), 1);
	CHECK_EQ_INT(matches("process.ancestors.comm != init", &ev), 0);
	/* a broken chain: the parent is unknown */
	ev.process.ppid = 4242;
	CHECK_EQ_INT(matches("process.parent.exe exists", &ev), 0);
	CHECK_EQ_INT(matches("process.ancestors.comm exists", &ev), 0);
	CHECK_EQ_INT(matches("process.ancestors.comm != init", &ev), 0);
}

/* A cycle in the parent links (pid reuse races) must end at 8 levels. */
static struct ward_proc loop_proc = { .tgid = 7, .ppid = 7 };
static const struct ward_proc *loop_get(void *ctx, uint32_t tgid)
{
	(*(int *)ctx)++;
	(void)tgid;
	return &loop_proc;
}

UNIT_TEST(ancestors_bounded)
{
	int calls = 0;
	const char *y = RULE("process.ancestors.comm = nothere");
	struct ward_rules_source src = { "t", y, strlen(y) };
	struct ward_rules_opts o = { .sources = &src, .nsources = 1, .lookup = loop_get,
				     .lookup_ctx = &calls };
	struct ward_rules *r = ward_rules_load(&o, NULL);
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	ev.process.ppid = 7;
	loop_proc.ppid = 8; /* 7 -> 8 -> 7 ... through the fake lookup */
	CHECK_EQ_INT(ward_rules_eval(r, &ev, NULL, NULL), 0);
	CHECK_EQ_INT(calls, 8);
	ward_rules_free(r);
}

/* ---- lists, macros, append, override ---- */

UNIT_TEST(lists_macros_append)
{
	const char *y =
		"- list: a\n  items: [/bin/x]\n"
		"- list: b\n  items: [a, /bin/y]\n"          /* a list inside a list */
		"- list: a\n  items: [/bin/z]\n  append: true\n"
		"- macro: is_x\n  condition: process.exe in (b)\n"
		"- macro: is_x\n  condition: or process.exe = /bin/w\n  append: true\n"
		"- rule: R\n  desc: d\n  condition: is_x and later\n  output: o\n  priority: INFO\n"
		"- macro: later\n  condition: process.pid = 100\n"; /* defined after its use */
	struct ward_rules *r = load_text(y, NULL);
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	const char *exes[] = { "/bin/x", "/bin/y", "/bin/z", "/bin/w", "/bin/v" };
	int want[] = { 1, 1, 1, 1, 0 }; /* lists resolve once all files are loaded */
	if (!CHECK(r != NULL))
		return;
	for (size_t i = 0; i < 5; i++) {
		ev.process.exe = (struct ward_str_ref){ exes[i], strlen(exes[i]) };
		CHECK_EQ_INT(ward_rules_eval(r, &ev, NULL, NULL), want[i]);
	}
	CHECK_EQ_INT(ward_rules_count(r), 1);
	CHECK_EQ_INT(ward_rules_macro_count(r), 2);
	CHECK_EQ_INT(ward_rules_list_count(r), 2);
	ward_rules_free(r);
}

UNIT_TEST(override_file_over_defaults)
{
	const char *path = "tests/data/rules/override.yaml";
	struct ward_rules_opts o = { .default_rules = true, .files = &path, .nfiles = 1 };
	struct ward_rules_error_list errs = { 0 };
	struct ward_rules *r = ward_rules_load(&o, &errs);
	struct ward_rule_info in;
	struct caught c = { 0 };

	if (!CHECK(r != NULL))
		goto out;
	CHECK_EQ_INT(errs.n, 0);
	for (size_t i = 0; !ward_rules_rule_info(r, i, &in); i++)
		if (!strcmp(in.name, "New listening port"))
			CHECK(!in.enabled);
	/* the appended reader is allowed */
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/etc/shadow");
	ev.process.exe = (struct ward_str_ref){ "/opt/vault/bin/vault", 20 };
	CHECK_EQ_INT(ward_rules_eval(r, &ev, catch_alert, &c), 0);
	ev.process.exe = (struct ward_str_ref){ "/usr/bin/cat", 12 };
	CHECK_EQ_INT(ward_rules_eval(r, &ev, catch_alert, &c), 1);
	/* the disabled rule is not evaluated */
	struct ward_event l = { 0 };
	l.event_type = XDR_EVENT_CONNECTION;
	l.access_type = XDR_CONNECTION_LISTEN;
	l.process.exe = (struct ward_str_ref){ "/tmp/x", 6 };
	CHECK_EQ_INT(ward_rules_eval(r, &l, catch_alert, &c), 0);
	/* the appended condition */
	struct ward_event a = { 0 };
	a.event_type = XDR_EVENT_ACCOUNT;
	a.access_type = XDR_ACCOUNT_ADD;
	a.account.name = "builder";
	a.account.file = "/etc/passwd";
	CHECK_EQ_INT(ward_rules_eval(r, &a, catch_alert, &c), 0);
	a.account.name = "mallory";
	CHECK_EQ_INT(ward_rules_eval(r, &a, catch_alert, &c), 1);
out:
	ward_rules_free(r);
	ward_rules_errors_free(&errs);
}

UNIT_TEST(directory_loads_sorted_yaml)
{
	char dir[] = "/tmp/ward-rules-XXXXXX";
	if (!CHECK(mkdtemp(dir) != NULL))
		return;
	char p1[128], p2[128], p3[128];
	snprintf(p1, sizeof(p1), "%s/20-off.yaml", dir);
	snprintf(p2, sizeof(p2), "%s/10-def.yaml", dir);
	snprintf(p3, sizeof(p3), "%s/30-ignored.txt", dir);
	FILE *f = fopen(p1, "w");
	fputs("- rule: R\n  enabled: false\n", f);
	fclose(f);
	f = fopen(p2, "w");
	fputs(RULE("process.pid = 100"), f);
	fclose(f);
	f = fopen(p3, "w");
	fputs("not yaml: [", f);
	fclose(f);
	const char *d = dir;
	struct ward_rules_opts o = { .files = &d, .nfiles = 1 };
	struct ward_rules *r = ward_rules_load(&o, NULL);
	struct ward_rule_info in;
	if (CHECK(r != NULL) && CHECK_EQ_INT(ward_rules_rule_info(r, 0, &in), 0))
		CHECK(!in.enabled); /* 10-def before 20-off */
	ward_rules_free(r);
	unlink(p1);
	unlink(p2);
	unlink(p3);
	rmdir(dir);
}

UNIT_TEST(missing_file)
{
	const char *path = "tests/data/rules/does-not-exist.yaml";
	struct ward_rules_opts o = { .files = &path, .nfiles = 1 };
	struct ward_rules_error_list errs = { 0 };
	CHECK(ward_rules_load(&o, &errs) == NULL);
	if (CHECK_EQ_INT(errs.n, 1)) {
		char line[256];
		ward_rules_error_format(&errs.v[0], line, sizeof(line));
		CHECK_EQ_STR(line, "tests/data/rules/does-not-exist.yaml: cannot read: No such file or directory");
	}
	ward_rules_errors_free(&errs);
}

/* ---- index, output, counters ---- */

UNIT_TEST(index_by_access_type)
{
	const char *y =
		"- rule: Opens\n  desc: d\n  condition: access_type = FILE_OPEN and process.pid > 0\n"
		"  output: o\n  priority: INFO\n"
		"- rule: Files\n  desc: d\n  condition: event_type = FILE or access_type = DNS_QUERY\n"
		"  output: o\n  priority: INFO\n"
		"- rule: Any\n  desc: d\n  condition: process.pid > 0\n  output: o\n  priority: INFO\n"
		"- rule: Not\n  desc: d\n  condition: not access_type = FILE_OPEN\n  output: o\n  priority: INFO\n";
	struct ward_rules *r = load_text(y, NULL);
	struct ward_rule_info in;
	struct ward_rules_stats st;
	struct caught c = { 0 };
	if (!CHECK(r != NULL))
		return;
	CHECK_EQ_INT(ward_rules_rule_info(r, 0, &in), 0);
	CHECK(!in.all_types);
	CHECK_EQ_INT(in.naccess_types, 1);
	CHECK_EQ_INT(in.access_types[0], XDR_FILE_OPEN);
	CHECK_EQ_INT(ward_rules_rule_info(r, 1, &in), 0);
	CHECK_EQ_INT(in.naccess_types, 10); /* 9 FILE types + DNS_QUERY */
	CHECK_EQ_INT(ward_rules_rule_info(r, 2, &in), 0);
	CHECK(in.all_types);
	CHECK_EQ_INT(ward_rules_rule_info(r, 3, &in), 0);
	CHECK(in.all_types);

	/* PROCESS_EXECUTE never reaches the FILE_OPEN rule: 2 rules evaluated */
	struct ward_event ex = { 0 };
	ex.event_type = XDR_EVENT_PROCESS;
	ex.access_type = XDR_PROCESS_EXECUTE;
	ex.process.pid = 5;
	CHECK_EQ_INT(ward_rules_eval(r, &ex, catch_alert, &c), 2);
	ward_rules_get_stats(r, &st);
	CHECK_EQ_INT(st.rules_evaluated, 2);
	CHECK_EQ_STR(c.rule[0], "Any");
	CHECK_EQ_STR(c.rule[1], "Not");
	/* FILE_OPEN: Opens, Files, Any, Not evaluated; Not false */
	struct ward_event op = file_event(XDR_FILE_OPEN, "/x");
	CHECK_EQ_INT(ward_rules_eval(r, &op, catch_alert, &c), 3);
	ward_rules_get_stats(r, &st);
	CHECK_EQ_INT(st.events, 2);
	CHECK_EQ_INT(st.rules_evaluated, 6);
	CHECK_EQ_INT(st.matches, 5);
	/* an unknown access type only meets rules for all types */
	struct ward_event unk = { 0 };
	unk.access_type = 999;
	unk.process.pid = 1;
	CHECK_EQ_INT(ward_rules_eval(r, &unk, NULL, NULL), 2);
	CHECK_EQ_INT(ward_rules_rule_info(r, 0, &in), 0);
	CHECK_EQ_INT(in.matches, 1);
	ward_rules_free(r);
}

UNIT_TEST(output_and_alert)
{
	const char *y =
		"- rule: Shadow\n  desc: d\n  condition: access_type = FILE_OPEN\n"
		"  output: \"%file.path read by %{process.exe}[%process.pid] parent=%process.parent.exe "
		"anc=%process.ancestors.comm dns=%dns.query 100%% %access_type.\"\n"
		"  priority: Critical\n  tags: [credential_access, T1003.008]\n";
	struct ward_rules *r = load_text(y, NULL);
	struct caught c = { 0 };
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/etc/shadow");
	if (!CHECK(r != NULL))
		return;
	ev.time_ns = 42;
	CHECK_EQ_INT(ward_rules_eval(r, &ev, catch_alert, &c), 1);
	CHECK_EQ_STR(c.rule[0], "Shadow");
	CHECK_EQ_STR(c.output[0], "/etc/shadow read by /usr/bin/cat[100] parent=/usr/sbin/nginx-master "
				  "anc=nginx,systemd,init dns=<NA> 100% FILE_OPEN.");
	CHECK_EQ_INT(c.sev[0], WARD_SEV_CRITICAL);
	CHECK_EQ_INT(c.ntags[0], 2);
	CHECK_EQ_STR(c.tag0[0], "credential_access");
	ward_rules_free(r);
}

struct alert_check {
	int n;
	uint64_t time;
	int source;
	const struct ward_event *ev;
};

static void check_alert(void *ctx, const struct ward_alert *a)
{
	struct alert_check *c = ctx;
	c->n++;
	c->time = a->time_ns;
	c->source = a->source;
	c->ev = a->event;
}

UNIT_TEST(alert_fields)
{
	struct ward_rules *r = load_text(RULE("process.pid = 100"), NULL);
	struct alert_check c = { 0 };
	struct ward_event ev = file_event(XDR_FILE_OPEN, "/x");
	ev.time_ns = 1234;
	CHECK_EQ_INT(ward_rules_eval(r, &ev, check_alert, &c), 1);
	CHECK_EQ_INT(c.n, 1);
	CHECK_EQ_INT(c.time, 1234);
	CHECK_EQ_INT(c.source, WARD_ALERT_RULE);
	CHECK(c.ev == &ev);
	ward_rules_free(r);
}

UNIT_TEST(falco_style_document)
{
	/* the shape Falco users write: version item, block scalars, severity key */
	const char *y =
		"- required_engine_version: 10\n"
		"- list: shell_binaries\n  items: [/bin/bash, /usr/bin/bash]\n"
		"- macro: spawned_process\n  condition: access_type = PROCESS_EXECUTE\n"
		"- rule: Shell\n"
		"  desc: A shell\n"
		"  condition: >\n"
		"    spawned_process and\n"
		"    target_process.exe in (shell_binaries)\n"
		"  output: >\n"
		"    Shell %target_process.exe (argv %target_process.argv)\n"
		"  severity: notice\n"
		"  enabled: true\n";
	struct ward_rules *r = load_text(y, NULL);
	struct caught c = { 0 };
	struct ward_event ev = { 0 };
	static const char argv[] = "bash\0-c\0id";
	if (!CHECK(r != NULL))
		return;
	ev.event_type = XDR_EVENT_PROCESS;
	ev.access_type = XDR_PROCESS_EXECUTE;
	ev.target.exe = (struct ward_str_ref){ "/usr/bin/bash", 13 };
	ev.target.argv = argv;
	ev.target.argv_len = sizeof(argv);
	CHECK_EQ_INT(ward_rules_eval(r, &ev, catch_alert, &c), 1);
	CHECK_EQ_STR(c.output[0], "Shell /usr/bin/bash (argv bash,-c,id)\n");
	CHECK_EQ_INT(c.sev[0], WARD_SEV_NOTICE);
	ward_rules_free(r);
	CHECK_EQ_INT(matches("target_process.argv = -c", &ev), 1);
	CHECK_EQ_INT(matches("target_process.argv = -x", &ev), 0);
}

UNIT_MAIN()
