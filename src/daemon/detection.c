/* Builds the configured detectors and runs each on every event. */
#include <stdlib.h>

#include "daemon/detection.h"

struct ward_detection {
	const struct ward_config *cfg;
	struct ward_proc_cache *procs;
};

struct ward_detection *ward_detection_new(const struct ward_config *c,
					  struct ward_proc_cache *procs)
{
	struct ward_detection *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cfg = c;
	d->procs = procs;
	return d;
}

void ward_detection_free(struct ward_detection *d)
{
	free(d);
}

void ward_detection_observe(struct ward_detection *d, const struct ward_event *ev,
			    ward_alert_fn emit, void *ctx)
{
	(void)d;
	(void)ev;
	(void)emit;
	(void)ctx;
}
