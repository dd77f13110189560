/*
 * The DNS query and HTTP request parsers. Every message is built byte by byte here, then copied
 * into a heap block of exactly its length, so ASan reports a read one byte past the end.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "net_parse.h"
#include "unit.h"

/* ---- helpers ------------------------------------------------------------------------------ */

struct msg {
	uint8_t b[4096];
	size_t len;
};

static void put8(struct msg *m, uint8_t v)
{
	m->b[m->len++] = v;
}

static void put16(struct msg *m, uint16_t v)
{
	put8(m, (uint8_t)(v >> 8));
	put8(m, (uint8_t)v);
}

static void put_mem(struct msg *m, const void *p, size_t n)
{
	memcpy(m->b + m->len, p, n);
	m->len += n;
}

/* A label: its length byte, then its bytes. */
static void put_label(struct msg *m, const char *s)
{
	put8(m, (uint8_t)strlen(s));
	put_mem(m, s, strlen(s));
}

/* A label of n copies of c. */
static void put_label_fill(struct msg *m, size_t n, uint8_t c)
{
	put8(m, (uint8_t)n);
	memset(m->b + m->len, c, n);
	m->len += n;
}

static void put_str(struct msg *m, const char *s)
{
	put_mem(m, s, strlen(s));
}

/* id, flags, qdcount, then ancount = nscount = arcount = 0 */
static void dns_header(struct msg *m, uint16_t id, uint16_t flags, uint16_t qdcount)
{
	put16(m, id);
	put16(m, flags);
	put16(m, qdcount);
	put16(m, 0);
	put16(m, 0);
	put16(m, 0);
}

/* The common case: a recursive query for one name, labels given as a NULL-ended list. */
static void dns_query(struct msg *m, uint16_t id, uint16_t qtype, const char *const *labels)
{
	m->len = 0;
	dns_header(m, id, 0x0100 /* RD */, 1);
	for (; *labels; labels++)
		put_label(m, *labels);
	put8(m, 0);
	put16(m, qtype);
	put16(m, 1);	/* IN */
}

static const char *const www_example_com[] = { "www", "example", "com", NULL };

/* Parse a copy that ends exactly where the message does. */
static int parse_dns(const void *p, size_t len, bool tcp, struct ward_dns_question *q)
{
	uint8_t *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, p, len);
	memset(q, 0xaa, sizeof(*q));	/* so a missing NUL shows */
	rc = ward_dns_parse_query(copy, len, tcp, q);
	free(copy);
	return rc;
}

static int parse_http(const void *p, size_t len, struct ward_http_request *r)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	memcpy(copy, p, len);
	memset(r, 0xaa, sizeof(*r));
	rc = ward_http_parse_request(copy, len, r);
	free(copy);
	return rc;
}

static int parse_http_str(const char *s, struct ward_http_request *r)
{
	return parse_http(s, strlen(s), r);
}

/* A rejected message leaves an empty question behind. */
static bool dns_is_reset(const struct ward_dns_question *q)
{
	return q->name[0] == '\0' && q->name_len == 0 && !q->id && !q->qtype && !q->qclass;
}

static bool http_is_reset(const struct ward_http_request *r)
{
	return !r->method[0] && !r->url[0] && !r->host[0] && !r->proxy && !r->url_truncated &&
	       !r->host_truncated && !r->headers_truncated;
}

/* ---- DNS ---------------------------------------------------------------------------------- */

UNIT_TEST(dns_a_www_example_com)
{
	static const uint8_t pkt[] = {
		0x12, 0x34,		/* id */
		0x01, 0x00,		/* flags: RD */
		0x00, 0x01,		/* qdcount */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w',
		7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm',
		0,
		0x00, 0x01,		/* A */
		0x00, 0x01,		/* IN */
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(pkt, sizeof(pkt), false, &q), 0);
	CHECK_EQ_STR(q.name, "www.example.com");
	CHECK_EQ_INT(q.name_len, 15);
	CHECK_EQ_INT(q.id, 0x1234);
	CHECK_EQ_INT(q.qtype, 1);
	CHECK_EQ_INT(q.qclass, 1);
	CHECK_EQ_STR(ward_dns_type_name(q.qtype), "A");
}

UNIT_TEST(dns_types_aaaa_txt_https)
{
	static const struct {
		uint16_t type;
		const char *name;
	} t[] = { { 28, "AAAA" }, { 16, "TXT" }, { 65, "HTTPS" } };
	struct ward_dns_question q;
	struct msg m;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		dns_query(&m, (uint16_t)(0xbeef + i), t[i].type, www_example_com);
		CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), 0);
		CHECK_EQ_STR(q.name, "www.example.com");
		CHECK_EQ_INT(q.id, 0xbeef + i);
		CHECK_EQ_INT(q.qtype, t[i].type);
		CHECK_EQ_INT(q.qclass, 1);
		CHECK_EQ_STR(ward_dns_type_name(q.qtype), t[i].name);
	}
}

UNIT_TEST(dns_type_names)
{
	CHECK_EQ_STR(ward_dns_type_name(1), "A");
	CHECK_EQ_STR(ward_dns_type_name(2), "NS");
	CHECK_EQ_STR(ward_dns_type_name(5), "CNAME");
	CHECK_EQ_STR(ward_dns_type_name(6), "SOA");
	CHECK_EQ_STR(ward_dns_type_name(10), "NULL");
	CHECK_EQ_STR(ward_dns_type_name(12), "PTR");
	CHECK_EQ_STR(ward_dns_type_name(15), "MX");
	CHECK_EQ_STR(ward_dns_type_name(33), "SRV");
	CHECK_EQ_STR(ward_dns_type_name(35), "NAPTR");
	CHECK_EQ_STR(ward_dns_type_name(41), "OPT");
	CHECK_EQ_STR(ward_dns_type_name(43), "DS");
	CHECK_EQ_STR(ward_dns_type_name(46), "RRSIG");
	CHECK_EQ_STR(ward_dns_type_name(47), "NSEC");
	CHECK_EQ_STR(ward_dns_type_name(48), "DNSKEY");
	CHECK_EQ_STR(ward_dns_type_name(64), "SVCB");
	CHECK_EQ_STR(ward_dns_type_name(252), "AXFR");
	CHECK_EQ_STR(ward_dns_type_name(255), "ANY");
	CHECK_EQ_STR(ward_dns_type_name(257), "CAA");
	CHECK_EQ_STR(ward_dns_type_name(32769), "DLV");
	CHECK(ward_dns_type_name(0) == NULL);
	CHECK(ward_dns_type_name(54) == NULL);	/* unassigned */
	CHECK(ward_dns_type_name(262) == NULL);
	CHECK(ward_dns_type_name(65280) == NULL);	/* private use */
	CHECK(ward_dns_type_name(65535) == NULL);
}

/* Four labels of 63, 63, 63 and 61 bytes: 253 characters with the dots, the most there is. */
static void dns_long_name(struct msg *m, size_t last)
{
	m->len = 0;
	dns_header(m, 7, 0, 1);
	put_label_fill(m, 63, 'a');
	put_label_fill(m, 63, 'b');
	put_label_fill(m, 63, 'c');
	put_label_fill(m, last, 'd');
	put8(m, 0);
	put16(m, 1);
	put16(m, 1);
}

UNIT_TEST(dns_name_253_accepted)
{
	struct ward_dns_question q;
	char want[WARD_DNS_NAME_MAX + 1];
	struct msg m;

	dns_long_name(&m, 61);
	memset(want, 'a', 63);
	want[63] = '.';
	memset(want + 64, 'b', 63);
	want[127] = '.';
	memset(want + 128, 'c', 63);
	want[191] = '.';
	memset(want + 192, 'd', 61);
	want[253] = '\0';
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), 0);
	CHECK_EQ_INT(q.name_len, 253);
	CHECK_EQ_STR(q.name, want);
	CHECK_EQ_INT(q.qtype, 1);
}

UNIT_TEST(dns_name_254_rejected)
{
	struct ward_dns_question q;
	struct msg m;

	dns_long_name(&m, 62);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));
}

UNIT_TEST(dns_label_64_rejected)
{
	struct ward_dns_question q;
	struct msg m;

	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put_label_fill(&m, 64, 'x');
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));

	/* 63 is the longest label */
	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put_label_fill(&m, 63, 'x');
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), 0);
	CHECK_EQ_INT(q.name_len, 63);

	/* 0x80: the other retired label type (10) */
	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put8(&m, 0x80);
	put8(&m, 0x00);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
}

/*
 * Nothing but the header lies before a query's first question, so a legal backward pointer
 * lands in the header. The id 0x0161 reads as the name "a" (01 'a', then the flags' 00).
 */
UNIT_TEST(dns_pointer_backward_resolved)
{
	static const uint8_t one_hop[] = {
		0x01, 'a',		/* id, which is also the name "a" ... */
		0x00, 0x00,		/* ... ended by the flags' zero byte */
		0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w',
		0xc0, 0x00,		/* -> offset 0 */
		0x00, 0x1c,		/* AAAA */
		0x00, 0x01,
	};
	static const uint8_t two_hops[] = {
		0x01, 'a', 0x00, 0x00,	/* offset 0: "a" */
		0x00, 0x01,
		0x01, 'b',		/* offset 6, ancount: "b" ... */
		0xc0, 0x00,		/* ... then, in nscount, -> offset 0 */
		0x00, 0x00,
		3, 'w', 'w', 'w',
		0xc0, 0x06,		/* -> offset 6 */
		0x00, 0x10,		/* TXT */
		0x00, 0x03,		/* CH */
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(one_hop, sizeof(one_hop), false, &q), 0);
	CHECK_EQ_STR(q.name, "www.a");
	CHECK_EQ_INT(q.name_len, 5);
	CHECK_EQ_INT(q.id, 0x0161);
	CHECK_EQ_INT(q.qtype, 28);
	CHECK_EQ_INT(q.qclass, 1);

	CHECK_EQ_INT(parse_dns(two_hops, sizeof(two_hops), false, &q), 0);
	CHECK_EQ_STR(q.name, "www.b.a");
	CHECK_EQ_INT(q.qtype, 16);
	CHECK_EQ_INT(q.qclass, 3);
}

UNIT_TEST(dns_pointer_forward_rejected)
{
	static const uint8_t pkt[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w',
		0xc0, 0x16,		/* -> offset 22, the "com" below */
		0x00, 0x01,
		0x00, 0x01,
		3, 'c', 'o', 'm', 0,
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(pkt, sizeof(pkt), false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));
}

UNIT_TEST(dns_pointer_loops_rejected)
{
	static const uint8_t self[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc0, 0x0c,		/* offset 12 -> offset 12 */
		0x00, 0x01, 0x00, 0x01,
	};
	/* 12 -> 0 (backward, legal), then 0 -> 12: a loop through the header */
	static const uint8_t two[] = {
		0xc0, 0x0c,		/* id: a pointer to offset 12 */
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0xc0, 0x00,		/* -> offset 0 */
		0x00, 0x01, 0x00, 0x01,
	};
	/* A label, then a pointer back to that label: backward, but a loop all the same. */
	static const uint8_t into_own_name[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		2, 'x', 'y',
		0xc0, 0x0c,		/* offset 15 -> offset 12 */
		0x00, 0x01, 0x00, 0x01,
	};
	/*
	 * No loop, yet still rejected: the pointer lands inside the label before it, whose
	 * bytes then read as the name "b". Only an encoder hiding something writes this.
	 */
	static const uint8_t overlapping[] = {
		0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		5, 0x01, 'b', 0x00, 'x', 'x',
		0xc0, 0x0d,		/* offset 18 -> offset 13 */
		0x00, 0x01, 0x00, 0x01,
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(overlapping, sizeof(overlapping), false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(self, sizeof(self), false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(two, sizeof(two), false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(into_own_name, sizeof(into_own_name), false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));
}

UNIT_TEST(dns_pointer_out_of_buffer_rejected)
{
	struct ward_dns_question q;
	struct msg m;

	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put16(&m, 0xffff);	/* -> offset 0x3fff */
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);

	/* a pointer cut after its first byte */
	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put_label(&m, "www");
	put8(&m, 0xc0);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
}

UNIT_TEST(dns_truncated_rejected)
{
	struct ward_dns_question q;
	struct msg m;
	size_t full, n;

	dns_query(&m, 0x4242, 1, www_example_com);
	full = m.len;
	CHECK_EQ_INT(parse_dns(m.b, full, false, &q), 0);

	/* header */
	CHECK_EQ_INT(parse_dns(m.b, 11, false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(m.b, 0, false, &q), -EBADMSG);
	/* header only, no name */
	CHECK_EQ_INT(parse_dns(m.b, 12, false, &q), -EBADMSG);
	/* inside "example" */
	CHECK_EQ_INT(parse_dns(m.b, 12 + 4 + 5, false, &q), -EBADMSG);
	/* after the last label, before the root label */
	CHECK_EQ_INT(parse_dns(m.b, full - 5, false, &q), -EBADMSG);
	/* qtype or qclass cut */
	CHECK_EQ_INT(parse_dns(m.b, full - 4, false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(m.b, full - 3, false, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(m.b, full - 1, false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));
	/* every shorter prefix */
	for (n = 0; n < full; n++)
		if (!CHECK_EQ_INT(parse_dns(m.b, n, false, &q), -EBADMSG))
			fprintf(stderr, "    prefix of %zu bytes\n", n);
}

UNIT_TEST(dns_response_rejected)
{
	struct ward_dns_question q;
	struct msg m;

	m.len = 0;
	dns_header(&m, 0x1234, 0x8180 /* QR, RD, RA */, 1);
	put_label(&m, "example");
	put_label(&m, "com");
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
	CHECK(dns_is_reset(&q));
}

UNIT_TEST(dns_qdcount_zero_rejected)
{
	struct ward_dns_question q;
	struct msg m;

	m.len = 0;
	dns_header(&m, 0x1234, 0x0100, 0);
	put_label(&m, "example");
	put_label(&m, "com");
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
}

UNIT_TEST(dns_tcp_prefix)
{
	struct ward_dns_question q;
	struct msg udp, m;

	dns_query(&udp, 0xcafe, 28, www_example_com);
	m.len = 0;
	put16(&m, (uint16_t)udp.len);
	put_mem(&m, udp.b, udp.len);
	CHECK_EQ_INT(parse_dns(m.b, m.len, true, &q), 0);
	CHECK_EQ_STR(q.name, "www.example.com");
	CHECK_EQ_INT(q.id, 0xcafe);
	CHECK_EQ_INT(q.qtype, 28);
	CHECK_EQ_INT(q.qclass, 1);

	/* the same bytes read as UDP: the prefix becomes the id, the rest is off by two */
	CHECK(parse_dns(m.b, m.len, false, &q) != 0 || q.id != 0xcafe);

	/* a next pipelined message after the announced length does not matter */
	put_str(&m, "\x00\x20garbage");
	CHECK_EQ_INT(parse_dns(m.b, m.len, true, &q), 0);
	CHECK_EQ_STR(q.name, "www.example.com");

	/* a prefix announcing less than the question needs */
	m.b[0] = 0;
	m.b[1] = (uint8_t)(udp.len - 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, true, &q), -EBADMSG);

	/* fewer bytes than announced is fine (we only see the first bytes) as long as the
	 * question is whole */
	m.len = 0;
	put16(&m, 4000);
	put_mem(&m, udp.b, udp.len);
	CHECK_EQ_INT(parse_dns(m.b, m.len, true, &q), 0);
	CHECK_EQ_INT(q.qtype, 28);

	/* too short for the prefix, or for the header after it */
	CHECK_EQ_INT(parse_dns(m.b, 0, true, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(m.b, 1, true, &q), -EBADMSG);
	CHECK_EQ_INT(parse_dns(m.b, 13, true, &q), -EBADMSG);
}

UNIT_TEST(dns_tcp_pointer_offsets_after_prefix)
{
	static const uint8_t pkt[] = {
		0x00, 0x16,		/* length prefix: 22 */
		0x01, 'a', 0x00, 0x00,	/* message offset 0: "a" */
		0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		3, 'w', 'w', 'w',
		0xc0, 0x00,		/* -> message offset 0, not buffer offset 0 */
		0x00, 0x01, 0x00, 0x01,
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(pkt, sizeof(pkt), true, &q), 0);
	CHECK_EQ_STR(q.name, "www.a");
	CHECK_EQ_INT(q.id, 0x0161);
}

UNIT_TEST(dns_label_bytes_escaped)
{
	static const uint8_t pkt[] = {
		0x00, 0x09, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		8, 'a', '.', 'b', '\\', 0x00, 0xff, ' ', 'c',
		3, 'c', 'o', 'm',
		0,
		0x00, 0x01, 0x00, 0x01,
	};
	static const char want[] = "a\\046b\\092\\000\\255\\032c.com";
	struct ward_dns_question q;
	struct msg m;

	CHECK_EQ_INT(parse_dns(pkt, sizeof(pkt), false, &q), 0);
	CHECK_EQ_STR(q.name, want);
	CHECK_EQ_INT(q.name_len, strlen(want));

	/* The escaped form is what must fit: 63 zero bytes are 252 characters ... */
	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put_label_fill(&m, 63, 0x00);
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), 0);
	CHECK_EQ_INT(q.name_len, 252);
	CHECK(!memcmp(q.name, "\\000\\000", 8));
	/* ... and a label more makes 254 */
	m.len = 0;
	dns_header(&m, 1, 0, 1);
	put_label_fill(&m, 63, 0x00);
	put_label(&m, "a");
	put8(&m, 0);
	put16(&m, 1);
	put16(&m, 1);
	CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);

	/* an escape ending exactly at 253 fits; one ending at 254 does not */
	for (size_t d = 57; d <= 58; d++) {
		m.len = 0;
		dns_header(&m, 1, 0, 1);
		put_label_fill(&m, 63, 'a');
		put_label_fill(&m, 63, 'b');
		put_label_fill(&m, 63, 'c');
		put8(&m, (uint8_t)(d + 1));
		memset(m.b + m.len, 'd', d);
		m.len += d;
		put8(&m, 0xff);
		put8(&m, 0);
		put16(&m, 1);
		put16(&m, 1);
		if (d == 57) {
			CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), 0);
			CHECK_EQ_INT(q.name_len, 253);
			CHECK_EQ_STR(q.name + 249, "\\255");
		} else {
			CHECK_EQ_INT(parse_dns(m.b, m.len, false, &q), -EBADMSG);
		}
	}
}

UNIT_TEST(dns_root_name)
{
	static const uint8_t pkt[] = {
		0xab, 0xcd, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0,			/* the root */
		0x00, 0x02,		/* NS */
		0x00, 0x01,
	};
	struct ward_dns_question q;

	CHECK_EQ_INT(parse_dns(pkt, sizeof(pkt), false, &q), 0);
	CHECK_EQ_STR(q.name, "");
	CHECK_EQ_INT(q.name_len, 0);
	CHECK_EQ_INT(q.id, 0xabcd);
	CHECK_EQ_INT(q.qtype, 2);
	CHECK_EQ_STR(ward_dns_type_name(q.qtype), "NS");
}

/* ---- HTTP --------------------------------------------------------------------------------- */

UNIT_TEST(http_get_with_host)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET /index.html?q=1 HTTP/1.1\r\n"
				    "User-Agent: curl/8.0.1\r\n"
				    "Host: www.example.com\r\n"
				    "Accept: */*\r\n"
				    "\r\n", &r), 0);
	CHECK_EQ_STR(r.method, "GET");
	CHECK_EQ_STR(r.url, "/index.html?q=1");
	CHECK_EQ_STR(r.host, "www.example.com");
	CHECK(!r.proxy);
	CHECK(!r.url_truncated);
	CHECK(!r.host_truncated);
	CHECK(!r.headers_truncated);
}

UNIT_TEST(http_post)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("POST /api/v1/upload HTTP/1.0\r\n"
				    "Content-Type: application/octet-stream\r\n"
				    "Content-Length: 5\r\n"
				    "Host: 10.0.0.5:8080\r\n"
				    "\r\n"
				    "hello", &r), 0);
	CHECK_EQ_STR(r.method, "POST");
	CHECK_EQ_STR(r.url, "/api/v1/upload");
	CHECK_EQ_STR(r.host, "10.0.0.5:8080");
	CHECK(!r.proxy);
	CHECK(!r.headers_truncated);
}

UNIT_TEST(http_all_methods)
{
	static const char *const methods[] = {
		"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
	};
	struct ward_http_request r;
	char line[64];
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		snprintf(line, sizeof(line), "%s h:1 HTTP/1.1\r\n\r\n", methods[i]);
		CHECK_EQ_INT(parse_http_str(line, &r), 0);
		CHECK_EQ_STR(r.method, methods[i]);
		CHECK_EQ_STR(r.url, "h:1");
	}
	CHECK_EQ_INT(parse_http_str("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.url, "*");
	CHECK(!r.proxy);
	/* not in the list */
	CHECK_EQ_INT(parse_http_str("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("PROPFIND / HTTP/1.1\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GETS / HTTP/1.1\r\n\r\n", &r), -EINVAL);
}

UNIT_TEST(http_header_name_case)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nhOsT: Example.COM\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "Example.COM");	/* the value keeps its case */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHOST: a.test\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "a.test");
	/* names that only start like Host */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHostname: no\r\nX-Host: no\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "");
	/* whitespace before the colon makes it another header (RFC 9112 5.1) */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost : no\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "");
}

UNIT_TEST(http_host_whitespace_trimmed)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost:   example.com  \r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost:\t example.com\t\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost:example.com\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost:   \r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "");
}

UNIT_TEST(http_first_host_wins)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: first.test\r\nHost: second.test\r\n\r\n",
				    &r), 0);
	CHECK_EQ_STR(r.host, "first.test");
	/* a control byte in a later one still rejects the request */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: first.test\r\nHost: a\rb\r\n\r\n",
				    &r), -EINVAL);
}

UNIT_TEST(http_bare_lf_lines)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET /x HTTP/1.0\nHost: lf.test\n\n", &r), 0);
	CHECK_EQ_STR(r.url, "/x");
	CHECK_EQ_STR(r.host, "lf.test");
	CHECK(!r.headers_truncated);
}

UNIT_TEST(http_absolute_uri_proxy)
{
	struct ward_http_request r;

	/* with a Host header: the header */
	CHECK_EQ_INT(parse_http_str("GET http://example.com/x HTTP/1.1\r\n"
				    "Host: example.com\r\n\r\n", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.url, "http://example.com/x");
	CHECK_EQ_STR(r.host, "example.com");
	CHECK(!r.headers_truncated);

	/* the header wins even when it disagrees */
	CHECK_EQ_INT(parse_http_str("GET http://example.com/x HTTP/1.1\r\n"
				    "Host: other.test\r\n\r\n", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.host, "other.test");

	/* without one: the authority */
	CHECK_EQ_INT(parse_http_str("GET http://example.com/x HTTP/1.1\r\n"
				    "Accept: */*\r\n\r\n", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.host, "example.com");

	/* an empty Host header counts as missing */
	CHECK_EQ_INT(parse_http_str("GET http://example.com/x HTTP/1.1\r\nHost:\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");

	/* port kept, userinfo dropped, authority ended by '?' or by the target */
	CHECK_EQ_INT(parse_http_str("GET https://user:pw@example.com:8443?q HTTP/1.1\r\n\r\n", &r),
		     0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.url, "https://user:pw@example.com:8443?q");
	CHECK_EQ_STR(r.host, "example.com:8443");
	CHECK_EQ_INT(parse_http_str("POST http://[2001:db8::1]:80 HTTP/1.1\r\n\r\n", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.host, "[2001:db8::1]:80");

	/* origin-form is not a proxy request, and has no authority */
	CHECK_EQ_INT(parse_http_str("GET /http://example.com/ HTTP/1.1\r\n\r\n", &r), 0);
	CHECK(!r.proxy);
	CHECK_EQ_STR(r.host, "");
}

UNIT_TEST(http_connect)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("CONNECT example.com:443 HTTP/1.1\r\n"
				    "User-Agent: curl/8.0.1\r\n\r\n", &r), 0);
	CHECK_EQ_STR(r.method, "CONNECT");
	CHECK(r.proxy);
	CHECK_EQ_STR(r.url, "example.com:443");
	CHECK_EQ_STR(r.host, "example.com:443");

	CHECK_EQ_INT(parse_http_str("CONNECT example.com:443 HTTP/1.1\r\n"
				    "Host: example.com:443\r\n\r\n", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.host, "example.com:443");
}

UNIT_TEST(http_request_line_cut)
{
	struct ward_http_request r;

	/* in the target */
	CHECK_EQ_INT(parse_http_str("GET /some/path/that/is/cu", &r), 0);
	CHECK_EQ_STR(r.method, "GET");
	CHECK_EQ_STR(r.url, "/some/path/that/is/cu");
	CHECK(r.url_truncated);
	CHECK(r.headers_truncated);
	CHECK_EQ_STR(r.host, "");
	CHECK_EQ_INT(parse_http_str("GET /", &r), 0);
	CHECK_EQ_STR(r.url, "/");
	CHECK(r.url_truncated);

	/* after the target, or in the version: the target is whole */
	CHECK_EQ_INT(parse_http_str("GET /a ", &r), 0);
	CHECK_EQ_STR(r.url, "/a");
	CHECK(!r.url_truncated);
	CHECK(r.headers_truncated);
	CHECK_EQ_INT(parse_http_str("GET /a HTTP/1", &r), 0);
	CHECK(!r.url_truncated);
	CHECK(r.headers_truncated);
	CHECK_EQ_INT(parse_http_str("GET /a HTTP/1.1", &r), 0);
	CHECK(r.headers_truncated);
	CHECK_EQ_INT(parse_http_str("GET /a HTTP/1.1\r", &r), 0);
	CHECK(r.headers_truncated);
	CHECK_EQ_INT(parse_http_str("GET /a HTTX", &r), -EINVAL);

	/* a cut authority is not reported as the host */
	CHECK_EQ_INT(parse_http_str("GET http://example.co", &r), 0);
	CHECK(r.proxy);
	CHECK(r.url_truncated);
	CHECK_EQ_STR(r.host, "");
	CHECK_EQ_INT(parse_http_str("CONNECT example.com:4", &r), 0);
	CHECK(r.proxy);
	CHECK_EQ_STR(r.host, "");
	CHECK_EQ_INT(parse_http_str("GET http://example.com/pa", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");

	/* not enough to tell */
	CHECK_EQ_INT(parse_http_str("GET ", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GE", &r), -EINVAL);
}

UNIT_TEST(http_headers_cut_before_host)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("GET /download HTTP/1.1\r\n"
				    "User-Agent: Mozilla/5.0\r\n"
				    "Accept: */*\r\n"
				    "Ho", &r), 0);
	CHECK_EQ_STR(r.url, "/download");
	CHECK_EQ_STR(r.host, "");
	CHECK(r.headers_truncated);
	CHECK(!r.url_truncated);

	/* cut inside the Host value: a partial name is not reported */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: examp", &r), 0);
	CHECK_EQ_STR(r.host, "");
	CHECK(r.headers_truncated);

	/* Host seen, end of headers not */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: example.com\r\nAccept", &r), 0);
	CHECK_EQ_STR(r.host, "example.com");
	CHECK(r.headers_truncated);
}

/* "GET /" and n - 1 filler bytes (a target of n bytes), then the rest of a request */
static void http_long_target(struct msg *m, size_t n)
{
	size_t i;

	m->len = 0;
	put_str(m, "GET /");
	for (i = 0; i + 1 < n; i++)
		put8(m, (uint8_t)('a' + i % 26));
	put_str(m, " HTTP/1.1\r\nHost: h.test\r\n\r\n");
}

UNIT_TEST(http_long_url_cut_at_2048)
{
	static struct msg m;
	struct ward_http_request r;

	http_long_target(&m, 3000);
	CHECK_EQ_INT(parse_http(m.b, m.len, &r), 0);
	CHECK(r.url_truncated);
	CHECK_EQ_INT(strlen(r.url), 2048);
	CHECK_EQ_MEM(r.url, strlen(r.url), m.b + 4, 2048);
	CHECK_EQ_STR(r.host, "h.test");
	CHECK(!r.headers_truncated);

	/* exactly 2048 fits, one more does not */
	http_long_target(&m, 2048);
	CHECK_EQ_INT(parse_http(m.b, m.len, &r), 0);
	CHECK(!r.url_truncated);
	CHECK_EQ_MEM(r.url, strlen(r.url), m.b + 4, 2048);
	CHECK_EQ_STR(r.host, "h.test");
	http_long_target(&m, 2049);
	CHECK_EQ_INT(parse_http(m.b, m.len, &r), 0);
	CHECK(r.url_truncated);
	CHECK_EQ_MEM(r.url, strlen(r.url), m.b + 4, 2048);
	CHECK_EQ_STR(r.host, "h.test");
}

UNIT_TEST(http_long_host_cut_at_255)
{
	static char buf[1024];
	struct ward_http_request r;
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %0300d\r\n\r\n", 7);
	CHECK_EQ_INT(parse_http(buf, n, &r), 0);
	CHECK(r.host_truncated);
	CHECK_EQ_INT(strlen(r.host), 255);
	CHECK(!memcmp(r.host, "000", 3));

	/* 255 fits, 256 does not */
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %0255d\r\n\r\n", 7);
	CHECK_EQ_INT(parse_http(buf, n, &r), 0);
	CHECK(!r.host_truncated);
	CHECK_EQ_INT(strlen(r.host), 255);
	n = (size_t)snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %0256d\r\n\r\n", 7);
	CHECK_EQ_INT(parse_http(buf, n, &r), 0);
	CHECK(r.host_truncated);
	CHECK_EQ_INT(strlen(r.host), 255);
	CHECK_EQ_INT(r.host[254], '0');
}

UNIT_TEST(http_not_http_rejected)
{
	static const uint8_t client_hello[] = {
		0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
	};
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", &r), -EINVAL);
	CHECK(http_is_reset(&r));
	CHECK_EQ_INT(parse_http(client_hello, sizeof(client_hello), &r), -EINVAL);
	CHECK(http_is_reset(&r));
	CHECK_EQ_INT(parse_http("", 0, &r), -EINVAL);
	CHECK(http_is_reset(&r));
	/* HTTP/0.9 and other versions */
	CHECK_EQ_INT(parse_http_str("GET /\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET / HTTP/2.0\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.x\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1 \r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.10\r\n\r\n", &r), -EINVAL);
	/* two spaces */
	CHECK_EQ_INT(parse_http_str("GET  / HTTP/1.1\r\n\r\n", &r), -EINVAL);
}

UNIT_TEST(http_lowercase_method_rejected)
{
	struct ward_http_request r;

	CHECK_EQ_INT(parse_http_str("get / HTTP/1.1\r\nHost: x\r\n\r\n", &r), -EINVAL);
	CHECK(http_is_reset(&r));
	CHECK_EQ_INT(parse_http_str("Get / HTTP/1.1\r\n\r\n", &r), -EINVAL);
}

UNIT_TEST(http_control_bytes_rejected)
{
	struct ward_http_request r;

	/* a bare CR in the target, and after the version */
	CHECK_EQ_INT(parse_http_str("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", &r), -EINVAL);
	CHECK(http_is_reset(&r));
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\rHost: x\r\n\r\n", &r), -EINVAL);
	CHECK(http_is_reset(&r));
	/* LF, TAB, NUL, DEL in the target */
	CHECK_EQ_INT(parse_http_str("GET /a\nb HTTP/1.1\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET /a\tb HTTP/1.1\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http("GET /a\0b HTTP/1.1\r\n\r\n", 22, &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET /a\x7f HTTP/1.1\r\n\r\n", &r), -EINVAL);
	/* in the Host value */
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http_str("GET / HTTP/1.1\r\nHost: a.test\r\r\n\r\n", &r), -EINVAL);
	CHECK_EQ_INT(parse_http("GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n", 29, &r), -EINVAL);
	CHECK(http_is_reset(&r));
	/* bytes above 0x7f are not control bytes: kept as sent */
	CHECK_EQ_INT(parse_http_str("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: b\xc3\xbcro.test\r\n\r\n", &r),
		     0);
	CHECK_EQ_STR(r.url, "/caf\xc3\xa9");
	CHECK_EQ_STR(r.host, "b\xc3\xbcro.test");
}

/* ---- fuzz --------------------------------------------------------------------------------- */

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

#define FUZZ_ITERS	200000
#define FUZZ_MAX_LEN	600

static bool dns_result_ok(int rc, const struct ward_dns_question *q)
{
	size_t i;

	if (rc == -EBADMSG)
		return dns_is_reset(q);
	if (rc != 0)
		return false;
	if (!memchr(q->name, '\0', sizeof(q->name)))
		return false;
	if (q->name_len != strlen(q->name) || q->name_len > WARD_DNS_NAME_MAX)
		return false;
	/* the escaped form is plain printable ASCII without spaces */
	for (i = 0; i < q->name_len; i++)
		if (q->name[i] <= ' ' || q->name[i] >= 0x7f)
			return false;
	return true;
}

static bool http_str_ok(const char *s, size_t cap)
{
	const char *end = memchr(s, '\0', cap);
	const char *c;

	if (!end)
		return false;
	for (c = s; c < end; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			return false;
	return true;
}

static bool http_result_ok(int rc, const struct ward_http_request *r)
{
	if (rc == -EINVAL)
		return http_is_reset(r);
	return rc == 0 && http_str_ok(r->method, sizeof(r->method)) && r->method[0] &&
	       http_str_ok(r->url, sizeof(r->url)) && r->url[0] &&
	       http_str_ok(r->host, sizeof(r->host));
}

static void fuzz_seed(struct msg *m, unsigned int which)
{
	static const char *const http_seeds[] = {
		"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n",
		"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		"POST http://u@example.com:80/x?y HTTP/1.0\nContent-Length: 0\nhOsT:  a \n\n",
	};
	static const char *const labels[] = { "a", "bb", "example", "com", NULL };

	m->len = 0;
	switch (which % 6) {
	case 0:
		dns_query(m, (uint16_t)rng(), (uint16_t)rng(), www_example_com);
		break;
	case 1: {	/* TCP form, with a pointer into the header */
		struct msg udp;

		udp.len = 0;
		put8(&udp, 0x01);
		put8(&udp, 'a');
		put16(&udp, 0x0000);
		put16(&udp, 1);
		put8(&udp, 0x01);
		put8(&udp, 'b');
		put16(&udp, 0xc000);
		put16(&udp, 0);
		put_label(&udp, "www");
		put16(&udp, 0xc006);
		put16(&udp, 1);
		put16(&udp, 1);
		put16(m, (uint16_t)udp.len);
		put_mem(m, udp.b, udp.len);
		break;
	}
	case 2:
		dns_query(m, 1, 16, labels);
		break;
	default:
		put_str(m, http_seeds[which % 6 - 3]);
		break;
	}
}

static void fuzz_mutate(struct msg *m)
{
	static const uint8_t interesting[] = {
		0x00, 0xff, 0xc0, 0xc1, 0x3f, 0x40, 0x80, '.', '\\', '\r', '\n', ' ', ':', '/', '@',
	};
	unsigned int i, n = 1 + (unsigned int)(rng() % 8);

	for (i = 0; i < n; i++) {
		size_t at = m->len ? rng() % m->len : 0;

		switch (rng() % 5) {
		case 0:	/* flip a bit */
			if (m->len)
				m->b[at] ^= (uint8_t)(1u << (rng() % 8));
			break;
		case 1:
			if (m->len)
				m->b[at] = interesting[rng() % sizeof(interesting)];
			break;
		case 2:	/* a compression pointer at a random place to a random place */
			if (m->len > 1 && at + 1 < m->len) {
				m->b[at] = (uint8_t)(0xc0 | (rng() % 2));
				m->b[at + 1] = (uint8_t)rng();
			}
			break;
		case 3:	/* cut */
			m->len = m->len ? rng() % (m->len + 1) : 0;
			break;
		case 4:	/* append random bytes */
			while (m->len < FUZZ_MAX_LEN && rng() % 8)
				m->b[m->len++] = (uint8_t)rng();
			break;
		}
	}
}

UNIT_TEST(fuzz_parsers_never_misbehave)
{
	struct ward_dns_question q;
	struct ward_http_request r;
	unsigned long dns_ok = 0, http_ok = 0, bad = 0;
	struct msg m;
	int it, rc;

	for (it = 0; it < FUZZ_ITERS; it++) {
		if (it % 4 == 0) {
			size_t i;

			m.len = rng() % (FUZZ_MAX_LEN + 1);
			for (i = 0; i < m.len; i++)
				m.b[i] = (uint8_t)rng();
		} else {
			fuzz_seed(&m, (unsigned int)rng());
			fuzz_mutate(&m);
		}
		if (m.len > FUZZ_MAX_LEN)
			m.len = FUZZ_MAX_LEN;

		rc = parse_dns(m.b, m.len, false, &q);
		dns_ok += rc == 0;
		if (!dns_result_ok(rc, &q) && bad++ < 5)
			fprintf(stderr, "    iteration %d: udp rc %d name_len %zu\n", it, rc,
				q.name_len);
		rc = parse_dns(m.b, m.len, true, &q);
		dns_ok += rc == 0;
		if (!dns_result_ok(rc, &q) && bad++ < 5)
			fprintf(stderr, "    iteration %d: tcp rc %d name_len %zu\n", it, rc,
				q.name_len);
		rc = parse_http(m.b, m.len, &r);
		http_ok += rc == 0;
		if (!http_result_ok(rc, &r) && bad++ < 5)
			fprintf(stderr, "    iteration %d: http rc %d\n", it, rc);
	}
	CHECK_EQ_INT(bad, 0);
	/* the mutations must leave enough valid inputs to reach the deep paths */
	CHECK(dns_ok > FUZZ_ITERS / 20);
	CHECK(http_ok > FUZZ_ITERS / 20);
}

UNIT_MAIN()
