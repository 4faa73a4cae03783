// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Tests of user/logparse.c. The lines live in tests/fixtures/nginx-error/ (*.log),
 * written from nginx's format strings (docs/messages.md). A case finds
 * its line by a unique substring; the last case checks that no fixture line
 * went untested. The fixtures directory is argv[1], $NGX502_FIXTURES, or
 * tests/fixtures/nginx-error (run from the repo root).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include "unit.h"
#include "../../user/logparse.h"

#define MAX_LINES 512
#define LINE(s)	  s, sizeof(s) - 1

static const char *fixtures_dir = "tests/fixtures/nginx-error";

static struct fixture_line {
	char file[64];
	char *text;
	size_t len;
	int used;
} lines[MAX_LINES];
static int nlines = -1;

static int load_file(const char *name)
{
	char path[4096], *buf = NULL, *p, *nl;
	size_t cap = 0, len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", fixtures_dir, name);
	f = fopen(path, "rb");
	if (!f)
		return -errno;
	len = getdelim(&buf, &cap, '\0', f);
	fclose(f);
	if (len == (size_t)-1) {
		free(buf);
		return 0;
	}
	/* One line per '\n'; the bytes (a '\r' included) stay as they are. */
	for (p = buf; p < buf + len && nlines < MAX_LINES; p = nl + 1) {
		nl = memchr(p, '\n', buf + len - p);
		if (!nl)
			nl = buf + len;
		snprintf(lines[nlines].file, sizeof(lines[nlines].file), "%s", name);
		lines[nlines].text = p;
		lines[nlines].len = nl - p;
		nlines++;
	}
	return 0;
}

static void load_fixtures(void)
{
	struct dirent *de;
	DIR *d;

	if (nlines >= 0)
		return;
	nlines = 0;
	d = opendir(fixtures_dir);
	if (!d) {
		fprintf(stderr, "failed to open %s: %s\n", fixtures_dir, strerror(errno));
		return;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n > 4 && !strcmp(de->d_name + n - 4, ".log"))
			load_file(de->d_name);
	}
	closedir(d);
}

static struct fixture_line *fixture(const char *file, const char *needle)
{
	int i;

	load_fixtures();
	for (i = 0; i < nlines; i++)
		if (!strcmp(lines[i].file, file) &&
		    memmem(lines[i].text, lines[i].len, needle, strlen(needle))) {
			lines[i].used = 1;
			return &lines[i];
		}
	return NULL;
}

/* What a fixture line must give. NULL strings and level 0 are not checked. */
struct want {
	enum cause cause;
	int status, err, level;
	const char *key, *action, *message, *client, *server, *request, *upstream, *host;
	const char *target, *referrer, *subrequest, *resolver, *errtext;
	unsigned long long conn;
	int truncated;
};

#define CHECK_FIELD(got, want_)                                                                    \
	do {                                                                                       \
		if (want_)                                                                         \
			CHECK(!strcmp(got, want_), "[%s] %s is \"%s\", want \"%s\"", needle, #got, \
			      got, want_);                                                         \
	} while (0)

static void check_line(const char *file, const char *needle, const struct want *w)
{
	struct fixture_line *fl = fixture(file, needle);
	struct ngx_log_line l;
	char key[256];
	int cause, status;

	CHECK(fl, "no line with \"%s\" in %s/%s", needle, fixtures_dir, file);
	if (!fl)
		return;
	CHECK(!ngx_log_line__parse(fl->text, fl->len, &l), "[%s] does not parse", needle);
	cause = ngx_log_line__cause(&l);
	status = ngx_log_line__status(&l);
	CHECK(cause == (int)w->cause, "[%s] cause %s, want %s", needle, cause__name(cause),
	      cause__name(w->cause));
	CHECK(status == w->status, "[%s] status %d, want %d", needle, status, w->status);
	CHECK(l.err == w->err, "[%s] err %d, want %d", needle, l.err, w->err);
	CHECK(l.truncated == w->truncated, "[%s] truncated %d, want %d", needle, l.truncated,
	      w->truncated);
	if (w->level)
		CHECK(l.level == w->level, "[%s] level %s, want %s", needle,
		      ngx_log_level__name(l.level), ngx_log_level__name(w->level));
	if (w->conn)
		CHECK(l.conn == w->conn, "[%s] conn %llu, want %llu", needle, l.conn, w->conn);
	CHECK_FIELD(ngx_log_line__upstream(&l, key, sizeof(key)), w->key);
	CHECK_FIELD(l.action, w->action);
	CHECK_FIELD(l.message, w->message);
	CHECK_FIELD(l.client, w->client);
	CHECK_FIELD(l.server, w->server);
	CHECK_FIELD(l.request, w->request);
	CHECK_FIELD(l.upstream, w->upstream);
	CHECK_FIELD(l.host, w->host);
	CHECK_FIELD(l.target, w->target);
	CHECK_FIELD(l.referrer, w->referrer);
	CHECK_FIELD(l.subrequest, w->subrequest);
	CHECK_FIELD(l.resolver, w->resolver);
	CHECK_FIELD(l.errtext, w->errtext);
}

#define EXPECT(file, needle, cause_, status_, err_, ...)                                           \
	check_line(file, needle,                                                                   \
		   &(struct want){.cause = cause_, .status = status_, .err = err_, __VA_ARGS__})

#define CONNECTING     "connecting to upstream"
#define READING_HEADER "reading response header from upstream"
#define SENDING	       "sending request to upstream"
#define HANDSHAKING    "SSL handshaking to upstream"
#define BODY	       "reading upstream"
#define FPM_SOCK       "unix:/run/php/php8.2-fpm.sock"

/* ---- 2.1 connection setup ---- */

UNIT_TEST(socket_failed_fd_exhausted)
{
	EXPECT("connect.log", "(24: Too many", CAUSE_FD_EXHAUSTED, 500, 24, .level = NGXLOG_ALERT,
	       .key = "", .action = CONNECTING, .message = "socket() failed",
	       .client = "203.0.113.7", .server = "api.example.com",
	       .request = "GET /v1/items HTTP/1.1", .upstream = "", .host = "api.example.com",
	       .conn = 1001);
	EXPECT("connect.log", "(23: Too many", CAUSE_FD_EXHAUSTED, 500, 23, .level = NGXLOG_ALERT);
	EXPECT("connect.log", "(97: Address family", CAUSE_UNKNOWN, 500, 97);
}

UNIT_TEST(worker_connections_and_bind)
{
	EXPECT("connect.log", "worker_connections are not enough", CAUSE_UNKNOWN, 500, 0,
	       .message = "1024 worker_connections are not enough", .action = CONNECTING);
	EXPECT("connect.log", "bind(10.0.0.9)", CAUSE_LOCAL_PORTS_EXHAUSTED, 500, 99,
	       .level = NGXLOG_CRIT, .message = "bind(10.0.0.9) failed", .target = "");
}

UNIT_TEST(tcp_async_refused)
{
	EXPECT("connect.log", "*1043 connect() failed (111", CAUSE_UPSTREAM_REFUSED, 502, 111,
	       .level = NGXLOG_ERR, .key = "10.0.0.12:8080", .action = CONNECTING,
	       .message = "connect() failed", .client = "203.0.113.7", .server = "api.example.com",
	       .request = "GET /v1/items?page=2 HTTP/1.1",
	       .upstream = "http://10.0.0.12:8080/v1/items?page=2", .host = "api.example.com",
	       .target = "", .conn = 1043);
}

UNIT_TEST(unix_backlog_full)
{
	EXPECT("connect.log", "failed (11: Resource", CAUSE_UPSTREAM_BACKLOG_FULL, 502, 11,
	       .level = NGXLOG_ERR, .key = FPM_SOCK, .target = FPM_SOCK,
	       .message = "connect() to " FPM_SOCK " failed", .client = "198.51.100.23",
	       .request = "POST /checkout.php HTTP/2.0", .upstream = "fastcgi://" FPM_SOCK ":",
	       .host = "shop.example.com", .referrer = "https://shop.example.com/cart");
}

UNIT_TEST(unix_stale_missing_permission)
{
	EXPECT("connect.log", "sock failed (111", CAUSE_UPSTREAM_SOCKET_STALE, 502, 111,
	       .key = FPM_SOCK, .target = FPM_SOCK);
	EXPECT("connect.log", "(2: No such file", CAUSE_UPSTREAM_SOCKET_MISSING, 502, 2,
	       .level = NGXLOG_CRIT, .key = "unix:/run/php/php8.1-fpm.sock",
	       .target = "unix:/run/php/php8.1-fpm.sock", .action = CONNECTING);
	EXPECT("connect.log", "php8.3-fpm.sock failed (13", CAUSE_UPSTREAM_SOCKET_PERMISSION, 502,
	       13, .level = NGXLOG_CRIT, .key = "unix:/run/php/php8.3-fpm.sock");
}

UNIT_TEST(tcp_sync_denied_ports_eperm)
{
	EXPECT("connect.log", "127.0.0.1:8080 failed (13", CAUSE_UPSTREAM_CONNECT_DENIED, 502, 13,
	       .level = NGXLOG_CRIT, .key = "127.0.0.1:8080", .target = "127.0.0.1:8080");
	EXPECT("connect.log", "10.0.0.5:8080 failed (99", CAUSE_LOCAL_PORTS_EXHAUSTED, 502, 99,
	       .key = "10.0.0.5:8080", .target = "10.0.0.5:8080");
	EXPECT("connect.log", "(1: Operation not permitted)", CAUSE_UPSTREAM_CONNECT_DENIED, 502, 1,
	       .key = "10.0.0.5:80");
	EXPECT("connect.log", "*1062", CAUSE_UNKNOWN, 502, 104, .key = "10.0.0.5:80");
}

UNIT_TEST(unreachable_sync_async_ipv6)
{
	EXPECT("connect.log", "(101: Network is unreachable)", CAUSE_UPSTREAM_UNREACHABLE, 502, 101,
	       .key = "[2606:4700::1]:443", .target = "[2606:4700::1]:443",
	       .upstream = "https://[2606:4700::1]:443/cdn");
	EXPECT("connect.log", "10.0.0.7:80 failed (113", CAUSE_UPSTREAM_UNREACHABLE, 502, 113,
	       .key = "10.0.0.7:80");
	EXPECT("connect.log", "connect() failed (113", CAUSE_UPSTREAM_UNREACHABLE, 502, 113,
	       .key = "10.0.0.7:80", .target = "");
}

UNIT_TEST(connect_timeouts_kernel_502_nginx_504)
{
	EXPECT("connect.log", "connect() failed (110", CAUSE_UPSTREAM_CONNECT_TIMEOUT, 502, 110,
	       .key = "10.0.0.99:80");
	EXPECT("connect.log", "upstream timed out (110: Connection timed out) while connecting",
	       CAUSE_UPSTREAM_CONNECT_TIMEOUT, 504, 110, .key = "10.0.0.66:8080",
	       .message = "upstream timed out", .action = CONNECTING);
}

UNIT_TEST(no_live_upstreams_group_name)
{
	EXPECT("connect.log", "no live upstreams", CAUSE_NO_LIVE_UPSTREAMS, 502, 0,
	       .key = "backend", .message = "no live upstreams", .upstream = "http://backend/api");
	EXPECT("misc.log", "no live upstreams", CAUSE_NO_LIVE_UPSTREAMS, 502, 0,
	       .key = "localhost");
}

UNIT_TEST(temporarily_disabled_is_warn_only)
{
	EXPECT("connect.log", "temporarily disabled", CAUSE_NONE, 0, 0, .level = NGXLOG_WARN,
	       .key = "10.0.0.12:8080", .message = "upstream server temporarily disabled");
}

UNIT_TEST(kevent_errno_is_not_linux)
{
	/* BSD's 61 is ECONNREFUSED there; the numbers matched are Linux's. */
	EXPECT("connect.log", "kevent()", CAUSE_UNKNOWN, 502, 61, .key = "127.0.0.1:8081");
}

/* ---- glibc vs musl wording: the number decides ---- */

UNIT_TEST(musl_errno_texts)
{
	EXPECT("musl.log", "(110: Operation timed out) while connecting",
	       CAUSE_UPSTREAM_CONNECT_TIMEOUT, 502, 110, .key = "172.17.0.3:3000");
	EXPECT("musl.log", "(113: Host is unreachable)", CAUSE_UPSTREAM_UNREACHABLE, 502, 113);
	EXPECT("musl.log", "(101: Network unreachable)", CAUSE_UPSTREAM_UNREACHABLE, 502, 101,
	       .key = "[fd00::4]:3000");
	EXPECT("musl.log", "(99: Address not available)", CAUSE_LOCAL_PORTS_EXHAUSTED, 502, 99);
	EXPECT("musl.log", "(24: No file descriptors", CAUSE_FD_EXHAUSTED, 500, 24);
	EXPECT("musl.log", "(110: Operation timed out) while reading", CAUSE_UPSTREAM_READ_TIMEOUT,
	       504, 110, .key = "172.17.0.5:9000", .host = "localhost:8080");
}

/* ---- 2.2 name resolution ---- */

UNIT_TEST(resolver_failures)
{
	EXPECT("resolve.log", "*1077", CAUSE_UPSTREAM_UNRESOLVED, 502, 3,
	       .key = "backend.svc.cluster.local", .target = "backend.svc.cluster.local",
	       .message = "backend.svc.cluster.local could not be resolved", .action = "",
	       .client = "10.1.2.3", .server = "_", .request = "GET / HTTP/1.1", .upstream = "",
	       .host = "app.example.com");
	EXPECT("resolve.log", "(110: Operation timed out)", CAUSE_UPSTREAM_UNRESOLVED, 502, 110,
	       .key = "api.internal");
	EXPECT("resolve.log", "no resolver defined", CAUSE_UPSTREAM_UNRESOLVED, 502, 0,
	       .key = "backend.svc");
}

UNIT_TEST(resolver_without_request_is_none)
{
	/* The upstream zone module's "server ... resolve": no request fails here. */
	EXPECT("resolve.log", "backend.internal could not", CAUSE_NONE, 0, 2, .client = "",
	       .target = "backend.internal");
	EXPECT("resolve.log", "while resolving", CAUSE_NONE, 0, 111, .action = "resolving",
	       .message = "recv() failed", .client = "", .resolver = "127.0.0.53:53");
}

UNIT_TEST(host_not_found_in_upstream)
{
	EXPECT("resolve.log", "[emerg]", CAUSE_UPSTREAM_UNRESOLVED, 0, 0, .level = NGXLOG_EMERG,
	       .key = "php:9000", .target = "php:9000", .client = "", .action = "");
	EXPECT("resolve.log", "\"api.internal\"", CAUSE_UPSTREAM_UNRESOLVED, 500, 0,
	       .key = "api.internal");
	EXPECT("resolve.log", "no port in upstream", CAUSE_UNKNOWN, 500, 0, .key = "backend.svc");
}

/* ---- 2.3 sending the request ---- */

UNIT_TEST(send_failures)
{
	EXPECT("send.log", "writev() failed (32", CAUSE_UPSTREAM_RESET, 502, 32, .key = FPM_SOCK,
	       .action = SENDING, .request = "POST /upload.php HTTP/1.1");
	EXPECT("send.log", "sendfile() failed", CAUSE_UPSTREAM_RESET, 502, 32);
	EXPECT("send.log", "send() failed (104", CAUSE_UPSTREAM_RESET, 502, 104);
	EXPECT("send.log", "SSL_write() failed", CAUSE_UPSTREAM_RESET, 502, 32,
	       .key = "10.0.0.13:8443");
	EXPECT("send.log", "upstream timed out", CAUSE_UPSTREAM_READ_TIMEOUT, 504, 110,
	       .action = SENDING);
}

/* ---- 2.4 reading the response header ---- */

UNIT_TEST(recv_reset_and_kernel_timeout)
{
	EXPECT("header.log", "*1201", CAUSE_UPSTREAM_RESET, 502, 104, .key = FPM_SOCK,
	       .action = READING_HEADER, .message = "recv() failed");
	EXPECT("header.log", "*1202", CAUSE_UNKNOWN, 502, 110, .key = "10.0.0.12:8080");
}

UNIT_TEST(premature_close_header)
{
	EXPECT("header.log", "*1203", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0,
	       .key = "127.0.0.1:9000", .upstream = "fastcgi://127.0.0.1:9000");
	EXPECT("header.log", "FastCGI stdout", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0,
	       .key = "unix:/run/fcgiwrap.socket");
}

UNIT_TEST(read_timeout_unix_without_separator)
{
	EXPECT("header.log", "*1060", CAUSE_UPSTREAM_READ_TIMEOUT, 504, 110, .key = FPM_SOCK,
	       .upstream = "fastcgi://" FPM_SOCK, .request = "GET /report.php HTTP/1.1");
}

UNIT_TEST(too_big_header)
{
	EXPECT("header.log", "too big header", CAUSE_UPSTREAM_HEADER_TOO_BIG, 502, 0,
	       .message = "upstream sent too big header", .key = "10.0.0.12:8080");
}

UNIT_TEST(invalid_header_family)
{
	static const char *const needles[] = {
		"invalid header: \"X-Debug",
		"invalid status \"abc\"",
		"duplicate header line",
		"at the same time",
		"invalid \"Content-Length\"",
		"unknown \"Transfer",
		"early hints",
		"protocol version: 72",
		"record type: 9",
		"high byte: 1",
		"unexpected FastCGI record",
		"invalid :status",
		"no :status header",
	};
	size_t i;

	for (i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		EXPECT("header.log", needles[i], CAUSE_UPSTREAM_INVALID_HEADER, 502, 0,
		       .action = READING_HEADER);
	EXPECT("header.log", "invalid header: \"X-Debug", CAUSE_UPSTREAM_INVALID_HEADER, 502, 0,
	       .message = "upstream sent invalid header: \"X-Debug\\x0A...\"");
	EXPECT("header.log", "duplicate header line", CAUSE_UPSTREAM_INVALID_HEADER, 502, 0,
	       .message = "upstream sent duplicate header line: \"Content-Length: 10\", "
			  "previous value: \"Content-Length: 20\"");
}

UNIT_TEST(no_valid_http10_header_is_http09)
{
	/* Passed on as HTTP/0.9: access log 009, not 502. */
	EXPECT("header.log", "no valid HTTP/1.0", CAUSE_UPSTREAM_INVALID_HEADER, 0, 0,
	       .key = "10.0.0.12:8443");
}

UNIT_TEST(grpc_messages)
{
	EXPECT("header.log", "rejected request", CAUSE_UNKNOWN, 502, 0, .key = "10.0.0.20:50051");
	EXPECT("header.log", "goaway", CAUSE_UNKNOWN, 502, 0, .key = "10.0.0.21:50051",
	       .upstream = "grpcs://10.0.0.21:50051");
	EXPECT("header.log", "closed stream", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0);
	/* only a TLS upstream gets there: it answered before nginx's ClientHello */
	EXPECT("header.log", "prematurely sent response", CAUSE_UPSTREAM_SSL_FAILED, 502, 0);
}

UNIT_TEST(fastcgi_stderr_is_not_a_502)
{
	EXPECT("header.log", "Primary script unknown", CAUSE_NONE, 0, 0, .key = FPM_SOCK,
	       .message = "FastCGI sent in stderr: \"Primary script unknown\"",
	       .action = READING_HEADER);
	/* "(tried to allocate 20480 bytes)" is not an errno suffix. */
	EXPECT("header.log", "Allowed memory size", CAUSE_NONE, 0, 0, .action = READING_HEADER);
	EXPECT("body.log", "Undefined variable", CAUSE_NONE, 0, 0, .action = BODY);
}

/* ---- 2.5 body phase ---- */

UNIT_TEST(body_phase_failures)
{
	struct fixture_line *fl = fixture("body.log", "readv() failed");
	struct ngx_log_line l;

	EXPECT("body.log", "readv() failed", CAUSE_UPSTREAM_RESET, 502, 104, .action = BODY,
	       .key = "10.0.0.12:8080");
	EXPECT("body.log", "*1302", CAUSE_UPSTREAM_RESET, 502, 104);
	EXPECT("body.log", "*1303", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0);
	EXPECT("body.log", "*1304", CAUSE_UPSTREAM_READ_TIMEOUT, 502, 110);
	EXPECT("body.log", "invalid chunked", CAUSE_UPSTREAM_INVALID_HEADER, 502, 0);
	EXPECT("body.log", "FastCGI request", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0,
	       .key = FPM_SOCK);
	CHECK(fl && !ngx_log_line__parse(fl->text, fl->len, &l) && ngx_log_line__body_phase(&l),
	      "readv line is not body phase");
}

UNIT_TEST(upgraded_connection_is_none)
{
	EXPECT("body.log", "*1308", CAUSE_NONE, 0, 110, .level = NGXLOG_INFO,
	       .action = "proxying upgraded connection");
	EXPECT("body.log", "*1309", CAUSE_NONE, 0, 104, .level = NGXLOG_ERR);
}

/* ---- 2.6 TLS to the upstream ---- */

UNIT_TEST(ssl_handshake_failures)
{
	EXPECT("ssl.log", "*1401", CAUSE_UPSTREAM_SSL_FAILED, 502, 0, .action = HANDSHAKING,
	       .message = "SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong "
			  "version number)",
	       .key = "10.0.0.12:8080");
	EXPECT("ssl.log", "ssl3_get_record", CAUSE_UPSTREAM_SSL_FAILED, 502, 0);
	EXPECT("ssl.log", "alert number 40", CAUSE_UPSTREAM_SSL_FAILED, 502, 0,
	       .key = "[2001:db8::443]:443");
	EXPECT("ssl.log", "*1404", CAUSE_UPSTREAM_SSL_FAILED, 502, 104,
	       .message = "peer closed connection in SSL handshake");
	EXPECT("ssl.log", "*1405", CAUSE_UPSTREAM_SSL_FAILED, 502, 0);
}

UNIT_TEST(ssl_certificate_errors)
{
	/* "(20:unable ...)" has no space after the colon: part of the message. */
	EXPECT("ssl.log", "verify error", CAUSE_UPSTREAM_SSL_FAILED, 502, 0,
	       .message = "upstream SSL certificate verify error: (20:unable to get local issuer "
			  "certificate)");
	EXPECT("ssl.log", "does not match", CAUSE_UPSTREAM_SSL_FAILED, 502, 0,
	       .key = "10.0.0.15:443");
	EXPECT("ssl.log", "*1408", CAUSE_UPSTREAM_SSL_FAILED, 504, 110);
}

UNIT_TEST(ssl_read_and_client_handshake)
{
	/* " while reading)" inside the OpenSSL text is not the action. */
	EXPECT("ssl.log", "*1409", CAUSE_UNKNOWN, 502, 0, .action = READING_HEADER);
	EXPECT("ssl.log", "bad key share", CAUSE_NONE, 0, 0, .action = "SSL handshaking",
	       .server = "0.0.0.0:443", .request = "", .key = "");
}

/* ---- 2.7 client-side lines ---- */

UNIT_TEST(client_side_lines_are_none)
{
	EXPECT("client.log", "*1501", CAUSE_NONE, 0, 0, .level = NGXLOG_INFO,
	       .key = "10.0.0.12:8080");
	EXPECT("client.log", "epoll_wait()", CAUSE_NONE, 0, 0, .action = SENDING);
	EXPECT("client.log", "client timed out", CAUSE_NONE, 0, 110, .action = "sending to client");
	EXPECT("client.log", "client sent invalid header", CAUSE_NONE, 0, 0,
	       .action = "reading client request headers", .upstream = "");
	EXPECT("client.log", "writev() failed (104", CAUSE_NONE, 0, 104);
	EXPECT("client.log", "favicon", CAUSE_NONE, 0, 2, .action = "",
	       .referrer = "https://www.example.com/", .host = "www.example.com");
	EXPECT("client.log", "waiting for request", CAUSE_NONE, 0, 0, .server = "0.0.0.0:80");
}

UNIT_TEST(client_close_at_error_level_is_none)
{
	static const char line[] =
		"2025/03/14 10:45:01 [error] 1#1: *1 epoll_wait() reported that client prematurely "
		"closed connection, so upstream connection is closed too while sending request to "
		"upstream, client: 1.2.3.4, server: a, request: \"GET / HTTP/1.1\", upstream: "
		"\"http://10.0.0.1:80/\"";
	struct ngx_log_line l;

	CHECK_INT(ngx_log_line__parse(line, sizeof(line) - 1, &l), 0);
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_NONE);
	CHECK_INT(ngx_log_line__status(&l), 0);
}

/* ---- header shapes, quirks ---- */

UNIT_TEST(startup_notices_without_context)
{
	EXPECT("misc.log", "\"epoll\" event method", CAUSE_NONE, 0, 0, .level = NGXLOG_NOTICE,
	       .message = "using the \"epoll\" event method", .client = "", .action = "");
	EXPECT("misc.log", "nginx/1.27.3", CAUSE_NONE, 0, 0);
	EXPECT("misc.log", "start worker processes", CAUSE_NONE, 0, 0);
	EXPECT("misc.log", "start worker process 29", CAUSE_NONE, 0, 0,
	       .message = "start worker process 29");
	EXPECT("misc.log", "Address already in use", CAUSE_NONE, 0, 98, .level = NGXLOG_EMERG,
	       .message = "bind() to 0.0.0.0:80 failed");
	EXPECT("misc.log", "[debug]", CAUSE_NONE, 0, 0, .level = NGXLOG_DEBUG,
	       .message = "http upstream request: \"/?\"");
}

UNIT_TEST(pid_only)
{
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [error] 7#7: *1 connect() failed")), 7);
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [crit] 123456#123457: x")), 123456);
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [error] 7")), 0);
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [error] #7: x")), 0);
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [error]7#7: x")), 0);
	CHECK_INT(logparse__pid(LINE("2024/01/02 03:04:05 [error] 99999999999#1: x")), 0);
	CHECK_INT(logparse__pid(LINE("no bracket at all 12#3")), 0);
	CHECK_INT(logparse__pid(LINE("]")), 0);
	CHECK_INT(logparse__pid("", 0), 0);
	/* the length is the line: nothing past it is read */
	CHECK_INT(logparse__pid("2024/01/02 03:04:05 [error] 7#", 29), 0);
}

UNIT_TEST(time_pid_tid_conn)
{
	struct fixture_line *fl = fixture("misc.log", "27323#0");
	struct ngx_log_line l;

	CHECK(fl && !ngx_log_line__parse(fl->text, fl->len, &l), "no parse");
	if (!fl)
		return;
	CHECK_INT(l.year, 2025);
	CHECK_INT(l.mon, 3);
	CHECK_INT(l.day, 14);
	CHECK_INT(l.hour, 10);
	CHECK_INT(l.min, 50);
	CHECK_INT(l.sec, 1);
	CHECK_INT(l.pid, 27323);
	CHECK_INT(l.tid, 0);
	EXPECT("misc.log", "27323#0", CAUSE_UPSTREAM_REFUSED, 502, 111, .key = "127.0.0.1:8081",
	       .request = "GET /nothreads HTTP/1.0", .errtext = "Connection refused", .conn = 21);
}

UNIT_TEST(ipv6_client_and_upstream)
{
	EXPECT("misc.log", "client: 2001:db8::7", CAUSE_UPSTREAM_REFUSED, 502, 111,
	       .key = "[::1]:9000", .client = "2001:db8::7", .server = "v6.example.com",
	       .upstream = "http://[::1]:9000/");
}

UNIT_TEST(subrequest_field)
{
	EXPECT("misc.log", "subrequest", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0,
	       .request = "GET /account HTTP/1.1", .subrequest = "/auth", .key = "127.0.0.1:9090",
	       .upstream = "http://127.0.0.1:9090/auth", .host = "app.example.com");
}

UNIT_TEST(proxy_unix_upstream_keys)
{
	EXPECT("misc.log", "unix:/run/app.sock/api/x", CAUSE_UPSTREAM_READ_TIMEOUT, 504, 110,
	       .key = "unix:/run/app.sock");
	EXPECT("misc.log", "unix:/run/app.sock:/api/y", CAUSE_UPSTREAM_RESET, 502, 104,
	       .key = "unix:/run/app.sock");
}

UNIT_TEST(unix_listener_client_and_empty_server)
{
	EXPECT("misc.log", "client: unix:", CAUSE_UPSTREAM_REFUSED, 502, 111,
	       .client = "unix:", .server = "internal", .host = "", .key = "10.0.0.12:8080");
	EXPECT("misc.log", "uwsgi://", CAUSE_UPSTREAM_REFUSED, 502, 111, .server = "",
	       .key = "10.0.0.40:3031", .host = "py.example.com");
}

UNIT_TEST(request_with_fake_context)
{
	EXPECT("quirks.log", "*31", CAUSE_UPSTREAM_REFUSED, 502, 111, .client = "192.0.2.70",
	       .server = "shop.example.com", .action = CONNECTING,
	       .request = "GET /s?q=\", client: 6.6.6.6, server: evil, host: \"x HTTP/1.1",
	       .upstream = "http://10.0.0.12:8080/s?q=\", client: 6.6.6.6, server: evil, host: \"x",
	       .host = "shop.example.com", .key = "10.0.0.12:8080");
}

UNIT_TEST(request_with_client_and_quotes)
{
	EXPECT("quirks.log", "*32", CAUSE_UPSTREAM_RESET, 502, 104, .client = "192.0.2.71",
	       .request = "GET /a\", client: x \"quoted\" HTTP/1.1",
	       .upstream = "http://10.0.0.12:8080/a\", client: x \"quoted\"",
	       .host = "shop.example.com", .key = "10.0.0.12:8080");
}

UNIT_TEST(message_with_client_text)
{
	EXPECT("quirks.log", "*33", CAUSE_NONE, 0, 0, .client = "192.0.2.72",
	       .message = "FastCGI sent in stderr: \"PHP message: failed, client: 1.2.3.4, "
			  "server: fake\"",
	       .key = "127.0.0.1:9000");
}

UNIT_TEST(truncated_mid_field_and_mid_key)
{
	EXPECT("quirks.log", "*34", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0, .truncated = 1,
	       .request = "GET /very/long/path/cut?x=1", .upstream = "", .key = "");
	EXPECT("quirks.log", "*35", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0, .truncated = 1,
	       .server = "shop.example.com", .request = "");
	EXPECT("quirks.log", "*36", CAUSE_UPSTREAM_PREMATURE_CLOSE, 502, 0, .truncated = 0);
}

UNIT_TEST(quotes_in_header_and_referrer)
{
	EXPECT("quirks.log", "*37", CAUSE_UPSTREAM_INVALID_HEADER, 502, 0,
	       .referrer = "http://x/?a=\\\", host: \\\"y\\\"", .host = "shop.example.com",
	       .key = "10.0.0.12:8080");
}

UNIT_TEST(http09_request_and_no_context)
{
	EXPECT("quirks.log", "*38", CAUSE_UPSTREAM_REFUSED, 502, 111, .request = "GET /0.9",
	       .upstream = "", .key = "");
	/* Without a "while" phrase nothing says it was an upstream. */
	EXPECT("quirks.log", "2817#2817: connect()", CAUSE_NONE, 0, 111, .client = "",
	       .message = "connect() failed");
}

UNIT_TEST(crlf_line_end)
{
	EXPECT("quirks.log", "crlf.example.com", CAUSE_UPSTREAM_REFUSED, 502, 111,
	       .host = "crlf.example.com");
}

/* ---- built in the test ---- */

UNIT_TEST(garbage_is_einval)
{
	int i, n = 0;

	load_fixtures();
	for (i = 0; i < nlines; i++) {
		struct ngx_log_line l;

		if (strcmp(lines[i].file, "garbage.log"))
			continue;
		lines[i].used = 1;
		n++;
		CHECK(ngx_log_line__parse(lines[i].text, lines[i].len, &l) == -EINVAL,
		      "garbage line %.*s parses", (int)lines[i].len, lines[i].text);
	}
	CHECK(n >= 10, "only %d garbage lines", n);
}

UNIT_TEST(empty_and_null_input)
{
	struct ngx_log_line l;
	char key[8] = "x";

	CHECK_INT(ngx_log_line__parse("", 0, &l), -EINVAL);
	CHECK_INT(ngx_log_line__parse(NULL, 0, &l), -EINVAL);
	CHECK_INT(ngx_log_line__parse("\n", 1, &l), -EINVAL);
	CHECK_INT(ngx_log_line__parse("x", 1, NULL), -EINVAL);
	CHECK_INT(ngx_log_line__cause(NULL), CAUSE_NONE);
	CHECK_INT(ngx_log_line__status(NULL), 0);
	CHECK_STR(ngx_log_line__upstream(NULL, key, sizeof(key)), "");
	CHECK(ngx_log_line__upstream(&l, NULL, 0) == NULL, "NULL buffer");
}

UNIT_TEST(level_names_round_trip)
{
	int i;

	for (i = NGXLOG_EMERG; i <= NGXLOG_DEBUG; i++)
		CHECK_INT(ngx_log_level__from_name(ngx_log_level__name(i),
						   strlen(ngx_log_level__name(i))),
			  i);
	CHECK_INT(ngx_log_level__from_name("error", 5), NGXLOG_ERR);
	CHECK_INT(ngx_log_level__from_name("err", 3), NGXLOG_UNKNOWN);
	CHECK_INT(ngx_log_level__from_name("errorx", 6), NGXLOG_UNKNOWN);
	CHECK_INT(ngx_log_level__from_name(NULL, 0), NGXLOG_UNKNOWN);
	CHECK(ngx_log_level__name(0) == NULL && ngx_log_level__name(9) == NULL, "out of range");
}

UNIT_TEST(binary_bytes_and_nuls)
{
	static const char line[] =
		"2025/03/14 10:00:00 [error] 1#1: *5 upstream sent invalid header: \"\x01\xff\xfe\0"
		"\x1b[31m\" while reading response header from upstream, client: 10.0.0.1, server: "
		"s\0x, request: \"GET /\xc3\x28\0 HTTP/1.1\", upstream: \"http://10.0.0.2:80/\", "
		"host: \"h\x80\"";
	struct ngx_log_line l;
	char key[64];

	CHECK_INT(ngx_log_line__parse(line, sizeof(line) - 1, &l), 0);
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_UPSTREAM_INVALID_HEADER);
	/* Bytes are copied as they are; a NUL ends the C string early, nothing more. */
	CHECK(!memcmp(l.message, "upstream sent invalid header: \"\x01\xff\xfe\0\x1b[31m\"", 38),
	      "message bytes differ");
	CHECK(!memcmp(l.request, "GET /\xc3\x28\0 HTTP/1.1", 18), "request bytes differ");
	CHECK_STR(l.host, "h\x80");
	CHECK_STR(ngx_log_line__upstream(&l, key, sizeof(key)), "10.0.0.2:80");
	CHECK_INT(l.truncated, 0);
}

UNIT_TEST(stream_module_context)
{
	/* Not in the catalogue, but its lines share the log: parse, don't misread. */
	static const char line[] =
		"2025/03/14 10:00:00 [error] 1#1: *3 connect() failed (111: Connection refused) "
		"while connecting to upstream, client: 10.0.0.1, server: 0.0.0.0:5432, upstream: "
		"\"10.0.0.2:5432\", bytes from/to client:0/0, bytes from/to upstream:0/0";
	struct ngx_log_line l;
	char key[64];

	CHECK_INT(ngx_log_line__parse(line, sizeof(line) - 1, &l), 0);
	CHECK_STR(l.server, "0.0.0.0:5432");
	CHECK_STR(l.upstream, "10.0.0.2:5432");
	CHECK_STR(ngx_log_line__upstream(&l, key, sizeof(key)), "10.0.0.2:5432");
	CHECK_INT(l.truncated, 0);
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_UPSTREAM_REFUSED);
}

UNIT_TEST(nul_in_header_is_einval)
{
	static const char line[] = "2025/03/14 10:00:00 [err\0r] 1#1: x";
	struct ngx_log_line l;

	CHECK_INT(ngx_log_line__parse(line, sizeof(line) - 1, &l), -EINVAL);
}

UNIT_TEST(one_megabyte_line)
{
	static const char head[] = "2025/03/14 10:00:00 [error] 1#1: *7 FastCGI sent in stderr: \"";
	static const char tail[] = "\" while reading response header from upstream, client: "
				   "10.0.0.1, server: big, request: \"GET /big HTTP/1.1\", "
				   "upstream: \"fastcgi://127.0.0.1:9000\", host: \"big\"";
	size_t n = 1 << 20, i;
	char *buf = malloc(n);
	struct ngx_log_line l;
	char key[64];

	if (!buf)
		return;
	memcpy(buf, head, sizeof(head) - 1);
	/* Filler full of near-separators: ", client: " and quotes and " while ". */
	for (i = sizeof(head) - 1; i < n - (sizeof(tail) - 1); i++)
		buf[i] = ", client: \" while (1: x)"[i % 24];
	memcpy(buf + n - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	CHECK_INT(ngx_log_line__parse(buf, n, &l), 0);
	CHECK_INT(l.truncated, 1);
	CHECK_INT(strlen(l.message), NGXLOG_FIELD_MAX - 1);
	CHECK_STR(l.action, "reading response header from upstream");
	CHECK_STR(l.client, "10.0.0.1");
	CHECK_STR(l.request, "GET /big HTTP/1.1");
	CHECK_STR(ngx_log_line__upstream(&l, key, sizeof(key)), "127.0.0.1:9000");
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_NONE);

	/* A megabyte of well-formed fake contexts: bounded work, still a parse. */
	memcpy(buf, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < n; i++)
		buf[i] = ", client: 1.1.1.1, server: x, host: \"y\""[i % 38];
	CHECK_INT(ngx_log_line__parse(buf, n, &l), 0);
	CHECK_STR(l.client, "1.1.1.1");
	free(buf);
}

UNIT_TEST(fastcgi_stderr_cut_at_2048)
{
	static const char head[] = "2025/03/14 10:00:00 [error] 1#1: *8 FastCGI sent in stderr: \"";
	char buf[2048];
	struct ngx_log_line l;

	memcpy(buf, head, sizeof(head) - 1);
	memset(buf + sizeof(head) - 1, 'A', sizeof(buf) - (sizeof(head) - 1));
	CHECK_INT(ngx_log_line__parse(buf, sizeof(buf), &l), 0);
	CHECK_INT(l.truncated, 1);
	CHECK_STR(l.client, "");
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_NONE);
}

UNIT_TEST(message_cut_before_errno)
{
	static const char line[] =
		"2025/03/14 10:00:00 [error] 1#1: *9 connect() to "
		"unix:/run/a-very-long-socket-pa..."
		" (2: No such file or directory) while connecting to upstream, client: 10.0.0.1, "
		"server: s, request: \"GET / HTTP/1.1\", upstream: \"fastcgi://unix:/run/a-very-lo";
	struct ngx_log_line l;
	char key[64];

	CHECK_INT(ngx_log_line__parse(line, sizeof(line) - 1, &l), 0);
	CHECK_INT(l.err, 2);
	CHECK_INT(l.truncated, 1);
	CHECK_STR(l.upstream, "fastcgi://unix:/run/a-very-lo");
	CHECK_STR(l.target, "");
	CHECK_INT(ngx_log_line__cause(&l), CAUSE_UPSTREAM_SOCKET_MISSING);
	CHECK_STR(ngx_log_line__upstream(&l, key, sizeof(key)), "unix:/run/a-very-lo");
}

UNIT_TEST(truncated_header_and_first_line_only)
{
	static const char two[] = "2025/03/14 10:00:00 [error] 1#1: first\n2025/03/14 10:00:01 "
				  "[error] 2#2: second\n";
	static const char cut[] = "2025/03/14 10:00:00 [error] 1#1:";
	struct ngx_log_line l;

	CHECK_INT(ngx_log_line__parse(two, sizeof(two) - 1, &l), 0);
	CHECK_STR(l.message, "first");
	CHECK_INT(ngx_log_line__parse(cut, sizeof(cut) - 1, &l), 0);
	CHECK_STR(l.message, "");
	CHECK_INT(ngx_log_line__parse(cut, sizeof(cut) - 2, &l), -EINVAL);
	CHECK_INT(ngx_log_line__parse(cut, 20, &l), -EINVAL);
}

UNIT_TEST(conn_and_errno_edges)
{
	static const char big[] = "2025/03/14 10:00:00 [error] 1#1: *18446744073709551615 x (7: y)";
	static const char over[] = "2025/03/14 10:00:00 [error] 1#1: *18446744073709551616 x";
	static const char star[] = "2025/03/14 10:00:00 [error] 1#1: *abc (x: y)";
	struct ngx_log_line l;

	CHECK_INT(ngx_log_line__parse(big, sizeof(big) - 1, &l), 0);
	CHECK(l.conn == 18446744073709551615ULL, "conn %llu", l.conn);
	CHECK_INT(l.err, 7);
	CHECK_STR(l.message, "x");
	/* Not a connection number: left in the message. */
	CHECK_INT(ngx_log_line__parse(over, sizeof(over) - 1, &l), 0);
	CHECK_INT(l.conn, 0);
	CHECK_STR(l.message, "*18446744073709551616 x");
	CHECK_INT(ngx_log_line__parse(star, sizeof(star) - 1, &l), 0);
	CHECK_STR(l.message, "*abc (x: y)");
	CHECK_INT(l.err, 0);
}

UNIT_TEST(upstream_key_forms)
{
	static const struct {
		const char *upstream, *target, *key;
	} t[] = {
		{"fastcgi://unix:/run/php/php8.2-fpm.sock:", "", FPM_SOCK},
		{"http://unix:/tmp/app.sock:/x/y?z", "", "unix:/tmp/app.sock"},
		{"http://[::1]:9000/a/b", "", "[::1]:9000"},
		{"https://[2001:db8::1]:443", "", "[2001:db8::1]:443"},
		{"http://backend/api?x=1", "", "backend"},
		{"grpc://10.0.0.1:50051", "", "10.0.0.1:50051"},
		{"10.0.0.1:80", "", "10.0.0.1:80"},
		{"", "unix:/x.sock", "unix:/x.sock"},
		{"", "[::1]:80", "[::1]:80"},
		{"", "", ""},
	};
	struct ngx_log_line l;
	char key[NGXLOG_FIELD_MAX], small[6];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&l, 0, sizeof(l));
		snprintf(l.upstream, sizeof(l.upstream), "%s", t[i].upstream);
		snprintf(l.target, sizeof(l.target), "%s", t[i].target);
		CHECK_STR(ngx_log_line__upstream(&l, key, sizeof(key)), t[i].key);
	}
	snprintf(l.upstream, sizeof(l.upstream), "http://10.0.0.1:8080/");
	CHECK_STR(ngx_log_line__upstream(&l, small, sizeof(small)), "10.0.");
	CHECK_STR(ngx_log_line__upstream(&l, small, 1), "");
}

UNIT_TEST(every_fixture_line_parses)
{
	int i, n = 0;

	load_fixtures();
	for (i = 0; i < nlines; i++) {
		struct ngx_log_line l;

		if (!strcmp(lines[i].file, "garbage.log"))
			continue;
		n++;
		CHECK(!ngx_log_line__parse(lines[i].text, lines[i].len, &l), "%s: %.*s",
		      lines[i].file, (int)lines[i].len, lines[i].text);
	}
	CHECK(n >= 100, "only %d fixture lines in %s", n, fixtures_dir);
}

/* Registered last: every line of every fixture file was checked by some case. */
UNIT_TEST(zz_every_fixture_line_is_tested)
{
	int i;

	load_fixtures();
	for (i = 0; i < nlines; i++)
		CHECK(lines[i].used, "untested fixture line %s: %.*s", lines[i].file,
		      (int)lines[i].len, lines[i].text);
}

int main(int argc, char **argv)
{
	const char *env = getenv("NGX502_FIXTURES");

	if (argc > 1)
		fixtures_dir = argv[1];
	else if (env && *env)
		fixtures_dir = env;
	return unit_main();
}
