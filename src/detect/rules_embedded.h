/* The shipped rule files (rules/NAME.yaml), compiled into the binary by
 * tools/embed.sh so the sensor needs no file to have its default rules. */
#ifndef WARD_DETECT_RULES_EMBEDDED_H
#define WARD_DETECT_RULES_EMBEDDED_H

#include <stddef.h>

struct ward_rules_embedded {
	const char *name;   /* "default.yaml" */
	const char *text;   /* NUL-terminated */
	size_t len;
};

extern const struct ward_rules_embedded ward_rules_embedded[];
extern const size_t ward_rules_embedded_count;

#endif
