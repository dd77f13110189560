/* Names of the XDR event and access types, as the JSON contract spells them
 * (the XDR enum names without their XDR_ / XDR_EVENT_ prefixes). */
#ifndef WARD_XDR_NAMES_H
#define WARD_XDR_NAMES_H

#include <stdint.h>

/* "FILE" for XDR_EVENT_FILE, or NULL if unknown. */
const char *ward_event_type_name(unsigned int event_type);
/* "FILE_OPEN" for XDR_FILE_OPEN, or NULL if unknown. */
const char *ward_access_type_name(unsigned int access_type);
/* The event type an access type belongs to (XDR_FILE_OPEN -> XDR_EVENT_FILE). */
unsigned int ward_event_type_of(unsigned int access_type);
/* Parse "FILE_OPEN" or "FILE" (case-insensitive); returns 0 on success and sets
 * *is_event_type. Also accepts the numbers. */
int ward_type_parse(const char *s, unsigned int *value, int *is_event_type);
/* Adds the access types a name stands for ("FILE_OPEN": one; "FILE": every
 * FILE_* type) to a mask indexed by ward_access_bit(). 0, or -EINVAL if the
 * name is not a type. */
int ward_type_mask_add(const char *name, uint64_t mask[2]);
/* Iterate over all access types: returns the i-th, 0 at the end. */
unsigned int ward_access_type_at(unsigned int i);

#endif
