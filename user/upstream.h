/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Upstream keys: the one text form of an upstream that the tool prints and
 * matches on, "127.0.0.1:9000", "[::1]:9000", "localhost:9000" or
 * "unix:/run/php/php8.2-fpm.sock". An IPv6 address is always in brackets, a
 * port is always given, a unix path is taken as it is (':' included).
 *
 * Only the key itself is parsed here: nginx's *_pass URLs
 * ("[scheme://]host[:port][/uri]") and php-fpm's listen values ("9000",
 * "::1:9000") are split by their own readers, which hand the key-shaped
 * part to this module.
 */
#ifndef __UPSTREAM_H
#define __UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>

#define UPSTREAM_HOST_MAX 256 /* a host name, with its NUL */
#define UPSTREAM_PATH_MAX 108 /* sizeof(sun_path): a path may fill it, no NUL */
/* The longest key, with its NUL: a host name and ":65535". */
#define UPSTREAM_KEY_MAX (UPSTREAM_HOST_MAX + 6)

struct upstream_key {
	int family;		      /* AF_INET, AF_INET6, AF_UNIX; 0 for a host name */
	int port;		      /* 1..65535; 0 for unix */
	unsigned char addr[16];	      /* AF_INET/AF_INET6: network order, IPv4 in the first 4 */
	char host[UPSTREAM_HOST_MAX]; /* as written, without brackets; "" when only addr is set */
	char path[UPSTREAM_PATH_MAX + 1]; /* AF_UNIX: the socket path */
};

/*
 * Parse a key: "host:port", "[v6]:port" or "unix:PATH". The host is an IPv4
 * address, an IPv6 address in brackets, or a name ("localhost", "*"); the
 * port is decimal, 1..65535. 0, or -EINVAL (out zeroed) for anything else:
 * no port, an empty host or path, a host or path too long, an IPv6 address
 * without brackets.
 */
int upstream__parse(const char *key, struct upstream_key *out);
/* The same, from the first len bytes of s (no NUL needed). */
int upstream__parse_n(const char *s, size_t len, struct upstream_key *out);
/*
 * Set the host of k from len bytes of host, without brackets: family and
 * addr for a numeric address, family 0 for a name. Port and path are left
 * alone. 0, or -EINVAL when it is empty, too long, holds '[' or ']', or holds
 * ':' and is no IPv6 address.
 */
int upstream__set_host(struct upstream_key *k, const char *host, size_t len);
/*
 * The key of k into buf: "unix:PATH", "[HOST]:PORT" for IPv6, else
 * "HOST:PORT"; HOST is k->host when set, else addr as inet_ntop writes it.
 * The port is printed as given. 0, -ERANGE when buf is too small (the key is
 * cut), -EINVAL for an unknown family or a name without host (buf "").
 */
int upstream__format(const struct upstream_key *k, char *buf, size_t size);
/* Does key name a unix socket ("unix:...")? */
bool upstream__is_unix(const char *key);

#endif /* __UPSTREAM_H */
