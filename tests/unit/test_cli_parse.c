/* Strict number parsing and type names used by the command line. */
#include <stdint.h>

#include "lib/parse.h"
#include "unit.h"
#include "ward/abi.h"
#include "xdr_names.h"

UNIT_TEST(parse_u64_strict)
{
	uint64_t v = 0;
	CHECK_EQ_INT(ward_parse_u64("1234", &v), 0);
	CHECK_EQ_INT(v, 1234);
	CHECK_EQ_INT(ward_parse_u64("", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_u64("-1", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_u64(" 1", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_u64("12x", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_u64("99999999999999999999", &v), -ERANGE);
}

UNIT_TEST(parse_size_suffixes)
{
	uint64_t v = 0;
	CHECK_EQ_INT(ward_parse_size("4K", &v), 0);
	CHECK_EQ_INT(v, 4096);
	CHECK_EQ_INT(ward_parse_size("8m", &v), 0);
	CHECK_EQ_INT(v, 8 << 20);
	CHECK_EQ_INT(ward_parse_size("1G", &v), 0);
	CHECK_EQ_INT(v, 1 << 30);
	CHECK_EQ_INT(ward_parse_size("1T", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_size("1KB", &v), -EINVAL);
	CHECK_EQ_INT(ward_parse_size("17179869184G", &v), -ERANGE);
}

UNIT_TEST(type_names_round_trip)
{
	unsigned int value;
	int is_event;
	CHECK_EQ_INT(ward_type_parse("FILE_OPEN", &value, &is_event), 0);
	CHECK_EQ_INT(value, XDR_FILE_OPEN);
	CHECK_EQ_INT(is_event, 0);
	CHECK_EQ_INT(ward_type_parse("process", &value, &is_event), 0);
	CHECK_EQ_INT(value, XDR_EVENT_PROCESS);
	CHECK_EQ_INT(is_event, 1);
	CHECK_EQ_INT(ward_type_parse("109", &value, &is_event), 0);
	CHECK_EQ_INT(value, XDR_FILE_MODIFY);
	CHECK_EQ_INT(ward_type_parse("NOPE", &value, &is_event), -EINVAL);
	CHECK_EQ_STR(ward_access_type_name(XDR_MODIFIED_PROCESS_WRITE_MEMORY),
		     "MODIFIED_PROCESS_WRITE_MEMORY");
	CHECK_EQ_STR(ward_event_type_name(XDR_EVENT_BM), "BM");
	CHECK_EQ_INT(ward_event_type_of(XDR_MEMORY_MODIFY_PERMISSION), XDR_EVENT_MEMORY);
}

UNIT_TEST(access_bits_are_distinct)
{
	/* The in-kernel type filter relies on one bit per access type. */
	uint64_t seen[2] = { 0, 0 };
	unsigned int a;
	int dup = 0;
	for (unsigned int i = 0; (a = ward_access_type_at(i)); i++) {
		int bit = ward_access_bit(a);
		CHECK(bit >= 0 && bit < 128);
		if (seen[bit >> 6] & (1ULL << (bit & 63)))
			dup++;
		seen[bit >> 6] |= 1ULL << (bit & 63);
	}
	CHECK_EQ_INT(dup, 0);
}

UNIT_MAIN()
