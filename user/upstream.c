// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "upstream.h"

/* Decimal digits only, 1..65535 (leading zeros are nginx's and php-fpm's "080" too). */
static int parse_port(const char *s, size_t len)
{
	long v = 0;
	size_t i;

	if (!len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0');
		if (v > 65535)
			return -EINVAL;
	}
	return v ? (int)v : -EINVAL;
}

int upstream__set_host(struct upstream_key *k, const char *host, size_t len)
{
	if (!k || !host || !len || len >= sizeof(k->host) || memchr(host, '\0', len) ||
	    memchr(host, '[', len) || memchr(host, ']', len))
		return -EINVAL;
	memcpy(k->host, host, len);
	k->host[len] = '\0';
	memset(k->addr, 0, sizeof(k->addr));
	if (inet_pton(AF_INET, k->host, k->addr) == 1) {
		k->family = AF_INET;
	} else if (inet_pton(AF_INET6, k->host, k->addr) == 1) {
		k->family = AF_INET6;
	} else if (memchr(host, ':', len)) {
		k->host[0] = '\0';
		return -EINVAL;
	} else {
		k->family = 0;
	}
	return 0;
}

int upstream__parse_n(const char *s, size_t len, struct upstream_key *out)
{
	const char *colon, *h;
	size_t hlen;
	int port, bracketed;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!s || memchr(s, '\0', len))
		return -EINVAL;
	if (len >= 5 && !memcmp(s, "unix:", 5)) {
		if (len == 5 || len - 5 > UPSTREAM_PATH_MAX)
			return -EINVAL;
		memcpy(out->path, s + 5, len - 5);
		out->family = AF_UNIX;
		return 0;
	}
	/* the port follows the last ':', which is never inside brackets */
	colon = memrchr(s, ':', len);
	if (!colon)
		return -EINVAL;
	port = parse_port(colon + 1, s + len - colon - 1);
	h = s;
	hlen = colon - s;
	bracketed = hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']';
	if (bracketed) {
		h++;
		hlen -= 2;
	} else if (memchr(h, ':', hlen)) {
		return -EINVAL; /* an IPv6 address without brackets */
	}
	if (port < 0 || upstream__set_host(out, h, hlen) ||
	    (bracketed && out->family != AF_INET6)) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	out->port = port;
	return 0;
}

int upstream__parse(const char *key, struct upstream_key *out)
{
	if (!key) {
		if (out)
			memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	return upstream__parse_n(key, strlen(key), out);
}

int upstream__format(const struct upstream_key *k, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];
	const char *host;
	int n;

	if (!buf || !size)
		return -EINVAL;
	buf[0] = '\0';
	if (!k)
		return -EINVAL;
	host = k->host;
	if (!host[0] && (k->family == AF_INET || k->family == AF_INET6) &&
	    !(host = inet_ntop(k->family, k->addr, ip, sizeof(ip))))
		return -EINVAL;
	switch (k->family) {
	case AF_UNIX:
		n = snprintf(buf, size, "unix:%.*s", UPSTREAM_PATH_MAX, k->path);
		break;
	case AF_INET6:
		n = snprintf(buf, size, "[%s]:%d", host, k->port);
		break;
	case AF_INET:
	case 0:
		if (!host[0])
			return -EINVAL;
		n = snprintf(buf, size, "%s:%d", host, k->port);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= size ? -ERANGE : 0;
}

bool upstream__is_unix(const char *key)
{
	return key && !strncmp(key, "unix:", 5);
}
