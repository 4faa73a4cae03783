// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include "unit.h"
#include "../../user/upstream.h"

/* Parse key, check it formats back to itself. */
static void round_trip(const char *key, int family, const char *host, int port)
{
	struct upstream_key k;
	char buf[UPSTREAM_KEY_MAX];

	CHECK_INT(upstream__parse(key, &k), 0);
	CHECK_INT(k.family, family);
	CHECK_STR(k.host, host);
	CHECK_INT(k.port, port);
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), 0);
	CHECK_STR(buf, key);
}

UNIT_TEST(ipv4)
{
	struct upstream_key k;
	unsigned char want[4] = {127, 0, 0, 1};

	round_trip("127.0.0.1:9000", AF_INET, "127.0.0.1", 9000);
	CHECK_INT(upstream__parse("127.0.0.1:9000", &k), 0);
	CHECK(!memcmp(k.addr, want, 4), "address not in network order");
	round_trip("10.0.0.5:1", AF_INET, "10.0.0.5", 1);
	round_trip("10.0.0.5:65535", AF_INET, "10.0.0.5", 65535);
	/* leading zeros of a port as nginx and php-fpm read them */
	CHECK_INT(upstream__parse("10.0.0.5:080", &k), 0);
	CHECK_INT(k.port, 80);
}

UNIT_TEST(ipv6_in_brackets)
{
	struct upstream_key k;

	round_trip("[::1]:9000", AF_INET6, "::1", 9000);
	CHECK_INT(upstream__parse("[::1]:9000", &k), 0);
	CHECK_INT(k.addr[15], 1);
	round_trip("[2001:db8::5]:443", AF_INET6, "2001:db8::5", 443);
	round_trip("[::]:9002", AF_INET6, "::", 9002);
	/* without brackets the port cannot be told from the address */
	CHECK_INT(upstream__parse("::1:9000", &k), -EINVAL);
	CHECK_INT(upstream__parse("2001:db8::5:443", &k), -EINVAL);
	/* brackets hold an IPv6 address and nothing else */
	CHECK_INT(upstream__parse("[10.0.0.1]:80", &k), -EINVAL);
	CHECK_INT(upstream__parse("[backend]:80", &k), -EINVAL);
	CHECK_INT(upstream__parse("[]:80", &k), -EINVAL);
}

UNIT_TEST(names)
{
	round_trip("localhost:80", 0, "localhost", 80);
	round_trip("backend.internal:8080", 0, "backend.internal", 8080);
	round_trip("*:9000", 0, "*", 9000);
	/* as written: matching decides about case */
	round_trip("LocalHost:80", 0, "LocalHost", 80);
}

UNIT_TEST(unix_paths)
{
	struct upstream_key k;
	char buf[UPSTREAM_KEY_MAX], path[UPSTREAM_PATH_MAX + 16];

	CHECK_INT(upstream__parse("unix:/run/php/php8.2-fpm.sock", &k), 0);
	CHECK_INT(k.family, AF_UNIX);
	CHECK_STR(k.path, "/run/php/php8.2-fpm.sock");
	CHECK_STR(k.host, "");
	CHECK_INT(k.port, 0);
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "unix:/run/php/php8.2-fpm.sock");
	/* a path is taken whole: ':' and all */
	CHECK_INT(upstream__parse("unix:/tmp/a:b.sock", &k), 0);
	CHECK_STR(k.path, "/tmp/a:b.sock");
	CHECK(upstream__is_unix("unix:/x"), "unix:/x is a unix key");
	CHECK(!upstream__is_unix("127.0.0.1:80"), "a TCP key is not unix");
	CHECK(!upstream__is_unix(NULL), "NULL is not unix");
	/* the longest path a sockaddr_un holds, and one byte more */
	memcpy(path, "unix:", 5);
	memset(path + 5, 'a', UPSTREAM_PATH_MAX);
	path[5 + UPSTREAM_PATH_MAX] = '\0';
	CHECK_INT(upstream__parse(path, &k), 0);
	CHECK_INT(strlen(k.path), UPSTREAM_PATH_MAX);
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), 0);
	CHECK_STR(buf, path);
	path[5 + UPSTREAM_PATH_MAX] = 'a';
	path[6 + UPSTREAM_PATH_MAX] = '\0';
	CHECK_INT(upstream__parse(path, &k), -EINVAL);
}

UNIT_TEST(missing_port)
{
	static const char *const keys[] = {
		"127.0.0.1", "127.0.0.1:", "[::1]", "[::1]:", "backend", "localhost:",
	};
	struct upstream_key k;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK(upstream__parse(keys[i], &k) == -EINVAL, "\"%s\" parsed", keys[i]);
}

UNIT_TEST(garbage)
{
	static const char *const keys[] = {
		"",
		":",
		":80",
		"unix:",
		"127.0.0.1:0",
		"127.0.0.1:65536",
		"127.0.0.1:99999999999999999999",
		"127.0.0.1:+80",
		"127.0.0.1: 80",
		"127.0.0.1:80 ",
		"127.0.0.1:80x",
		"x:9000x",
		"127.0.0.1:9000:1",
		"a:b:80",
		"[::1:80",
		"::1]:80",
		"a]b:80",
		"[[::1]]:80",
	};
	struct upstream_key k;
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		memset(&k, 0x55, sizeof(k));
		CHECK(upstream__parse(keys[i], &k) == -EINVAL, "\"%s\" parsed", keys[i]);
		CHECK(k.family == 0 && k.port == 0 && !k.host[0] && !k.path[0],
		      "\"%s\": out not zeroed", keys[i]);
	}
	CHECK_INT(upstream__parse(NULL, &k), -EINVAL);
	CHECK_INT(upstream__parse("1.2.3.4:80", NULL), -EINVAL);
	/* a NUL inside the counted bytes is not part of any key */
	CHECK_INT(upstream__parse_n("1.2.3.4:80\0", 11, &k), -EINVAL);
	CHECK_INT(upstream__parse_n("unix:/x\0y", 9, &k), -EINVAL);
}

UNIT_TEST(overlong)
{
	char key[UPSTREAM_HOST_MAX + 16];
	struct upstream_key k;

	/* the longest name, then one byte more */
	memset(key, 'h', UPSTREAM_HOST_MAX - 1);
	strcpy(key + UPSTREAM_HOST_MAX - 1, ":80");
	CHECK_INT(upstream__parse(key, &k), 0);
	CHECK_INT(strlen(k.host), UPSTREAM_HOST_MAX - 1);
	memset(key, 'h', UPSTREAM_HOST_MAX);
	strcpy(key + UPSTREAM_HOST_MAX, ":80");
	CHECK_INT(upstream__parse(key, &k), -EINVAL);
}

UNIT_TEST(parse_n_reads_only_len)
{
	static const char url[] = "127.0.0.1:8080/index.php";
	struct upstream_key k;

	CHECK_INT(upstream__parse_n(url, 14, &k), 0);
	CHECK_INT(k.port, 8080);
	CHECK_INT(upstream__parse_n("unix:/a.sock:/uri", 12, &k), 0);
	CHECK_STR(k.path, "/a.sock");
}

UNIT_TEST(set_host)
{
	struct upstream_key k = {.port = 80};

	CHECK_INT(upstream__set_host(&k, "::1", 3), 0);
	CHECK_INT(k.family, AF_INET6);
	CHECK_INT(k.port, 80);
	CHECK_INT(upstream__set_host(&k, "10.1.2.3x", 8), 0);
	CHECK_INT(k.family, AF_INET);
	CHECK_STR(k.host, "10.1.2.3");
	CHECK_INT(upstream__set_host(&k, "web", 3), 0);
	CHECK_INT(k.family, 0);
	CHECK(!memcmp(k.addr, (unsigned char[16]){0}, 16), "addr of a name not cleared");
	CHECK_INT(upstream__set_host(&k, "", 0), -EINVAL);
	CHECK_INT(upstream__set_host(&k, "a:b", 3), -EINVAL);
	CHECK_INT(upstream__set_host(&k, "[::1]", 5), -EINVAL);
}

UNIT_TEST(format_from_addresses)
{
	struct upstream_key k = {.family = AF_INET, .port = 9000};
	char buf[UPSTREAM_KEY_MAX], small[8];

	inet_pton(AF_INET, "192.168.1.2", k.addr);
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "192.168.1.2:9000");
	k.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:0:0::7", k.addr);
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), 0);
	CHECK_STR(buf, "[2001:db8::7]:9000");
	CHECK_INT(upstream__format(&k, small, sizeof(small)), -ERANGE);
	CHECK_INT(strlen(small), sizeof(small) - 1);
	k.family = 0;
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), -EINVAL);
	CHECK_STR(buf, "");
	k.family = 99;
	CHECK_INT(upstream__format(&k, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(upstream__format(NULL, buf, sizeof(buf)), -EINVAL);
	CHECK_INT(upstream__format(&k, NULL, 0), -EINVAL);
}

int main(void)
{
	return unit_main();
}
