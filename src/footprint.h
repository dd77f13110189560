/*
 * A footprint: one record per object the host's processes touched (a file,
 * a process, an executable, a remote endpoint, a DNS name), with when it was
 * first and last seen and how often, as XDR agents keep them. The footprint
 * store aggregates events into these; `ward footprints` reads them back.
 *
 * Strings are borrowed, valid only during the call that hands one over.
 */
#ifndef WARD_FOOTPRINT_H
#define WARD_FOOTPRINT_H

#include <stdbool.h>
#include <stdint.h>

enum ward_footprint_kind {
	WARD_FP_FILE = 1,
	WARD_FP_PROCESS = 2,
	WARD_FP_EXECUTABLE = 3,
	WARD_FP_CONNECTION = 4,   /* a remote endpoint: protocol, ip, port */
	WARD_FP_DNS = 5,          /* a name queried */
};

struct ward_footprint {
	enum ward_footprint_kind kind;
	uint64_t hash_id;         /* stable id of the object (see docs/footprints.md) */
	uint64_t first_seen_ns;   /* Unix time */
	uint64_t last_seen_ns;
	uint64_t count;           /* events that touched it */
	const char *name;         /* path, executable path, "TCP 1.2.3.4:443",
				   * DNS name, process exe */
	uint64_t access_mask;     /* bit i: ward_access_bit() == i was seen */
	uint64_t access_mask_hi;  /* bit i: ward_access_bit() == 64 + i (ACCOUNT,
				   * INTERNET, MODIFIED_PROCESS, MEMORY, BM) */

	/* FILE and EXECUTABLE: stat of the object when last seen; has_stat
	 * false when it could not be read (gone, no permission) */
	bool has_stat;
	uint64_t size;
	uint64_t btime_ns;        /* creation (statx birth time), 0 if unknown */
	uint64_t mtime_ns;
	uint32_t mode, uid, gid;
	const char *owner;        /* user and group names, NULL if unknown */
	const char *group;

	/* EXECUTABLE */
	const char *sha256;       /* 64 hex digits, NULL until hashed */
	const char *sha256_skipped; /* why sha256 is NULL: "too_large", "unreadable",
				     * "not_regular", "disabled"; NULL if hashed or
				     * never stat'ed */

	/* PROCESS */
	uint32_t pid, ppid, proc_uid;
	const char *cmdline;
	uint64_t start_time_ns;

	/* CONNECTION */
	uint8_t protocol;         /* enum xdr_connection_type */
	const char *remote_ip;
	uint16_t remote_port;
	bool outbound, inbound;   /* directions seen */
};

const char *ward_footprint_kind_name(enum ward_footprint_kind k);
/* "file", "process", "executable", "connection", "dns"; -1 if unknown. */
int ward_footprint_kind_parse(const char *s);

#endif /* WARD_FOOTPRINT_H */
