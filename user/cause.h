/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The fixed cause catalogue of docs/DESIGN.md §4. Names are the contract. */
#ifndef __CAUSE_H
#define __CAUSE_H

enum cause {
	CAUSE_NONE = 0,
	CAUSE_UPSTREAM_REFUSED,
	CAUSE_UPSTREAM_SOCKET_MISSING,
	CAUSE_UPSTREAM_SOCKET_PERMISSION,
	CAUSE_UPSTREAM_SOCKET_STALE,
	CAUSE_UPSTREAM_BACKLOG_FULL,
	CAUSE_UPSTREAM_CONNECT_DENIED,
	CAUSE_UPSTREAM_UNREACHABLE,
	CAUSE_UPSTREAM_CONNECT_TIMEOUT,
	CAUSE_LOCAL_PORTS_EXHAUSTED,
	CAUSE_FD_EXHAUSTED,
	CAUSE_UPSTREAM_RESET,
	CAUSE_UPSTREAM_PREMATURE_CLOSE,
	CAUSE_BACKEND_KILLED,
	CAUSE_UPSTREAM_READ_TIMEOUT,
	CAUSE_UPSTREAM_HEADER_TOO_BIG,
	CAUSE_UPSTREAM_INVALID_HEADER,
	CAUSE_NO_LIVE_UPSTREAMS,
	CAUSE_UPSTREAM_UNRESOLVED,
	CAUSE_UPSTREAM_SSL_FAILED,
	CAUSE_UNKNOWN,
	CAUSE__COUNT
};

/* "upstream_refused" etc.; NULL for CAUSE_NONE and out-of-range values. */
const char *cause__name(enum cause c);
/* One line in plain words: "nothing listens on the upstream port". */
const char *cause__summary(enum cause c);
/* CAUSE_NONE when the name is not in the catalogue. */
enum cause cause__from_name(const char *name);

#endif /* __CAUSE_H */
