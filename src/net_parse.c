// SPDX-License-Identifier: GPL-2.0
/*
 * The bytes parsed here come from a monitored process, so they are hostile by assumption: a
 * DNS tunnel or a C2 client chooses them to crash or blind the sensor. Hence the shape of the
 * code: lengths are compared as "n > len - pos" once pos <= len is known (never "pos + n > len",
 * which can wrap), every loop either advances through the input or counts against a fixed
 * limit, and the output goes into the caller's fixed buffers, checked before each write.
 */
#include <errno.h>
#include <string.h>

#include "net_parse.h"

/* ---- DNS ---------------------------------------------------------------------------------- */

#define DNS_HDR_LEN	12
#define DNS_TCP_PREFIX	2
#define DNS_FLAG_QR	0x8000	/* set in responses */
#define DNS_LABEL_MAX	63	/* RFC 1035 2.3.4: the length octet keeps two bits for the type */
#define DNS_LABEL_PTR	0xc0	/* top bits 11: a compression pointer (RFC 1035 4.1.4) */

/*
 * Pointers must point strictly before the start of the labels they continue, so the starts
 * strictly decrease and a name has at most DNS_HDR_LEN of them in a first question (nothing but
 * the header lies before it). The explicit cap keeps that bound visible in the loop itself.
 */
#define DNS_MAX_HOPS	16
/* Each label after the first adds at least 2 characters ("." and one byte) to a name of at most
 * WARD_DNS_NAME_MAX, so no name has more labels than this. */
#define DNS_MAX_LABELS	(WARD_DNS_NAME_MAX / 2 + 1)

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Bytes that could be misread in the dotted form ('.', '\\'), that would split a
 * whitespace-separated log line (space), or that are not printable ASCII become \DDD.
 */
static inline bool dns_needs_escape(uint8_t c)
{
	return c <= ' ' || c >= 0x7f || c == '.' || c == '\\';
}

/* Append one label to q->name, escaped; -EBADMSG once the dotted name would pass 253. */
static int dns_put_label(struct ward_dns_question *q, const uint8_t *label, size_t n)
{
	size_t i, pos = q->name_len;

	if (pos) {
		if (pos + 1 > WARD_DNS_NAME_MAX)
			return -EBADMSG;
		q->name[pos++] = '.';
	}
	for (i = 0; i < n; i++) {
		uint8_t c = label[i];

		if (!dns_needs_escape(c)) {
			if (pos + 1 > WARD_DNS_NAME_MAX)
				return -EBADMSG;
			q->name[pos++] = (char)c;
			continue;
		}
		if (pos + 4 > WARD_DNS_NAME_MAX)
			return -EBADMSG;
		q->name[pos++] = '\\';
		q->name[pos++] = (char)('0' + c / 100);
		q->name[pos++] = (char)('0' + c / 10 % 10);
		q->name[pos++] = (char)('0' + c % 10);
	}
	q->name_len = pos;
	q->name[pos] = '\0';
	return 0;
}

/*
 * Read the name at *off into q->name and move *off past it as it lies in the question (after
 * its root label, or after its first pointer).
 */
static int dns_read_name(const uint8_t *msg, size_t len, size_t *off, struct ward_dns_question *q)
{
	size_t pos = *off;	/* next byte to read; always <= len once checked below */
	size_t seg = *off;	/* where the labels being read started: pointers must go before it */
	size_t end = 0;		/* where the question continues, once a pointer was taken */
	unsigned int hops = 0, labels = 0;
	int rc;

	while (labels <= DNS_MAX_LABELS && hops <= DNS_MAX_HOPS) {
		size_t target;
		uint8_t b;

		if (pos >= len)
			return -EBADMSG;
		b = msg[pos];
		if (b == 0) {
			*off = hops ? end : pos + 1;
			return 0;
		}
		if (b <= DNS_LABEL_MAX) {
			if (b > len - pos - 1)
				return -EBADMSG;	/* the label runs past the bytes we have */
			rc = dns_put_label(q, msg + pos + 1, b);
			if (rc)
				return rc;
			pos += 1 + (size_t)b;
			labels++;
			continue;
		}
		/* 01 and 10 were extended label types, retired by RFC 6891. */
		if ((b & DNS_LABEL_PTR) != DNS_LABEL_PTR)
			return -EBADMSG;
		if (len - pos < 2)
			return -EBADMSG;
		target = (size_t)get_be16(msg + pos) & 0x3fff;
		/*
		 * Only strictly before seg. A pointer into the labels it continues (itself
		 * included) loops or re-reads label bytes as a name, which no encoder writes;
		 * one beyond them points forward or out of the buffer.
		 */
		if (target >= seg)
			return -EBADMSG;
		if (!hops)
			end = pos + 2;
		hops++;
		pos = seg = target;
	}
	return -EBADMSG;	/* unreachable, see DNS_MAX_HOPS and DNS_MAX_LABELS */
}

static void dns_reset(struct ward_dns_question *q)
{
	q->name[0] = '\0';
	q->name_len = 0;
	q->id = q->qtype = q->qclass = 0;
}

int ward_dns_parse_query(const uint8_t *msg, size_t len, bool tcp, struct ward_dns_question *q)
{
	size_t off = DNS_HDR_LEN;
	int rc;

	dns_reset(q);
	if (tcp) {
		size_t announced;

		if (len < DNS_TCP_PREFIX)
			return -EBADMSG;
		announced = get_be16(msg);
		msg += DNS_TCP_PREFIX;
		len -= DNS_TCP_PREFIX;
		/* Bytes past the announced length belong to the next pipelined message. */
		if (announced < len)
			len = announced;
	}
	if (len < DNS_HDR_LEN)
		return -EBADMSG;
	if (get_be16(msg + 2) & DNS_FLAG_QR)
		return -EBADMSG;
	if (get_be16(msg + 4) == 0)
		return -EBADMSG;

	rc = dns_read_name(msg, len, &off, q);
	if (rc)
		goto err;
	if (len - off < 4) {	/* dns_read_name leaves off <= len */
		rc = -EBADMSG;
		goto err;
	}
	q->id = get_be16(msg);
	q->qtype = get_be16(msg + off);
	q->qclass = get_be16(msg + off + 2);
	return 0;
err:
	dns_reset(q);
	return rc;
}

/*
 * IANA "Resource Record (RR) TYPEs". The obsolete ones stay: tunnels such as iodine ask for
 * NULL records precisely because nothing else does.
 */
static const char *const dns_type_names[] = {
	[1] = "A",		[2] = "NS",		[3] = "MD",		[4] = "MF",
	[5] = "CNAME",		[6] = "SOA",		[7] = "MB",		[8] = "MG",
	[9] = "MR",		[10] = "NULL",		[11] = "WKS",		[12] = "PTR",
	[13] = "HINFO",		[14] = "MINFO",		[15] = "MX",		[16] = "TXT",
	[17] = "RP",		[18] = "AFSDB",		[19] = "X25",		[20] = "ISDN",
	[21] = "RT",		[22] = "NSAP",		[23] = "NSAP-PTR",	[24] = "SIG",
	[25] = "KEY",		[26] = "PX",		[27] = "GPOS",		[28] = "AAAA",
	[29] = "LOC",		[30] = "NXT",		[31] = "EID",		[32] = "NIMLOC",
	[33] = "SRV",		[34] = "ATMA",		[35] = "NAPTR",		[36] = "KX",
	[37] = "CERT",		[38] = "A6",		[39] = "DNAME",		[40] = "SINK",
	[41] = "OPT",		[42] = "APL",		[43] = "DS",		[44] = "SSHFP",
	[45] = "IPSECKEY",	[46] = "RRSIG",		[47] = "NSEC",		[48] = "DNSKEY",
	[49] = "DHCID",		[50] = "NSEC3",		[51] = "NSEC3PARAM",	[52] = "TLSA",
	[53] = "SMIMEA",	[55] = "HIP",		[56] = "NINFO",		[57] = "RKEY",
	[58] = "TALINK",	[59] = "CDS",		[60] = "CDNSKEY",	[61] = "OPENPGPKEY",
	[62] = "CSYNC",		[63] = "ZONEMD",	[64] = "SVCB",		[65] = "HTTPS",
	[99] = "SPF",		[100] = "UINFO",	[101] = "UID",		[102] = "GID",
	[103] = "UNSPEC",	[104] = "NID",		[105] = "L32",		[106] = "L64",
	[107] = "LP",		[108] = "EUI48",	[109] = "EUI64",
	[249] = "TKEY",		[250] = "TSIG",		[251] = "IXFR",		[252] = "AXFR",
	[253] = "MAILB",	[254] = "MAILA",	[255] = "ANY",		[256] = "URI",
	[257] = "CAA",		[258] = "AVC",		[259] = "DOA",		[260] = "AMTRELAY",
	[261] = "RESINFO",
};

const char *ward_dns_type_name(uint16_t qtype)
{
	if (qtype < sizeof(dns_type_names) / sizeof(dns_type_names[0]))
		return dns_type_names[qtype];
	switch (qtype) {
	case 32768:
		return "TA";
	case 32769:
		return "DLV";
	}
	return NULL;
}

/* ---- HTTP --------------------------------------------------------------------------------- */

static const char *const http_methods[] = {
	"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "CONNECT", "TRACE",
};

static const char http_version[] = "HTTP/1.";
#define HTTP_VERSION_LEN (sizeof(http_version))	/* "HTTP/1." and one digit */

static inline bool http_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static inline bool http_is_ows(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static inline bool http_is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline unsigned char http_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 'a' - 'A') : c;
}

/* Copy n bytes as a string into dst[cap] (cap counts the NUL), cutting and flagging the rest. */
static void http_copy(char *dst, size_t cap, const unsigned char *src, size_t n, bool *cut)
{
	if (n > cap - 1) {
		n = cap - 1;
		*cut = true;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Length of the method that starts p and is followed by SP, or 0. */
static size_t http_method_len(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(http_methods) / sizeof(http_methods[0]); i++) {
		size_t n = strlen(http_methods[i]);

		if (len > n && !memcmp(p, http_methods[i], n) && p[n] == ' ')
			return n;
	}
	return 0;
}

/*
 * The authority of an absolute-form target "scheme://[userinfo@]host[:port]/...": sets *a and
 * *n and returns true if t is one. The authority is usable only if something ends it or the
 * target is complete; a cut one could name a different host.
 */
static bool http_authority(const unsigned char *t, size_t tlen, bool target_cut,
			   size_t *a, size_t *n)
{
	size_t i = 0, start, end, at;

	/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
	if (!tlen || !http_is_alpha(t[0]))
		return false;
	for (i = 1; i < tlen; i++) {
		unsigned char c = t[i];

		if (!http_is_alpha(c) && !(c >= '0' && c <= '9') && c != '+' && c != '-' && c != '.')
			break;
	}
	if (tlen - i < 3 || memcmp(t + i, "://", 3))
		return false;
	start = i + 3;
	for (end = start; end < tlen; end++)
		if (t[end] == '/' || t[end] == '?' || t[end] == '#')
			break;
	if (end == tlen && target_cut) {
		*a = *n = 0;
		return true;
	}
	/* The destination is the host; credentials in userinfo are not part of it. */
	for (at = end; at > start; at--) {
		if (t[at - 1] == '@') {
			start = at;
			break;
		}
	}
	*a = start;
	*n = end - start;
	return true;
}

static void http_reset(struct ward_http_request *r)
{
	r->method[0] = r->url[0] = r->host[0] = '\0';
	r->proxy = r->url_truncated = r->host_truncated = r->headers_truncated = false;
}

/*
 * The header lines from pos on: the first Host value into r->host. Returns 0 or -EINVAL for a
 * control byte inside the Host value.
 */
static int http_parse_headers(const unsigned char *p, size_t len, size_t pos,
			      struct ward_http_request *r)
{
	bool host_seen = false;

	/* Each pass moves pos past one line ending, so this ends within len passes. */
	while (pos < len) {
		const unsigned char *nl = memchr(p + pos, '\n', len - pos);
		size_t eol, v, ve, i;

		if (!nl)
			break;	/* a line cut by the end of the bytes counts for nothing */
		eol = (size_t)(nl - p);
		/* CRLF or a bare LF ends a line (RFC 9112 2.2 lets recipients accept LF). */
		if (eol > pos && p[eol - 1] == '\r')
			eol--;
		if (eol == pos)
			return 0;	/* the empty line: end of the head */
		if (eol - pos >= 5 && http_lower(p[pos]) == 'h' && http_lower(p[pos + 1]) == 'o' &&
		    http_lower(p[pos + 2]) == 's' && http_lower(p[pos + 3]) == 't' &&
		    p[pos + 4] == ':') {
			for (v = pos + 5; v < eol && http_is_ows(p[v]); v++)
				;
			for (ve = eol; ve > v && http_is_ows(p[ve - 1]); ve--)
				;
			/* in any Host header, not only the one reported */
			for (i = v; i < ve; i++)
				if (http_is_ctl(p[i]))
					return -EINVAL;
			if (!host_seen)
				http_copy(r->host, sizeof(r->host), p + v, ve - v,
					  &r->host_truncated);
			host_seen = true;
		}
		pos = (size_t)(nl - p) + 1;
	}
	r->headers_truncated = true;
	return 0;
}

int ward_http_parse_request(const char *buf, size_t len, struct ward_http_request *r)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t mlen, tstart, pos, v, vlen, auth = 0, auth_len = 0;
	bool target_cut, has_auth = false;
	size_t i;
	int rc;

	http_reset(r);
	mlen = http_method_len(p, len);
	if (!mlen)
		return -EINVAL;
	memcpy(r->method, p, mlen);
	r->method[mlen] = '\0';

	tstart = mlen + 1;
	for (pos = tstart; pos < len && p[pos] != ' '; pos++)
		if (http_is_ctl(p[pos]))
			goto inval;	/* a bare CR, LF, NUL or TAB inside the target */
	if (pos == tstart)
		goto inval;		/* no target, or two spaces */
	target_cut = pos == len;
	http_copy(r->url, sizeof(r->url), p + tstart, pos - tstart, &r->url_truncated);
	if (target_cut)
		r->url_truncated = true;

	if (mlen == 7 && !memcmp(p, "CONNECT", 7)) {
		/* authority-form: the whole target is host:port */
		r->proxy = true;
		if (!target_cut) {
			has_auth = true;
			auth = tstart;
			auth_len = pos - tstart;
		}
	} else if (http_authority(p + tstart, pos - tstart, target_cut, &auth, &auth_len)) {
		r->proxy = true;
		has_auth = auth_len > 0;
		auth += tstart;
	}

	if (target_cut) {
		r->headers_truncated = true;
		goto authority;
	}

	/* SP "HTTP/1." DIGIT, possibly cut anywhere by the end of the bytes */
	v = pos + 1;
	vlen = len - v < HTTP_VERSION_LEN ? len - v : HTTP_VERSION_LEN;
	for (i = 0; i < vlen; i++) {
		unsigned char c = p[v + i];

		if (i < HTTP_VERSION_LEN - 1 ? c != (unsigned char)http_version[i] :
		    !(c >= '0' && c <= '9'))
			goto inval;
	}
	pos = v + vlen;
	/* Cut in the version or right after it: the line looks complete so far. */
	if (pos == len || (p[pos] == '\r' && pos + 1 == len)) {
		r->headers_truncated = true;
		goto authority;
	}
	if (p[pos] == '\r' && p[pos + 1] == '\n')
		pos += 2;
	else if (p[pos] == '\n')
		pos += 1;
	else
		goto inval;	/* trailing junk or a bare CR after the version */

	rc = http_parse_headers(p, len, pos, r);
	if (rc)
		goto inval;
authority:
	/* The Host header wins when present; the authority stands in for a missing or empty one. */
	if (has_auth && !r->host[0])
		http_copy(r->host, sizeof(r->host), p + auth, auth_len, &r->host_truncated);
	return 0;
inval:
	http_reset(r);
	return -EINVAL;
}
