/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nginx error-log lines: the parser and the log-side cause rules.
 *
 * A line is
 *	TIME " [" LEVEL "] " PID "#" TID ": " ["*" CONN " "] MESSAGE [" (" ERRNO ": " TEXT ")"]
 *	[" while " ACTION] [", client: " ... ", server: " ... [", request: \"...\""] ...]
 * (docs/messages.md §1). The context is found from the right because
 * the message may itself contain ", client: "; client-controlled quoted fields may
 * contain anything, so every field is copied bounded and byte for byte.
 */
#ifndef __LOGPARSE_H
#define __LOGPARSE_H

#include <stddef.h>
#include "cause.h"

#define NGXLOG_FIELD_MAX 512

enum ngx_log_level {
	NGXLOG_UNKNOWN = 0,
	NGXLOG_EMERG = 1,
	NGXLOG_ALERT,
	NGXLOG_CRIT,
	NGXLOG_ERR,
	NGXLOG_WARN,
	NGXLOG_NOTICE,
	NGXLOG_INFO,
	NGXLOG_DEBUG,
};

struct ngx_log_line {
	int year, mon, day, hour, min, sec; /* nginx local time */
	int level;			    /* enum ngx_log_level */
	unsigned int pid, tid;
	unsigned long long conn; /* "*N", 0 if absent */
	int err;		 /* number from " (N: text)", 0 if none */
	char errtext[96];
	char message[NGXLOG_FIELD_MAX]; /* without errno suffix and context */
	char action[96];		/* the phrase after " while ", "" if none */
	char client[96], server[256], request[NGXLOG_FIELD_MAX], subrequest[NGXLOG_FIELD_MAX];
	char upstream[NGXLOG_FIELD_MAX], host[256], referrer[NGXLOG_FIELD_MAX];
	/*
	 * Address named inside the message: "unix:/x.sock" / "127.0.0.1:8080" from
	 * "connect() to X failed", the name from "X could not be resolved",
	 * "host not found in upstream \"X\"", "no resolver defined to resolve X".
	 */
	char target[NGXLOG_FIELD_MAX];
	char resolver[96]; /* ", resolver: X" of the resolver's own lines */
	int truncated;	   /* a field was cut to fit, or the line had no end */
};

/*
 * Parse one line (up to the first '\n'; a trailing "\r" is dropped). Any bytes are
 * accepted; fields are cut to their size and truncated is set. 0, or -EINVAL when
 * buf does not start with an nginx error-log header.
 */
int ngx_log_line__parse(const char *buf, size_t len, struct ngx_log_line *out);
/* The PID of a line ("2024/01/02 03:04:05 [error] 7#7: ..."), 0 if none; reads len bytes only. */
int logparse__pid(const char *line, size_t len);

/*
 * The cause this line names (docs/DESIGN.md §4), or CAUSE_NONE when it is not an
 * upstream failure that ends a request with 502/504/500 (client-side lines, warn and
 * lower levels, "FastCGI sent in stderr", WebSocket tunnels...). Other upstream
 * failures are CAUSE_UNKNOWN.
 */
enum cause ngx_log_line__cause(const struct ngx_log_line *l);

/* The status nginx finalizes with if this was the last try: 502, 504, 500, or 0. */
int ngx_log_line__status(const struct ngx_log_line *l);

/*
 * 1 when the failure happened after the response header went to the client
 * ("while reading upstream"): the client got a truncated response, and the
 * access log keeps the upstream's status.
 */
int ngx_log_line__body_phase(const struct ngx_log_line *l);

/*
 * Upstream key in canonical form: "127.0.0.1:9000", "[::1]:9000",
 * "unix:/run/php/php8.2-fpm.sock", or a group name ("backend"). From the upstream
 * field (schema, URI and the unix ':' separator stripped), else from target.
 * Writes "" when there is none. Returns buf.
 */
const char *ngx_log_line__upstream(const struct ngx_log_line *l, char *buf, size_t size);

/* "error" -> NGXLOG_ERR; NGXLOG_UNKNOWN when not a level word. */
int ngx_log_level__from_name(const char *s, size_t len);
/* NGXLOG_ERR -> "error"; NULL when out of range. */
const char *ngx_log_level__name(int level);

#endif /* __LOGPARSE_H */
