/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure parsers for what a process sends on a socket: the first question of a DNS query and
 * the head of an HTTP/1.x request. The BPF side copies only the first bytes of a payload, and
 * those bytes are chosen by whoever controls the process, so every read is bounds-checked,
 * nothing recurses, every loop is bounded by the input length or a fixed limit, and nothing
 * allocates. A return of 0 means the bytes had the expected shape; a malformed input is an
 * ordinary result for the caller to count, never a crash.
 */
#ifndef WARD_NET_PARSE_H
#define WARD_NET_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 1035 3.1: 255 octets on the wire are 253 characters in dotted form without the root. */
#define WARD_DNS_NAME_MAX 253

struct ward_dns_question {
	char name[WARD_DNS_NAME_MAX + 1];	/* dotted, no trailing dot, "" for the root */
	size_t name_len;			/* strlen(name) */
	uint16_t id, qtype, qclass;
};

/*
 * The first question of a DNS message as sent by a client. tcp: the message starts with the
 * 2-byte length prefix of DNS over TCP (RFC 1035 4.2.2); the message is then the shorter of
 * what the prefix announces and what the buffer holds, and compression offsets count from
 * after the prefix.
 *
 * Returns 0, or -EBADMSG when malformed: header too short, QR bit set (a response), QDCOUNT 0,
 * a label longer than 63, a label type other than 00 or 11 (RFC 6891 retired the others), a
 * name longer than 253, a compression pointer that does not point strictly before the labels
 * it continues (which rules out forward pointers, self-loops and longer loops, and bounds the
 * number of hops), a pointer or label that runs past the end of the buffer, the question's
 * type/class cut off.
 *
 * Label bytes outside '!'..'~' (printable ASCII without the space), and '.' or '\\' inside a
 * label, are written as \DDD (3 decimal digits, RFC 4343 style), so the name is unambiguous
 * and has no spaces or control bytes; name_len counts the escaped form, which must still fit
 * name[] (else -EBADMSG). Case is kept as sent (a resolver's 0x20 randomisation shows).
 * On error q holds an empty name and zero fields.
 */
int ward_dns_parse_query(const uint8_t *msg, size_t len, bool tcp, struct ward_dns_question *q);

/* The IANA mnemonic ("A", "AAAA", "TXT", "HTTPS", "ANY", ...) or NULL for an unknown type. */
const char *ward_dns_type_name(uint16_t qtype);

#define WARD_HTTP_URL_MAX 2048
#define WARD_HTTP_HOST_MAX 255

struct ward_http_request {
	char method[16];
	char url[WARD_HTTP_URL_MAX + 1];	/* as in the request line */
	char host[WARD_HTTP_HOST_MAX + 1];	/* Host header; for an absolute URI or CONNECT
						 * without a (non-empty) Host header, the authority */
	bool proxy;		/* absolute URI ("GET http://h/p HTTP/1.1") or CONNECT host:port */
	bool url_truncated;	/* url cut: longer than WARD_HTTP_URL_MAX, or cut by the end of
				 * the bytes */
	bool host_truncated;	/* host longer than WARD_HTTP_HOST_MAX (cut, flagged) */
	bool headers_truncated;	/* the bytes ended before the end of the headers, so a Host
				 * header may have been cut off */
};

/*
 * An HTTP/1.x request head from the first bytes of a TCP stream. Returns 0, or -EINVAL if the
 * bytes do not start with "METHOD SP target SP HTTP/1.x" followed by CRLF or LF (method one of
 * GET POST PUT DELETE HEAD OPTIONS PATCH CONNECT TRACE, case-sensitive). The request line may
 * itself be cut by the end of the bytes: a method, SP and at least one byte of target are
 * enough (url_truncated if the target is what was cut), and so is a complete target followed
 * by a cut prefix of "HTTP/1.x".
 *
 * Header names are case-insensitive; a header counts only once its line ending was seen (a
 * cut value is never reported as the host); the first Host header wins; SP/HTAB around its
 * value are trimmed. A control byte (0x00-0x1f, 0x7f) in the target or the Host value, or
 * anything but CRLF/LF after the version (a bare CR), makes it -EINVAL: those are request
 * smuggling shapes that a conforming server rejects. On error r holds empty strings and false.
 */
int ward_http_parse_request(const char *buf, size_t len, struct ward_http_request *r);

#endif /* WARD_NET_PARSE_H */
