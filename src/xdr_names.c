#include "ward/abi.h"
#include "xdr_names.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ward/xdr_types.h"

struct name {
	unsigned int value;
	const char *name;
};

static const struct name event_types[] = {
	{ XDR_EVENT_PROCESS, "PROCESS" },
	{ XDR_EVENT_FILE, "FILE" },
	{ XDR_EVENT_CONNECTION, "CONNECTION" },
	{ XDR_EVENT_DNS, "DNS" },
	{ XDR_EVENT_ACCOUNT, "ACCOUNT" },
	{ XDR_EVENT_INTERNET, "INTERNET" },
	{ XDR_EVENT_MODIFIED_PROCESS, "MODIFIED_PROCESS" },
	{ XDR_EVENT_MEMORY, "MEMORY" },
	{ XDR_EVENT_BM, "BM" },
};

#define A(x) { XDR_##x, #x }
static const struct name access_types[] = {
	A(PROCESS_OPEN), A(PROCESS_CREATE), A(PROCESS_TERMINATE), A(PROCESS_LOAD_IMAGE),
	A(PROCESS_EXECUTE), A(PROCESS_CONNECT), A(PROCESS_TRACME),
	A(FILE_CREATE), A(FILE_OPEN), A(FILE_DELETE), A(FILE_SET_SECURITY), A(FILE_COPY),
	A(FILE_MOVE), A(FILE_CLOSE), A(FILE_MODIFY_TIMESTAMP), A(FILE_MODIFY),
	A(CONNECTION_CONNECT), A(CONNECTION_LISTEN), A(CONNECTION_CONNECT_INBOUND),
	A(CONNECTION_CONNECT_OUTBOUND),
	A(DNS_QUERY),
	A(ACCOUNT_ADD), A(ACCOUNT_DELETE), A(ACCOUNT_IMPERSONATE), A(ACCOUNT_MODIFY),
	A(INTERNET_OPEN), A(INTERNET_CONNECT), A(INTERNET_DOWNLOAD),
	A(MODIFIED_PROCESS_WRITE_MEMORY), A(MODIFIED_PROCESS_WRITE_PROCESS),
	A(MODIFIED_PROCESS_READ_PROCESS), A(MODIFIED_PROCESS_WRITE_PROCESS_NAME),
	A(MEMORY_MODIFY), A(MEMORY_MODIFY_PERMISSION), A(MEMORY_READ),
	A(BM_INVOKE), A(BM_INVOKE_API),
};
#undef A

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *lookup(const struct name *t, size_t n, unsigned int v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

const char *ward_event_type_name(unsigned int event_type)
{
	return lookup(event_types, N(event_types), event_type);
}

const char *ward_access_type_name(unsigned int access_type)
{
	return lookup(access_types, N(access_types), access_type);
}

unsigned int ward_event_type_of(unsigned int a)
{
	switch (a / 100) {
	case 0: return a ? XDR_EVENT_PROCESS : XDR_EVENT_NONE;
	case 1: return XDR_EVENT_FILE;
	case 2: return XDR_EVENT_CONNECTION;
	case 3: return XDR_EVENT_DNS;
	case 5: return XDR_EVENT_ACCOUNT;
	case 6: return XDR_EVENT_INTERNET;
	case 7: return XDR_EVENT_MODIFIED_PROCESS;
	case 10: return XDR_EVENT_MEMORY;
	case 11: return XDR_EVENT_BM;
	default: return XDR_EVENT_NONE;
	}
}

unsigned int ward_access_type_at(unsigned int i)
{
	return i < N(access_types) ? access_types[i].value : 0;
}

int ward_type_parse(const char *s, unsigned int *value, int *is_event_type)
{
	char *end;
	unsigned long n = strtoul(s, &end, 10);
	if (*s && !*end) {
		if (ward_access_type_name(n)) {
			*value = n;
			*is_event_type = 0;
			return 0;
		}
		if (ward_event_type_name(n)) {
			*value = n;
			*is_event_type = 1;
			return 0;
		}
		return -EINVAL;
	}
	for (size_t i = 0; i < N(access_types); i++)
		if (!strcasecmp(s, access_types[i].name)) {
			*value = access_types[i].value;
			*is_event_type = 0;
			return 0;
		}
	for (size_t i = 0; i < N(event_types); i++)
		if (!strcasecmp(s, event_types[i].name)) {
			*value = event_types[i].value;
			*is_event_type = 1;
			return 0;
		}
	return -EINVAL;
}

int ward_type_mask_add(const char *name, uint64_t mask[2])
{
	unsigned int value, a;
	int is_event;
	if (ward_type_parse(name, &value, &is_event))
		return -EINVAL;
	for (unsigned int i = 0; (a = ward_access_type_at(i)); i++) {
		if (is_event ? ward_event_type_of(a) == value : a == value) {
			int bit = ward_access_bit(a);
			mask[bit >> 6] |= 1ULL << (bit & 63);
		}
	}
	return 0;
}
