/* Names of the alert enums, as they appear in rules and in the contract. */
#include <stddef.h>
#include <strings.h>

#include "alert.h"

static const char *const severity_names[] = {
	[WARD_SEV_EMERGENCY] = "EMERGENCY", [WARD_SEV_ALERT] = "ALERT",
	[WARD_SEV_CRITICAL] = "CRITICAL",   [WARD_SEV_ERROR] = "ERROR",
	[WARD_SEV_WARNING] = "WARNING",     [WARD_SEV_NOTICE] = "NOTICE",
	[WARD_SEV_INFORMATIONAL] = "INFORMATIONAL", [WARD_SEV_DEBUG] = "DEBUG",
};

const char *ward_severity_name(enum ward_severity s)
{
	if ((unsigned int)s >= sizeof(severity_names) / sizeof(severity_names[0]))
		return "UNKNOWN";
	return severity_names[s];
}

int ward_severity_parse(const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < sizeof(severity_names) / sizeof(severity_names[0]); i++)
		if (!strcasecmp(s, severity_names[i]))
			return (int)i;
	/* Falco also accepts "INFO" */
	if (!strcasecmp(s, "INFO"))
		return WARD_SEV_INFORMATIONAL;
	return -1;
}

const char *ward_alert_source_name(enum ward_alert_source s)
{
	switch (s) {
	case WARD_ALERT_RULE: return "rule";
	case WARD_ALERT_PROFILE: return "profile";
	case WARD_ALERT_RANSOMWARE: return "ransomware";
	}
	return "unknown";
}
