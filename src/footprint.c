/* Names of the footprint kinds, as `ward footprints --type` and the contract spell them. */
#include <string.h>

#include "footprint.h"

static const char *const kind_names[] = {
	[WARD_FP_FILE] = "file",           [WARD_FP_PROCESS] = "process",
	[WARD_FP_EXECUTABLE] = "executable", [WARD_FP_CONNECTION] = "connection",
	[WARD_FP_DNS] = "dns",
};

const char *ward_footprint_kind_name(enum ward_footprint_kind k)
{
	if ((unsigned int)k >= sizeof(kind_names) / sizeof(kind_names[0]) || !kind_names[k])
		return "unknown";
	return kind_names[k];
}

int ward_footprint_kind_parse(const char *s)
{
	for (size_t i = 1; s && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (!strcmp(s, kind_names[i]))
			return (int)i;
	return -1;
}
