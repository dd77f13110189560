/* SHA-256 against the FIPS 180-4 / NIST CAVP example vectors and the padding boundaries. */
#include <stdlib.h>
#include <string.h>

#include "lib/sha256.h"
#include "unit.h"

static void hex_of(const void *data, size_t n, char out[WARD_SHA256_HEX_LEN])
{
	uint8_t d[WARD_SHA256_LEN];
	ward_sha256(data, n, d);
	ward_sha256_hex(d, out);
}

UNIT_TEST(nist_vectors)
{
	char hex[WARD_SHA256_HEX_LEN];

	hex_of("", 0, hex);
	CHECK_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	CHECK_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* 448 bits: the padding needs a second block */
	static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(m448, strlen(m448), hex);
	CHECK_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				   "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	hex_of(m896, strlen(m896), hex);
	CHECK_EQ_STR(hex, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
}

UNIT_TEST(million_a_streamed)
{
	/* one million 'a', fed in odd-sized pieces so partial blocks are exercised */
	char chunk[997];
	struct ward_sha256 c;
	uint8_t d[WARD_SHA256_LEN];
	char hex[WARD_SHA256_HEX_LEN];
	size_t left = 1000000;

	memset(chunk, 'a', sizeof(chunk));
	ward_sha256_init(&c);
	while (left) {
		size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
		ward_sha256_update(&c, chunk, n);
		left -= n;
	}
	ward_sha256_final(&c, d);
	ward_sha256_hex(d, hex);
	CHECK_EQ_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

UNIT_TEST(padding_boundaries)
{
	/* lengths around 56 and 64 bytes, where the length field spills into a new block */
	static const struct { size_t n; const char *hex; } v[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
		{ 65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0" },
		{ 119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb" },
		{ 120, "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c" },
	};
	char a[120], hex[WARD_SHA256_HEX_LEN];

	memset(a, 'a', sizeof(a));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		hex_of(a, v[i].n, hex);
		if (!CHECK_EQ_STR(hex, v[i].hex))
			fprintf(stderr, "    length %zu\n", v[i].n);
	}
}

UNIT_TEST(every_split_matches_one_shot)
{
	static const char m[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
				"hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	size_t n = strlen(m);
	char one[WARD_SHA256_HEX_LEN], hex[WARD_SHA256_HEX_LEN];

	hex_of(m, n, one);
	for (size_t split = 0; split <= n; split++) {
		struct ward_sha256 c;
		uint8_t d[WARD_SHA256_LEN];
		ward_sha256_init(&c);
		ward_sha256_update(&c, m, split);
		ward_sha256_update(&c, m + split, n - split);
		ward_sha256_final(&c, d);
		ward_sha256_hex(d, hex);
		if (!CHECK_EQ_STR(hex, one))
			fprintf(stderr, "    split at %zu\n", split);
	}
}

UNIT_MAIN()
