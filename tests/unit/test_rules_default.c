/* Every rule of rules/default.yaml: one synthetic event that fires it, and
 * look-alikes that must not (the allowed program, the neighbouring path,
 * the other access type). A default rule without a row here fails the test. */
#include <fcntl.h>
#include <string.h>

#include "detect/rules.h"
#include "proc_cache.h"
#include "unit.h"
#include "ward/xdr_types.h"
#include "xdr_names.h"

/* The process tree the lookup sees:
 *   1 /sbin/init <- 2000 /usr/sbin/sshd <- 3000 /usr/bin/bash <- 3100 /usr/bin/dpkg
 *   1 /sbin/init <- 3200 /usr/sbin/php-fpm8.2 */
static struct ward_proc tree[5];

static void add(size_t i, uint32_t pid, uint32_t ppid, const char *exe)
{
	tree[i].tgid = pid;
	tree[i].ppid = ppid;
	tree[i].exe = (char *)exe;
	tree[i].exe_len = strlen(exe);
	snprintf(tree[i].comm, sizeof(tree[i].comm), "%s", strrchr(exe, '/') + 1);
}

static const struct ward_proc *lookup(void *ctx, uint32_t pid)
{
	(void)ctx;
	for (size_t i = 0; i < 5; i++)
		if (tree[i].tgid == pid)
			return &tree[i];
	return NULL;
}

static struct ward_str_ref ref(const char *s)
{
	return (struct ward_str_ref){ s, strlen(s) };
}

/* An event of this access type by /usr/bin/python3.11 (pid 4000, uid 1000),
 * child of the login shell 3000. */
static void base(struct ward_event *ev, uint16_t access)
{
	memset(ev, 0, sizeof(*ev));
	ev->event_type = (uint16_t)ward_event_type_of(access);
	ev->access_type = access;
	ev->count = 1;
	ev->process.pid = ev->process.tid = 4000;
	ev->process.ppid = 3000;
	ev->process.uid = ev->process.euid = ev->process.gid = 1000;
	ev->process.comm = "python3";
	ev->process.exe = ref("/usr/bin/python3.11");
	ev->process.cmdline = ref("python3 x.py");
}

static void by(struct ward_event *ev, const char *exe, uint32_t ppid)
{
	ev->process.exe = ref(exe);
	ev->process.comm = strrchr(exe, '/') + 1;
	ev->process.ppid = ppid;
}

static void file(struct ward_event *ev, uint16_t access, const char *path, uint32_t flags)
{
	base(ev, access);
	ev->file.path = ref(path);
	ev->file.requested_path = ref(path);
	ev->file.flags = flags;
}

static void exec(struct ward_event *ev, const char *target, bool deleted)
{
	base(ev, XDR_PROCESS_EXECUTE);
	ev->target.pid = 4000;
	ev->target.exe = ref(target);
	ev->target.cmdline = ref(target);
	ev->target.exe_deleted = deleted;
}

static void conn(struct ward_event *ev, uint16_t access, const char *ip, uint16_t port)
{
	base(ev, access);
	ev->conn.protocol = XDR_CONNECTION_TCP;
	strcpy(ev->conn.local_ip, "10.0.0.5");
	ev->conn.local_port = 40000;
	snprintf(ev->conn.remote_ip, sizeof(ev->conn.remote_ip), "%s", ip);
	ev->conn.remote_port = port;
}

static void impersonate(struct ward_event *ev, uint32_t from_uid, uint32_t from_euid, uint32_t to)
{
	base(ev, XDR_ACCOUNT_IMPERSONATE);
	ev->act.syscall = "setuid";
	ev->act.from_uid = from_uid;
	ev->act.from_euid = from_euid;
	ev->act.to_uid = ev->act.to_euid = ev->act.to_suid = ev->act.to_fsuid = to;
	ev->act.to_user = to ? "ann" : "root";
}

static void mem(struct ward_event *ev, uint16_t access, uint32_t prot)
{
	base(ev, access);
	ev->act.syscall = access == XDR_MEMORY_MODIFY ? "mmap" : "mprotect";
	ev->act.address = 0x7f0000000000;
	ev->act.length = 4096;
	ev->act.has_prot = true;
	ev->act.prot = prot;
}

static void account(struct ward_event *ev, uint16_t access)
{
	base(ev, access);
	ev->account.name = "mallory";
	ev->account.file = "/etc/passwd";
	ev->account.id = 1001;
	ev->account.has_id = true;
	by(ev, "/usr/sbin/useradd", 3000);
}

static void other(struct ward_event *ev, uint16_t access)
{
	base(ev, access);
	ev->target.pid = 2000;
	ev->target.exe = ref("/usr/sbin/sshd");
	ev->target.comm = "sshd";
	ev->act.syscall = "ptrace";
	ev->act.ptrace_request = access == XDR_MODIFIED_PROCESS_WRITE_MEMORY ? "PTRACE_POKEDATA"
									   : "PTRACE_ATTACH";
	ev->act.has_memory = access == XDR_MODIFIED_PROCESS_WRITE_MEMORY;
	ev->act.address = 0x1000;
	ev->act.length = 8;
}

/* Case n: build the event. */
static void make(int n, struct ward_event *ev)
{
	static const char argv[] = "/usr/bin/ls\0/tmp/x";
	switch (n) {
	/* credentials */
	case 1: file(ev, XDR_FILE_OPEN, "/etc/shadow", O_RDONLY); break;
	case 2: file(ev, XDR_FILE_OPEN, "/etc/shadow", O_RDONLY); by(ev, "/usr/sbin/unix_chkpwd", 3000); break;
	case 3: file(ev, XDR_FILE_OPEN, "/etc/ssh/ssh_host_ed25519_key", O_RDONLY); break;
	case 4: file(ev, XDR_FILE_OPEN, "/etc/ssh/ssh_host_ed25519_key.pub", O_RDONLY); break;
	case 5: /* a renamed binary: the comm says sshd, the exe does not */
		file(ev, XDR_FILE_OPEN, "/etc/gshadow", O_RDONLY);
		by(ev, "/tmp/.x/sshd", 3000);
		break;
	case 6: file(ev, XDR_FILE_OPEN, "/etc/passwd", O_RDONLY); break;
	case 7: file(ev, XDR_FILE_OPEN, "/etc/sudoers.d/90-cloud", O_RDONLY); by(ev, "/usr/bin/sudo", 3000); break;
	case 8: file(ev, XDR_FILE_OPEN, "/etc/shadow", O_RDWR); break; /* reads as well */
	case 9: file(ev, XDR_FILE_OPEN, "/etc/shadow", O_WRONLY | O_APPEND); break;
	/* binary dirs */
	case 10: file(ev, XDR_FILE_CREATE, "/usr/bin/evil", O_WRONLY | O_CREAT); by(ev, "/usr/bin/curl", 3000); break;
	case 11: file(ev, XDR_FILE_CREATE, "/usr/bin/evil", O_WRONLY | O_CREAT); by(ev, "/usr/bin/dash", 3100); break;
	case 12:
		file(ev, XDR_FILE_MOVE, "/tmp/x", 0);
		ev->file.new_path = ref("/usr/sbin/sshd");
		break;
	case 13: file(ev, XDR_FILE_OPEN, "/usr/bin/ls", O_RDONLY); break;
	case 14: file(ev, XDR_FILE_CREATE, "/usr/lib/python3/dist-packages/x/__pycache__/a.pyc", O_WRONLY | O_CREAT); break;
	/* /etc */
	case 20: file(ev, XDR_FILE_MODIFY, "/etc/hosts", O_WRONLY); break;
	case 21: file(ev, XDR_FILE_MODIFY, "/etc/resolv.conf", O_WRONLY); by(ev, "/usr/sbin/NetworkManager", 1); break;
	case 22: file(ev, XDR_FILE_MODIFY, "/etcetera/hosts", O_WRONLY); break;
	case 23: file(ev, XDR_FILE_MODIFY, "/etc/cron.d/job", O_WRONLY); break; /* its own rule */
	/* cron */
	case 30: file(ev, XDR_FILE_CREATE, "/etc/cron.d/backdoor", O_WRONLY | O_CREAT); by(ev, "/usr/bin/bash", 2000); break;
	case 31: file(ev, XDR_FILE_MODIFY, "/var/spool/cron/crontabs/root", O_WRONLY); by(ev, "/usr/bin/crontab", 3000); break;
	case 32: file(ev, XDR_FILE_MODIFY, "/var/spool/cron/crontabs/root", O_WRONLY); break;
	case 33: file(ev, XDR_FILE_OPEN, "/etc/crontab", O_RDONLY); break;
	/* systemd */
	case 40: file(ev, XDR_FILE_CREATE, "/etc/systemd/system/evil.service", O_WRONLY | O_CREAT); break;
	case 41: file(ev, XDR_FILE_CREATE, "/etc/systemd/system/multi-user.target.wants/a.service", 0); by(ev, "/usr/bin/systemctl", 3000); break;
	case 42: file(ev, XDR_FILE_CREATE, "/home/ann/.config/systemd/user/x.service", O_WRONLY | O_CREAT); break;
	case 43: file(ev, XDR_FILE_CREATE, "/home/ann/.config/systemd/x.conf", O_WRONLY | O_CREAT); break;
	/* sudoers */
	case 50: file(ev, XDR_FILE_MODIFY, "/etc/sudoers.d/evil", O_WRONLY); by(ev, "/usr/bin/tee", 3000); break;
	case 51: file(ev, XDR_FILE_MODIFY, "/etc/sudoers", O_WRONLY); by(ev, "/usr/sbin/visudo", 3000); break;
	case 52: file(ev, XDR_FILE_MOVE, "/tmp/s", 0); ev->file.new_path = ref("/etc/sudoers"); break;
	/* authorized_keys */
	case 60: file(ev, XDR_FILE_MODIFY, "/root/.ssh/authorized_keys", O_WRONLY); break;
	case 61: file(ev, XDR_FILE_MODIFY, "/root/.ssh/known_hosts", O_WRONLY); break;
	case 62: file(ev, XDR_FILE_CREATE, "/home/ann/.ssh/authorized_keys2", O_WRONLY | O_CREAT); break;
	case 63: file(ev, XDR_FILE_OPEN, "/home/ann/.ssh/authorized_keys", O_RDONLY); break;
	/* accounts */
	case 70: account(ev, XDR_ACCOUNT_ADD); break;
	case 71: account(ev, XDR_ACCOUNT_DELETE); break;
	case 72: account(ev, XDR_ACCOUNT_MODIFY); break;
	/* setuid */
	case 80: impersonate(ev, 1000, 1000, 0); break;
	case 81: impersonate(ev, 1000, 0, 0); by(ev, "/usr/bin/sudo", 3000); break;
	case 82: impersonate(ev, 0, 0, 0); break;
	case 83: impersonate(ev, 0, 0, 1000); break;
	case 84: impersonate(ev, 1000, 0, 0); by(ev, "/tmp/rootbash", 3000); break; /* planted setuid copy */
	/* execution */
	case 90: exec(ev, "/tmp/x", false); break;
	case 91: exec(ev, "/usr/bin/ls", false); ev->target.argv = argv; ev->target.argv_len = sizeof(argv); break;
	case 92: exec(ev, "/dev/shm/.k", false); break;
	case 93: exec(ev, "/memfd:payload (deleted)", true); break;
	case 94: exec(ev, "/usr/local/bin/agent", true); break;
	case 95: exec(ev, "/usr/local/bin/agent", false); break;
	case 96: exec(ev, "/tmp/x", true); break;
	/* ld.so /tmp/x: the loader maps the program (PROCESS_LOAD_IMAGE) */
	case 97: file(ev, XDR_PROCESS_LOAD_IMAGE, "/tmp/x", 0); by(ev, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 3000); break;
	case 98: file(ev, XDR_PROCESS_LOAD_IMAGE, "/usr/bin/true", 0); by(ev, "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", 3000); break;
	case 99: file(ev, XDR_PROCESS_LOAD_IMAGE, "/tmp/_MEI1/libz.so", 0); break; /* a program's dlopen */
	/* shells from network services */
	case 100: exec(ev, "/usr/bin/dash", false); by(ev, "/usr/sbin/nginx", 1); break;
	case 101: exec(ev, "/usr/bin/bash", false); by(ev, "/usr/bin/python3.11", 3200); break;
	case 102: exec(ev, "/usr/bin/bash", false); by(ev, "/usr/sbin/sshd", 1); break;
	case 103: exec(ev, "/usr/bin/id", false); by(ev, "/usr/sbin/nginx", 1); break;
	case 104: exec(ev, "/usr/bin/bash", false); by(ev, "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", 1); break;
	/* other processes */
	case 110: other(ev, XDR_MODIFIED_PROCESS_WRITE_MEMORY); break;
	case 111: other(ev, XDR_MODIFIED_PROCESS_READ_PROCESS); break;
	case 112: other(ev, XDR_MODIFIED_PROCESS_WRITE_PROCESS); break;
	case 113: other(ev, XDR_MODIFIED_PROCESS_WRITE_PROCESS); by(ev, "/usr/bin/gdb", 3000); break;
	/* memory */
	case 120: mem(ev, XDR_MEMORY_MODIFY_PERMISSION, 7); break;
	case 121: mem(ev, XDR_MEMORY_MODIFY_PERMISSION, 5); break;
	case 122: mem(ev, XDR_MEMORY_MODIFY, 6 | 1); by(ev, "/usr/lib/jvm/java-17-openjdk-amd64/bin/java", 1); break;
	case 123: mem(ev, XDR_MEMORY_MODIFY, 7); break;
	/* network */
	case 130: conn(ev, XDR_CONNECTION_LISTEN, "0.0.0.0", 0); by(ev, "/tmp/backdoor", 3000); break;
	case 131: conn(ev, XDR_CONNECTION_LISTEN, "0.0.0.0", 0); by(ev, "/usr/sbin/sshd", 1); break;
	case 132: conn(ev, XDR_CONNECTION_CONNECT_OUTBOUND, "93.184.216.34", 4444); break;
	case 133: conn(ev, XDR_CONNECTION_CONNECT_OUTBOUND, "93.184.216.34", 443); break;
	case 134: conn(ev, XDR_CONNECTION_CONNECT_INBOUND, "93.184.216.34", 4444); break;
	case 135: conn(ev, XDR_CONNECTION_CONNECT_OUTBOUND, "203.0.113.9", 443); break;
	case 136: conn(ev, XDR_CONNECTION_CONNECT_OUTBOUND, "203.0.114.9", 443); break;
	case 137: conn(ev, XDR_CONNECTION_CONNECT_OUTBOUND, "2001:db8:1::5", 443); break;
	case 138:
		conn(ev, XDR_INTERNET_CONNECT, "127.0.0.1", 8080);
		ev->http.method = "GET";
		ev->http.url = "http://example.com/";
		ev->http.host = "example.com";
		ev->http.proxy = true;
		break;
	case 139:
		conn(ev, XDR_INTERNET_CONNECT, "93.184.216.34", 80);
		ev->http.method = "GET";
		ev->http.url = "/";
		ev->http.host = "example.com";
		break;
	case 140:
		conn(ev, XDR_DNS_QUERY, "10.0.0.1", 53);
		ev->dns.query = "pool.supportxmr.com";
		ev->dns.qtype = 1;
		break;
	case 141:
		conn(ev, XDR_DNS_QUERY, "10.0.0.1", 53);
		ev->dns.query = "notsupportxmr.com";
		ev->dns.qtype = 1;
		break;
	case 142:
		conn(ev, XDR_DNS_QUERY, "10.0.0.1", 53);
		ev->dns.malformed = true;
		break;
	}
}

static const struct row {
	const char *rule;
	int event;
	bool fires;
} rows[] = {
	{ "Credential file read by an unexpected program", 1, true },
	{ "Credential file read by an unexpected program", 2, false },
	{ "Credential file read by an unexpected program", 3, true },
	{ "Credential file read by an unexpected program", 4, false },
	{ "Credential file read by an unexpected program", 5, true },
	{ "Credential file read by an unexpected program", 6, false },
	{ "Credential file read by an unexpected program", 7, false },
	{ "Credential file read by an unexpected program", 8, true },
	{ "Credential file read by an unexpected program", 9, false },
	{ "Write below a binary directory", 10, true },
	{ "Write below a binary directory", 11, false },
	{ "Write below a binary directory", 12, true },
	{ "Write below a binary directory", 13, false },
	{ "Write below a binary directory", 14, false },
	{ "Write below /etc", 20, true },
	{ "Write below /etc", 21, false },
	{ "Write below /etc", 22, false },
	{ "Write below /etc", 23, false },
	{ "Cron configuration changed", 30, true },
	{ "Cron configuration changed", 31, false },
	{ "Cron configuration changed", 32, true },
	{ "Cron configuration changed", 33, false },
	{ "Systemd unit changed", 40, true },
	{ "Systemd unit changed", 41, false },
	{ "Systemd unit changed", 42, true },
	{ "Systemd unit changed", 43, false },
	{ "Sudoers changed", 50, true },
	{ "Sudoers changed", 51, false },
	{ "Sudoers changed", 52, true },
	{ "SSH authorized_keys changed", 60, true },
	{ "SSH authorized_keys changed", 61, false },
	{ "SSH authorized_keys changed", 62, true },
	{ "SSH authorized_keys changed", 63, false },
	{ "Account added", 70, true },
	{ "Account added", 72, false },
	{ "Account deleted", 71, true },
	{ "Account deleted", 70, false },
	{ "Account modified", 72, true },
	{ "Account modified", 71, false },
	{ "Setuid to root by an unexpected program", 80, true },
	{ "Setuid to root by an unexpected program", 81, false },
	{ "Setuid to root by an unexpected program", 82, false },
	{ "Setuid to root by an unexpected program", 83, false },
	{ "Setuid to root by an unexpected program", 84, true },
	{ "Execution from a temporary directory", 90, true },
	{ "Execution from a temporary directory", 91, false },
	{ "Execution from a temporary directory", 92, true },
	{ "Execution from a temporary directory", 96, false },
	{ "Temporary program run by the dynamic loader", 97, true },
	{ "Temporary program run by the dynamic loader", 98, false },
	{ "Temporary program run by the dynamic loader", 99, false },
	{ "Execution from a temporary directory", 97, false },
	{ "Fileless execution from memory", 93, true },
	{ "Fileless execution from memory", 94, false },
	{ "Execution of a deleted file", 94, true },
	{ "Execution of a deleted file", 95, false },
	{ "Execution of a deleted file", 93, false },
	{ "Shell spawned by a network service", 100, true },
	{ "Shell spawned by a network service", 101, true },
	{ "Shell spawned by a network service", 102, false },
	{ "Shell spawned by a network service", 103, false },
	{ "Shell spawned by a network service", 104, true },
	{ "Memory of another process written", 110, true },
	{ "Memory of another process written", 111, false },
	{ "Process attached with ptrace", 112, true },
	{ "Process attached with ptrace", 113, false },
	{ "Writable and executable memory", 120, true },
	{ "Writable and executable memory", 121, false },
	{ "Writable and executable memory", 122, false },
	{ "Writable and executable memory", 123, true },
	{ "New listening port", 130, true },
	{ "New listening port", 131, false },
	{ "Outbound connection to a suspicious port", 132, true },
	{ "Outbound connection to a suspicious port", 133, false },
	{ "Outbound connection to a suspicious port", 134, false },
	{ "Outbound connection to a blocked network", 135, true },
	{ "Outbound connection to a blocked network", 136, false },
	{ "Outbound connection to a blocked network", 137, true },
	{ "Web proxy request", 138, true },
	{ "Web proxy request", 139, false },
	{ "DNS query for a bad domain", 140, true },
	{ "DNS query for a bad domain", 141, false },
	{ "DNS query for a bad domain", 142, false },
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct fired {
	const char *want;
	int hits;
	char output[512];
};

static void on_alert(void *ctx, const struct ward_alert *a)
{
	struct fired *f = ctx;
	if (!strcmp(a->rule, f->want)) {
		f->hits++;
		snprintf(f->output, sizeof(f->output), "%s", a->output);
	}
}

static struct ward_rules *load_defaults(void)
{
	add(0, 1, 0, "/sbin/init");
	add(1, 2000, 1, "/usr/sbin/sshd");
	add(2, 3000, 2000, "/usr/bin/bash");
	add(3, 3100, 3000, "/usr/bin/dpkg");
	add(4, 3200, 1, "/usr/sbin/php-fpm8.2");
	struct ward_rules_opts o = { .default_rules = true, .lookup = lookup };
	return ward_rules_load(&o, NULL);
}

UNIT_TEST(every_rule_fires_and_look_alikes_do_not)
{
	struct ward_rules *r = load_defaults();
	if (!CHECK(r != NULL))
		return;
	for (size_t i = 0; i < NROWS; i++) {
		struct ward_event ev;
		struct fired f = { .want = rows[i].rule };
		make(rows[i].event, &ev);
		ward_rules_eval(r, &ev, on_alert, &f);
		if (!CHECK_EQ_INT(f.hits, rows[i].fires ? 1 : 0))
			fprintf(stderr, "    rule '%s', event case %d\n", rows[i].rule, rows[i].event);
	}
	ward_rules_free(r);
}

UNIT_TEST(every_default_rule_has_rows)
{
	struct ward_rules *r = load_defaults();
	struct ward_rule_info in;
	if (!CHECK(r != NULL))
		return;
	CHECK(ward_rules_count(r) >= 20);
	for (size_t i = 0; !ward_rules_rule_info(r, i, &in); i++) {
		bool fire = false, quiet = false;
		for (size_t k = 0; k < NROWS; k++)
			if (!strcmp(rows[k].rule, in.name)) {
				fire |= rows[k].fires;
				quiet |= !rows[k].fires;
			}
		if (!CHECK(fire && quiet))
			fprintf(stderr, "    rule '%s' needs a firing and a quiet row\n", in.name);
		/* every default rule says what it is and is indexed by type */
		CHECK(in.desc && in.desc[0]);
		CHECK(in.ntags >= 1);
		CHECK(!in.all_types);
		CHECK(in.enabled);
	}
	ward_rules_free(r);
}

UNIT_TEST(default_outputs)
{
	struct ward_rules *r = load_defaults();
	struct ward_event ev;
	struct fired f = { .want = "Credential file read by an unexpected program" };
	if (!CHECK(r != NULL))
		return;
	make(1, &ev);
	ward_rules_eval(r, &ev, on_alert, &f);
	CHECK_EQ_STR(f.output, "Credential file /etc/shadow opened by /usr/bin/python3.11 (pid 4000, "
			       "uid 1000, cmdline python3 x.py)");
	struct fired s = { .want = "Shell spawned by a network service" };
	make(101, &ev);
	ward_rules_eval(r, &ev, on_alert, &s);
	CHECK_EQ_STR(s.output, "Shell /usr/bin/bash started by /usr/bin/python3.11 (pid 4000, "
			       "ancestors /usr/sbin/php-fpm8.2,/sbin/init, cmdline /usr/bin/bash)");
	struct fired m = { .want = "Writable and executable memory" };
	make(120, &ev);
	ward_rules_eval(r, &ev, on_alert, &m);
	CHECK_EQ_STR(m.output, "/usr/bin/python3.11 (pid 4000) made 4096 bytes at 0x7f0000000000 rwx "
			       "with mprotect");
	ward_rules_free(r);
}

UNIT_MAIN()
