// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "cause.h"

static const struct {
	const char *name;
	const char *summary;
} causes[CAUSE__COUNT] = {
	[CAUSE_UPSTREAM_REFUSED] = {"upstream_refused",
				    "connection refused: nothing listens on the upstream port"},
	[CAUSE_UPSTREAM_SOCKET_MISSING] = {"upstream_socket_missing",
					   "the upstream unix socket does not exist"},
	[CAUSE_UPSTREAM_SOCKET_PERMISSION] =
		{"upstream_socket_permission",
		 "nginx workers may not connect to the upstream unix socket"},
	[CAUSE_UPSTREAM_SOCKET_STALE] = {"upstream_socket_stale",
					 "the unix socket file exists but nothing listens on it"},
	[CAUSE_UPSTREAM_BACKLOG_FULL] =
		{"upstream_backlog_full",
		 "the upstream's listen queue is full: the backend is saturated"},
	[CAUSE_UPSTREAM_CONNECT_DENIED] =
		{"upstream_connect_denied",
		 "the connect was denied by policy (LSM, cgroup BPF, firewall)"},
	[CAUSE_UPSTREAM_UNREACHABLE] = {"upstream_unreachable",
					"no route to the upstream host or network"},
	[CAUSE_UPSTREAM_CONNECT_TIMEOUT] =
		{"upstream_connect_timeout",
		 "the upstream never answered the connection attempt (SYN)"},
	[CAUSE_LOCAL_PORTS_EXHAUSTED] = {"local_ports_exhausted",
					 "no free local port to connect from"},
	[CAUSE_FD_EXHAUSTED] = {"fd_exhausted", "the nginx worker ran out of file descriptors"},
	[CAUSE_UPSTREAM_RESET] = {"upstream_reset", "the upstream reset an established connection"},
	[CAUSE_UPSTREAM_PREMATURE_CLOSE] =
		{"upstream_premature_close",
		 "the upstream closed the connection before a complete response header"},
	[CAUSE_BACKEND_KILLED] = {"backend_killed",
				  "the backend process serving the request was killed by a signal"},
	[CAUSE_UPSTREAM_READ_TIMEOUT] =
		{"upstream_read_timeout",
		 "the upstream accepted the request but did not answer in time"},
	[CAUSE_UPSTREAM_HEADER_TOO_BIG] =
		{"upstream_header_too_big",
		 "the upstream's response header is larger than nginx's buffer"},
	[CAUSE_UPSTREAM_INVALID_HEADER] = {"upstream_invalid_header",
					   "the upstream sent an invalid response header"},
	[CAUSE_NO_LIVE_UPSTREAMS] = {"no_live_upstreams",
				     "every server of the upstream group is marked down"},
	[CAUSE_UPSTREAM_UNRESOLVED] = {"upstream_unresolved",
				       "the upstream host name could not be resolved"},
	[CAUSE_UPSTREAM_SSL_FAILED] = {"upstream_ssl_failed",
				       "the TLS handshake with the upstream failed"},
	[CAUSE_UNKNOWN] = {"unknown",
			   "a request ended with 502/504 for a reason outside the catalogue"},
};

const char *cause__name(enum cause c)
{
	if (c <= CAUSE_NONE || c >= CAUSE__COUNT)
		return NULL;
	return causes[c].name;
}

const char *cause__summary(enum cause c)
{
	if (c <= CAUSE_NONE || c >= CAUSE__COUNT)
		return NULL;
	return causes[c].summary;
}

enum cause cause__from_name(const char *name)
{
	int c;

	if (!name)
		return CAUSE_NONE;
	for (c = CAUSE_NONE + 1; c < CAUSE__COUNT; c++)
		if (!strcmp(causes[c].name, name))
			return c;
	return CAUSE_NONE;
}
