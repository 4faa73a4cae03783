// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nginx error-log parser. Everything works on [b, e) byte ranges: a line may
 * hold NULs, control bytes and invalid UTF-8, and it may be cut anywhere, so
 * nothing here relies on a terminator and every copy is bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "logparse.h"

#define STRLEN(s) (sizeof(s) - 1)
/* has_prefix() with a string literal. */
#define HAS(b, e, lit) has_prefix(b, e, lit, STRLEN(lit))

/* How many ", client: " candidates are checked; bounds the work on hostile lines. */
#define CTX_TRIES 256
/* strerror() texts are short; do not scan a long message for an errno suffix. */
#define ERRTEXT_SCAN 128

static const char *const level_names[] = {
	[NGXLOG_EMERG] = "emerg", [NGXLOG_ALERT] = "alert", [NGXLOG_CRIT] = "crit",
	[NGXLOG_ERR] = "error",	  [NGXLOG_WARN] = "warn",   [NGXLOG_NOTICE] = "notice",
	[NGXLOG_INFO] = "info",	  [NGXLOG_DEBUG] = "debug",
};

/* Quoted context fields, in the order ngx_http_log_error_handler() writes them. */
enum { KEY_REQUEST, KEY_SUBREQUEST, KEY_UPSTREAM, KEY_HOST, KEY_REFERRER, KEY__COUNT };
static const char *const ctx_keys[KEY__COUNT] = {
	", request: \"", ", subrequest: \"", ", upstream: \"", ", host: \"", ", referrer: \"",
};

/* log->action values nginx sets on the upstream side of a request. */
static const char *const upstream_actions[] = {
	"connecting to upstream",
	"SSL handshaking to upstream",
	"sending request to upstream",
	"reading response header from upstream",
	"reading upstream",
};

/* Every other action nginx sets (docs/messages.md §3). */
static const char *const other_actions[] = {
	"sending to client",
	"proxying upgraded connection",
	"sending early hints to client",
	"resolving",
	"waiting for request",
	"reading client request line",
	"reading client request headers",
	"SSL handshaking",
	"reading PROXY protocol",
	"keepalive",
	"closing request",
	"logging request",
	"processing HTTP/2 connection",
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

int ngx_log_level__from_name(const char *s, size_t len)
{
	int i;

	if (!s)
		return NGXLOG_UNKNOWN;
	for (i = NGXLOG_EMERG; i <= NGXLOG_DEBUG; i++)
		if (strlen(level_names[i]) == len && !memcmp(level_names[i], s, len))
			return i;
	return NGXLOG_UNKNOWN;
}

const char *ngx_log_level__name(int level)
{
	if (level < NGXLOG_EMERG || level > NGXLOG_DEBUG)
		return NULL;
	return level_names[level];
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int has_prefix(const char *b, const char *e, const char *pfx, size_t n)
{
	return b <= e && (size_t)(e - b) >= n && !memcmp(b, pfx, n);
}

/* The line ends inside pfx: what is left is a non-empty proper prefix of it. */
static int is_cut_prefix(const char *b, const char *e, const char *pfx, size_t n)
{
	return b < e && (size_t)(e - b) < n && !memcmp(b, pfx, e - b);
}

static const char *find(const char *b, const char *e, const char *needle, size_t n)
{
	if (b >= e)
		return NULL;
	return memmem(b, e - b, needle, n);
}

/* Last occurrence of needle lying wholly inside [b, e). */
static const char *rfind(const char *b, const char *e, const char *needle, size_t n)
{
	const char *p;

	if (b > e || (size_t)(e - b) < n)
		return NULL;
	for (p = e - n; p >= b; p--)
		if (*p == *needle && !memcmp(p, needle, n))
			return p;
	return NULL;
}

static void copy(char *dst, size_t size, const char *b, const char *e, int *truncated)
{
	size_t n = e > b ? (size_t)(e - b) : 0;

	if (n >= size) {
		n = size - 1;
		*truncated = 1;
	}
	memcpy(dst, b, n);
	dst[n] = '\0';
}

/* 1..maxdig decimal digits not above max; returns the byte after them or NULL. */
static const char *parse_num(const char *p, const char *e, int maxdig, unsigned long long max,
			     unsigned long long *v)
{
	const char *s = p;

	*v = 0;
	for (; p < e && is_digit(*p) && p - s < maxdig; p++) {
		if (*v > (max - (*p - '0')) / 10)
			return NULL;
		*v = *v * 10 + (*p - '0');
	}
	if (p == s || (p < e && is_digit(*p)))
		return NULL;
	return p;
}

/* n digits at p, or -1. */
static int fixed_num(const char *p, int n)
{
	int v = 0;

	while (n--) {
		if (!is_digit(*p))
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* "YYYY/MM/DD HH:MM:SS [level] PID#TID: [*CONN ]"; returns where the message starts. */
static const char *parse_header(const char *p, const char *e, struct ngx_log_line *l)
{
	const char *s;
	unsigned long long v;

	if (e - p < 21 || p[4] != '/' || p[7] != '/' || p[10] != ' ' || p[13] != ':' ||
	    p[16] != ':' || p[19] != ' ' || p[20] != '[')
		return NULL;
	l->year = fixed_num(p, 4);
	l->mon = fixed_num(p + 5, 2);
	l->day = fixed_num(p + 8, 2);
	l->hour = fixed_num(p + 11, 2);
	l->min = fixed_num(p + 14, 2);
	l->sec = fixed_num(p + 17, 2);
	if (l->year < 0 || l->mon < 1 || l->mon > 12 || l->day < 1 || l->day > 31 || l->hour < 0 ||
	    l->hour > 23 || l->min < 0 || l->min > 59 || l->sec < 0 || l->sec > 60)
		return NULL;
	p += 21;

	s = memchr(p, ']', e - p < 8 ? e - p : 8);
	if (!s || !(l->level = ngx_log_level__from_name(p, s - p)))
		return NULL;
	p = s + 1;
	if (!HAS(p, e, " "))
		return NULL;
	if (!(p = parse_num(p + 1, e, 10, UINT_MAX, &v)) || p == e || *p != '#')
		return NULL;
	l->pid = v;
	if (!(p = parse_num(p + 1, e, 10, UINT_MAX, &v)) || p == e || *p != ':')
		return NULL;
	l->tid = v;
	p++;
	if (p == e)
		return p;
	if (*p++ != ' ')
		return NULL;
	if (p < e && *p == '*') {
		s = parse_num(p + 1, e, 20, ULLONG_MAX, &v);
		if (s && s < e && *s == ' ') {
			l->conn = v;
			p = s + 1;
		}
	}
	return p;
}

/* " (N: text)" at the very end of [b, e); returns where it starts or NULL. */
static const char *errno_suffix(const char *b, const char *e, int *err, const char **tb)
{
	const char *o, *p, *lo = e - b > ERRTEXT_SCAN ? e - ERRTEXT_SCAN : b;
	unsigned long long v;

	if (e - b < 6 || e[-1] != ')')
		return NULL;
	/* strerror() texts hold no parentheses, so the last '(' opens the suffix. */
	for (o = e - 2; o > lo && *o != '(' && *o != ')'; o--)
		;
	if (o <= b || *o != '(' || o[-1] != ' ')
		return NULL;
	p = parse_num(o + 1, e, 5, 99999, &v);
	if (!p || !HAS(p, e - 1, ": "))
		return NULL;
	*err = v;
	*tb = p + 2;
	return o - 1;
}

static int in_list(const char *b, const char *e, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(list[i]) == (size_t)(e - b) && !memcmp(list[i], b, e - b))
			return 1;
	return 0;
}

static int known_action(const char *b, const char *e)
{
	return in_list(b, e, upstream_actions, ARRAY_SIZE(upstream_actions)) ||
	       in_list(b, e, other_actions, ARRAY_SIZE(other_actions));
}

/* An action phrase is a few plain words; anything else is text of the message. */
static int action_shaped(const char *b, const char *e)
{
	if (b >= e || e - b >= 96)
		return 0;
	for (; b < e; b++)
		if (!((*b >= 'a' && *b <= 'z') || (*b >= 'A' && *b <= 'Z') || is_digit(*b) ||
		      *b == ' ' || *b == '/' || *b == '-' || *b == '_'))
			return 0;
	return 1;
}

/*
 * How sure we are that a context starts at p: 2 after a known " while ACTION",
 * 1 after an errno suffix (resolver lines have no action), else 0.
 */
static int anchor_score(const char *b, const char *p)
{
	const char *w = rfind(p - b > 128 ? p - 128 : b, p, " while ", 7);
	const char *tb;
	int err;

	if (w && known_action(w + 7, p))
		return 2;
	return errno_suffix(b, p, &err, &tb) != NULL;
}

/* Index (>= from) of the context key that starts at p; -1 none; -2 the line ends inside one. */
static int key_at(const char *p, const char *e, int from)
{
	int k;

	for (k = from; k < KEY__COUNT; k++) {
		size_t n = strlen(ctx_keys[k]);

		if (has_prefix(p, e, ctx_keys[k], n))
			return k;
		if (is_cut_prefix(p, e, ctx_keys[k], n))
			return -2;
	}
	return -1;
}

struct ctx {
	const char *client_b, *client_e, *server_b, *server_e, *after;
	int cut;
};

static int client_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' ||
	       c == ':' || c == '%' || c == '[' || c == ']' || c == '-' || c == '_';
}

/*
 * ", client: ADDR, server: NAME" then the end or a quoted key. The address is
 * c->addr_text and the name comes from the config, so neither holds ',' or '"':
 * that is what tells a real context from one a client typed into its request.
 */
static int ctx_head(const char *p, const char *e, struct ctx *c)
{
	memset(c, 0, sizeof(*c));
	p += STRLEN(", client: ");
	c->client_b = p;
	while (p < e && *p != ',')
		if (!client_char(*p++))
			return 0;
	if (p == c->client_b || p - c->client_b >= 96)
		return 0;
	c->client_e = c->server_b = c->server_e = c->after = p;
	if (p == e || is_cut_prefix(p, e, ", server: ", STRLEN(", server: "))) {
		c->cut = 1;
		c->after = e;
		return 1;
	}
	if (!HAS(p, e, ", server: "))
		return 0;
	c->server_b = p += STRLEN(", server: ");
	while (p < e && *p != ',')
		if (*p++ == '"')
			return 0;
	c->server_e = c->after = p;
	return p == e || key_at(p, e, 0) != -1;
}

static const char *find_context(const char *b, const char *e, struct ctx *best)
{
	const char *p = e, *found = NULL;
	int tries, score, best_score = -1;
	struct ctx c;

	/* The rightmost well-formed one of the best anchor score. */
	for (tries = 0; tries < CTX_TRIES && best_score < 2; tries++) {
		p = rfind(b, p, ", client: ", STRLEN(", client: "));
		if (!p)
			break;
		if (!ctx_head(p, e, &c))
			continue;
		score = anchor_score(b, p);
		if (score > best_score) {
			best_score = score;
			found = p;
			*best = c;
		}
	}
	return found;
}

static int ends_with_http_version(const char *b, const char *q)
{
	return q - b >= 9 && !memcmp(q - 9, " HTTP/", 6) && is_digit(q[-3]) && q[-2] == '.' &&
	       is_digit(q[-1]);
}

/*
 * End of a quoted value starting at vb: a '"' followed by the end of the line or by
 * a later key. The first such quote wins, except that a request line should end in
 * " HTTP/x.y" (a client can put '"' and ", host: \"" in its URI). *next is where the
 * following key starts (or e); *cut is set when the line stops inside the field.
 */
static const char *field_end(const char *vb, const char *e, int k, const char **next, int *cut)
{
	const char *q, *first = NULL;
	int j, first_j = 0;

	for (q = vb; q < e && (q = memchr(q, '"', e - q)); q++) {
		j = q + 1 == e ? KEY__COUNT : key_at(q + 1, e, k + 1);
		if (j == -1)
			continue;
		if (k != KEY_REQUEST || ends_with_http_version(vb, q)) {
			first = q;
			first_j = j;
			break;
		}
		if (!first) {
			first = q;
			first_j = j;
		}
		/* No quote can follow the end of the line or a cut key. */
		if (j < 0 || j == KEY__COUNT)
			break;
	}
	if (!first) {
		*next = e;
		*cut = 1;
		return e;
	}
	*next = first_j == -2 ? e : first + 1;
	*cut = first_j == -2;
	return first;
}

static void parse_fields(const char *p, const char *e, struct ngx_log_line *l)
{
	struct {
		char *dst;
		size_t size;
	} f[KEY__COUNT] = {
		{l->request, sizeof(l->request)},   {l->subrequest, sizeof(l->subrequest)},
		{l->upstream, sizeof(l->upstream)}, {l->host, sizeof(l->host)},
		{l->referrer, sizeof(l->referrer)},
	};
	const char *vb, *ve, *next;
	int k = 0, cut;

	while (p < e) {
		k = key_at(p, e, k);
		if (k < 0) {
			l->truncated = 1;
			return;
		}
		vb = p + strlen(ctx_keys[k]);
		ve = field_end(vb, e, k, &next, &cut);
		copy(f[k].dst, f[k].size, vb, ve, &l->truncated);
		if (cut)
			l->truncated = 1;
		p = next;
		k++;
	}
}

/* The address or name the message itself points at. */
static void parse_target(const char *b, const char *e, struct ngx_log_line *l)
{
	const char *p, *q;

	if (HAS(b, e, "connect() to ") && (q = find(b, e, " failed", STRLEN(" failed")))) {
		p = b + STRLEN("connect() to ");
	} else if ((q = rfind(b, e, " could not be resolved", STRLEN(" could not be resolved"))) &&
		   q + STRLEN(" could not be resolved") == e) {
		p = b;
	} else if (HAS(b, e, "no resolver defined to resolve ")) {
		p = b + STRLEN("no resolver defined to resolve ");
		q = e;
	} else if ((p = find(b, e, " in upstream \"", STRLEN(" in upstream \"")))) {
		p += STRLEN(" in upstream \"");
		q = memchr(p, '"', e - p);
		if (!q)
			q = e;
	} else {
		return;
	}
	if (q > p)
		copy(l->target, sizeof(l->target), p, q, &l->truncated);
}

static void parse_body(const char *b, const char *e, struct ngx_log_line *l)
{
	const char *he = e, *p, *tb;
	struct ctx c;

	p = find_context(b, e, &c);
	if (p) {
		he = p;
		copy(l->client, sizeof(l->client), c.client_b, c.client_e, &l->truncated);
		copy(l->server, sizeof(l->server), c.server_b, c.server_e, &l->truncated);
		if (c.cut)
			l->truncated = 1;
		/* The stream module ends its context with byte counters. */
		p = rfind(c.after, e, ", bytes from/to client:", STRLEN(", bytes from/to client:"));
		parse_fields(c.after, p && !memchr(p, '"', e - p) ? p : e, l);
	} else if ((p = rfind(b, e, ", resolver: ", STRLEN(", resolver: "))) &&
		   p + STRLEN(", resolver: ") < e && !memchr(p + 1, ',', e - p - 1)) {
		/* The resolver's own socket logs through ngx_resolver_log_error(). */
		copy(l->resolver, sizeof(l->resolver), p + STRLEN(", resolver: "), e,
		     &l->truncated);
		he = p;
	}

	/* Without a context the phrase must be one nginx uses, not words of the message. */
	p = rfind(b, he, " while ", STRLEN(" while "));
	if (p && (known_action(p + 7, he) || (l->client[0] && action_shaped(p + 7, he)))) {
		copy(l->action, sizeof(l->action), p + 7, he, &l->truncated);
		he = p;
	}

	p = errno_suffix(b, he, &l->err, &tb);
	if (p) {
		copy(l->errtext, sizeof(l->errtext), tb, he - 1, &l->truncated);
		he = p;
		/* ngx_log_errno() overwrote the end of a long message with "...". */
		if (he - b >= 3 && !memcmp(he - 3, "...", 3))
			l->truncated = 1;
	}
	copy(l->message, sizeof(l->message), b, he, &l->truncated);
	/* A stderr text without its closing quote was cut at NGX_MAX_ERROR_STR. */
	if (HAS(b, he, "FastCGI sent in stderr: \"") && (he - b == 25 || he[-1] != '"'))
		l->truncated = 1;
	parse_target(b, he, l);
}

int ngx_log_line__parse(const char *buf, size_t len, struct ngx_log_line *out)
{
	const char *e, *nl, *p;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!buf || !len)
		return -EINVAL;
	e = buf + len;
	nl = memchr(buf, '\n', len);
	if (nl)
		e = nl;
	if (e > buf && e[-1] == '\r')
		e--;
	p = parse_header(buf, e, out);
	if (!p) {
		memset(out, 0, sizeof(*out));
		return -EINVAL;
	}
	parse_body(p, e, out);
	return 0;
}

static int starts(const char *s, const char *pfx)
{
	return !strncmp(s, pfx, strlen(pfx));
}

static int ends(const char *s, const char *sfx)
{
	size_t n = strlen(s), m = strlen(sfx);

	return n >= m && !strcmp(s + n - m, sfx);
}

const char *ngx_log_line__upstream(const struct ngx_log_line *l, char *buf, size_t size)
{
	const char *s, *e, *p, *q;
	size_t n;

	if (!buf || !size)
		return buf;
	buf[0] = '\0';
	if (!l)
		return buf;
	s = l->upstream[0] ? l->upstream : l->target;
	e = s + strnlen(s, NGXLOG_FIELD_MAX);
	/* u->schema: "http://", "fastcgi://", "grpcs://"... */
	p = find(s, e, "://", 3);
	if (p && p - s <= 10)
		s = p + 3;
	if (HAS(s, e, "unix:")) {
		/* The path ends at uri_separator ':'; nginx refuses ':' in unix paths. */
		q = memchr(s + 5, ':', e - s - 5);
		/* "upstream timed out" lines lose the ':', so the URI follows the path. */
		if (!q && l->upstream[0] && (p = find(s, e, ".sock/", 6)))
			q = p + 5;
		e = q ? q : e;
	} else if (s < e && *s == '[') {
		q = memchr(s, ']', e - s);
		if (q) {
			for (q++; q < e && (*q == ':' || is_digit(*q)); q++)
				;
			e = q;
		}
	} else {
		for (q = s; q < e && !strchr("/?\" ,", *q); q++)
			;
		e = q;
	}
	n = e > s ? (size_t)(e - s) : 0;
	if (n >= size)
		n = size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static int upstream_action(const char *a)
{
	return in_list(a, a + strlen(a), upstream_actions, ARRAY_SIZE(upstream_actions));
}

/* errno -> cause. Linux numbers: glibc and musl word them differently. */
struct errno_rule {
	int err;
	enum cause cause;
};

/* "connect() to X failed" (synchronous) and "connect() failed" (SO_ERROR). */
static const struct errno_rule unix_connect[] = {
	{2, CAUSE_UPSTREAM_SOCKET_MISSING},
	{13, CAUSE_UPSTREAM_SOCKET_PERMISSION},
	{111, CAUSE_UPSTREAM_SOCKET_STALE},
	{11, CAUSE_UPSTREAM_BACKLOG_FULL},
	{0},
};
static const struct errno_rule tcp_connect[] = {
	{111, CAUSE_UPSTREAM_REFUSED},	    {13, CAUSE_UPSTREAM_CONNECT_DENIED},
	{1, CAUSE_UPSTREAM_CONNECT_DENIED}, {113, CAUSE_UPSTREAM_UNREACHABLE},
	{101, CAUSE_UPSTREAM_UNREACHABLE},  {110, CAUSE_UPSTREAM_CONNECT_TIMEOUT},
	{99, CAUSE_LOCAL_PORTS_EXHAUSTED},  {0},
};
/* recv()/readv()/writev()... on an established connection. */
static const struct errno_rule unix_io[] = {
	{104, CAUSE_UPSTREAM_RESET},
	{32, CAUSE_UPSTREAM_RESET},
	{111, CAUSE_UPSTREAM_SOCKET_STALE},
	{0},
};
static const struct errno_rule tcp_io[] = {
	{104, CAUSE_UPSTREAM_RESET},	   {32, CAUSE_UPSTREAM_RESET},
	{111, CAUSE_UPSTREAM_REFUSED},	   {113, CAUSE_UPSTREAM_UNREACHABLE},
	{101, CAUSE_UPSTREAM_UNREACHABLE}, {0},
};

static enum cause by_errno(const struct errno_rule *r, int err)
{
	for (; r->err; r++)
		if (r->err == err)
			return r->cause;
	return CAUSE_UNKNOWN;
}

static const char *const io_calls[] = {
	"recv() failed",     "readv() failed",	  "send() failed",	"writev() failed",
	"sendfile() failed", "SSL_read() failed", "SSL_write() failed",
};

/* The "upstream sent ..." messages that reject the response's framing or header. */
static const char *const invalid_header[] = {
	"upstream sent invalid header",
	"upstream sent invalid status",
	"upstream sent no valid HTTP/1.0 header",
	"upstream sent duplicate header line",
	"upstream sent \"Content-Length\" and \"Transfer-Encoding\"",
	"upstream sent invalid \"Content-Length\"",
	"upstream sent unknown \"Transfer-Encoding\"",
	"upstream sent HTTP/1.0 response with early hints",
	"upstream sent unsupported FastCGI protocol version",
	"upstream sent invalid FastCGI record type",
	"upstream sent unexpected FastCGI",
	"upstream sent invalid :status",
	"upstream sent no :status header",
	"upstream sent invalid chunked response",
};

static int starts_any(const char *s, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (starts(s, list[i]))
			return 1;
	return 0;
}

static void classify(const struct ngx_log_line *l, enum cause *cause, int *status)
{
	const char *m = l->message, *a = l->action;
	char key[NGXLOG_FIELD_MAX];
	int unix_peer;

	*cause = CAUSE_NONE;
	*status = 0;
	/* warn and below never end a request ("temporarily disabled", client closes). */
	if (l->level < NGXLOG_EMERG || l->level > NGXLOG_ERR)
		return;

	/* Resolution fails before a peer is chosen: no "while" phrase. */
	if (starts(m, "host not found in upstream \"")) {
		/* [emerg] at start/reload: nginx keeps the old config, no request fails. */
		*cause = CAUSE_UPSTREAM_UNRESOLVED;
		*status = l->level == NGXLOG_EMERG ? 0 : 500;
		return;
	}
	if (ends(m, " could not be resolved") || starts(m, "no resolver defined to resolve ")) {
		/* Without a client the zone module's "server ... resolve" failed: no request. */
		if (l->client[0]) {
			*cause = CAUSE_UPSTREAM_UNRESOLVED;
			*status = 502;
		}
		return;
	}
	if (starts(m, "no port in upstream \"")) {
		if (l->client[0]) {
			*cause = CAUSE_UNKNOWN;
			*status = 500;
		}
		return;
	}

	/* Everything else must have happened on the upstream side of a request. */
	if (!upstream_action(a) || starts(m, "FastCGI sent in stderr") || starts(m, "client ") ||
	    strstr(m, "client prematurely closed"))
		return;

	ngx_log_line__upstream(l, key, sizeof(key));
	/* The target still says "unix:" when the upstream field was cut short. */
	unix_peer = starts(key, "unix:") || starts(l->target, "unix:");
	*status = 502;
	if (starts(m, "socket() failed")) {
		*cause = l->err == 24 || l->err == 23 ? CAUSE_FD_EXHAUSTED : CAUSE_UNKNOWN;
		*status = 500;
	} else if (strstr(m, "worker_connections are not enough")) {
		/* Connection slots, not fds: outside the catalogue. */
		*cause = CAUSE_UNKNOWN;
		*status = 500;
	} else if (starts(m, "bind(")) {
		*cause = l->err == 99 ? CAUSE_LOCAL_PORTS_EXHAUSTED : CAUSE_UNKNOWN;
		*status = 500;
	} else if (starts(m, "connect() to ") || starts(m, "connect() failed") ||
		   starts(m, "kevent() reported that connect() failed")) {
		*cause = by_errno(unix_peer ? unix_connect : tcp_connect, l->err);
	} else if (starts(m, "upstream timed out")) {
		if (!strcmp(a, "connecting to upstream"))
			*cause = CAUSE_UPSTREAM_CONNECT_TIMEOUT;
		else if (!strcmp(a, "SSL handshaking to upstream"))
			*cause = CAUSE_UPSTREAM_SSL_FAILED;
		else
			*cause = CAUSE_UPSTREAM_READ_TIMEOUT;
		/* FT_TIMEOUT is 504; the buffered body path finalizes with 502. */
		*status = ngx_log_line__body_phase(l) ? 502 : 504;
	} else if (starts_any(m, io_calls, ARRAY_SIZE(io_calls))) {
		*cause = by_errno(unix_peer ? unix_io : tcp_io, l->err);
	} else if (starts(m, "upstream prematurely closed")) {
		*cause = CAUSE_UPSTREAM_PREMATURE_CLOSE;
	} else if (starts(m, "upstream sent too big header")) {
		*cause = CAUSE_UPSTREAM_HEADER_TOO_BIG;
	} else if (starts_any(m, invalid_header, ARRAY_SIZE(invalid_header))) {
		*cause = CAUSE_UPSTREAM_INVALID_HEADER;
		/* The proxy module passes such a response on as HTTP/0.9 (status 009). */
		if (starts(m, "upstream sent no valid HTTP/1.0 header"))
			*status = 0;
	} else if (starts(m, "no live upstreams")) {
		*cause = CAUSE_NO_LIVE_UPSTREAMS;
	} else if (starts(m, "SSL_do_handshake() failed") ||
		   starts(m, "peer closed connection in SSL handshake") ||
		   starts(m, "upstream SSL certificate")) {
		*cause = CAUSE_UPSTREAM_SSL_FAILED;
	} else if (starts(m, "upstream prematurely sent response") &&
		   (starts(l->upstream, "https://") || starts(l->upstream, "grpcs://"))) {
		/* bytes from a TLS upstream before nginx's ClientHello: it does not speak TLS */
		*cause = CAUSE_UPSTREAM_SSL_FAILED;
	} else {
		*cause = CAUSE_UNKNOWN;
	}
}

enum cause ngx_log_line__cause(const struct ngx_log_line *l)
{
	enum cause c;
	int status;

	if (!l)
		return CAUSE_NONE;
	classify(l, &c, &status);
	return c;
}

int ngx_log_line__status(const struct ngx_log_line *l)
{
	enum cause c;
	int status;

	if (!l)
		return 0;
	classify(l, &c, &status);
	return status;
}

int ngx_log_line__body_phase(const struct ngx_log_line *l)
{
	return l && !strcmp(l->action, "reading upstream");
}

/*
 * Only the pid, fast and without the full parse: "YYYY/MM/DD HH:MM:SS [level] PID#TID: ",
 * where the first "] " is in the first 40 bytes.
 */
int logparse__pid(const char *line, size_t len)
{
	const char *p, *end = line + len;
	long pid = 0;

	p = memchr(line, ']', len < 40 ? len : 40);
	if (!p || end - p < 4 || p[1] != ' ')
		return 0;
	for (p += 2; p < end && *p >= '0' && *p <= '9'; p++) {
		pid = pid * 10 + (*p - '0');
		if (pid > INT_MAX)
			return 0;
	}
	return p < end && *p == '#' ? (int)pid : 0;
}
