// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Run from the repository root: fixture paths are relative to it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/ngxconf.h"
#include "../../user/rootfs.h"

#define ROOT1 "tests/fixtures/nginx-conf/root1"
#define ROOT2 "tests/fixtures/nginx-conf/root2"
#define MAIN  "/etc/nginx/nginx.conf"
#define APP   "/etc/nginx/sites-enabled/app"
#define UPS   "/etc/nginx/conf.d/upstreams.conf"

static struct rootfs *fs1;
static struct ngx_conf *c1;

static void free_root1(void)
{
	ngx_conf__free(c1);
	rootfs__free(fs1);
}

/* root1 is loaded once and shared by the read-only cases. */
static struct ngx_conf *root1(void)
{
	if (!c1) {
		fs1 = rootfs__new(ROOT1);
		c1 = fs1 ? ngx_conf__load(fs1, MAIN) : NULL;
		atexit(free_root1);
	}
	return c1;
}

static struct ngx_conf *text(const char *s)
{
	return ngx_conf__parse_text(s, strlen(s), "/t.conf");
}

static int has_warning(const struct ngx_conf *c, const char *needle)
{
	int i;

	for (i = 0; i < ngx_conf__nwarnings(c); i++)
		if (strstr(ngx_conf__warning(c, i), needle))
			return 1;
	return 0;
}

static void check_ref(const struct ngx_conf_ref *r, const char *dir, const char *value,
		      const char *file, int line, const char *group, const char *pfile, int pline)
{
	CHECK_STR(r->directive, dir);
	CHECK_STR(r->value, value);
	CHECK_STR(r->file, file);
	CHECK_INT(r->line, line);
	CHECK_STR(r->group, group);
	CHECK_STR(r->pass_file, pfile);
	CHECK_INT(r->pass_line, pline);
}

UNIT_TEST(load_follows_sorted_and_nested_includes)
{
	static const char *const want[] = {
		MAIN,
		"/etc/nginx/modules-enabled/50-mod-http-echo.conf",
		"/etc/nginx/mime.types",
		"/etc/nginx/conf.d/a-first.conf",
		UPS,
		APP,
		"/etc/nginx/proxy_params",
		"/etc/nginx/uwsgi_params",
		"/etc/nginx/sites-enabled/default",
		"/etc/nginx/snippets/fastcgi-php.conf",
		"/etc/nginx/fastcgi.conf",
	};
	struct ngx_conf *c = root1();
	size_t i;

	CHECK(c != NULL, "load failed: %s", strerror(errno));
	if (!c)
		return;
	CHECK_INT(ngx_conf__nfiles(c), sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_STR(ngx_conf__file(c, i), want[i]);
	CHECK_INT(ngx_conf__nwarnings(c), 0);
	if (ngx_conf__nwarnings(c))
		printf("     first warning: %s\n", ngx_conf__warning(c, 0));
}

UNIT_TEST(load_missing_main_file_fails)
{
	struct rootfs *fs = rootfs__new(ROOT1);

	errno = 0;
	CHECK(ngx_conf__load(fs, "/etc/nginx/nope.conf") == NULL, "loaded a missing file");
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK(ngx_conf__load(fs, "etc/nginx/nginx.conf") == NULL, "relative path accepted");
	CHECK_INT(errno, EINVAL);
	CHECK(ngx_conf__load(NULL, MAIN) == NULL, "NULL rootfs accepted");
	rootfs__free(fs);
}

UNIT_TEST(fastcgi_pass_unix_socket_through_symlinked_site)
{
	struct ngx_conf_ref r[4];
	int n = ngx_conf__find_upstream(root1(), "unix:/run/php/php8.1-fpm.sock", r, 4);

	CHECK_INT(n, 1);
	if (n == 1)
		check_ref(&r[0], "fastcgi_pass", "unix:/run/php/php8.1-fpm.sock",
			  "/etc/nginx/sites-enabled/default", 26, NULL,
			  "/etc/nginx/sites-enabled/default", 26);
}

UNIT_TEST(upstream_group_unix_server)
{
	struct ngx_conf_ref r[4];
	int n = ngx_conf__find_upstream(root1(), "unix:/run/php/php8.2-fpm.sock", r, 4);

	CHECK_INT(n, 1);
	if (n == 1)
		check_ref(&r[0], "server", "unix:/run/php/php8.2-fpm.sock", UPS, 12, "php_pool",
			  APP, 50);
}

UNIT_TEST(upstream_group_server_with_parameters)
{
	struct ngx_conf_ref r[4];
	int n = ngx_conf__find_upstream(root1(), "127.0.0.1:8080", r, 4);

	CHECK_INT(n, 1);
	if (n == 1)
		check_ref(&r[0], "server", "127.0.0.1:8080", UPS, 4, "backend", APP, 8);
	n = ngx_conf__find_upstream(root1(), "127.0.0.1:9000", r, 4);
	CHECK_INT(n, 1);
	if (n == 1)
		check_ref(&r[0], "server", "127.0.0.1:9000", UPS, 13, "php_pool", APP, 50);
}

UNIT_TEST(upstream_server_without_port_is_80)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "app.internal:80", r, 4), 1);
	CHECK_INT(r[0].line, 7);
	CHECK_INT(ngx_conf__find_upstream(root1(), "APP.internal:80", r, 4), 1);
	CHECK_INT(ngx_conf__find_upstream(root1(), "app.internal:8080", r, 4), 0);
}

UNIT_TEST(localhost_matches_loopback_both_ways)
{
	struct ngx_conf_ref r[4];
	int n;

	n = ngx_conf__find_upstream(root1(), "127.0.0.1:8081", r, 4);
	CHECK_INT(n, 1);
	CHECK_STR(r[0].value, "localhost:8081");
	CHECK_INT(ngx_conf__find_upstream(root1(), "[::1]:8081", r, 4), 1);
	CHECK_INT(ngx_conf__find_upstream(root1(), "10.1.1.1:8081", r, 4), 0);
	/* localhost:8080 is the [::1]:8080 pass and the 127.0.0.1:8080 server */
	n = ngx_conf__find_upstream(root1(), "localhost:8080", r, 4);
	CHECK_INT(n, 2);
	CHECK_STR(r[0].value, "http://[::1]:8080");
	CHECK_STR(r[1].value, "127.0.0.1:8080");
}

UNIT_TEST(proxy_pass_with_uri)
{
	struct ngx_conf_ref r[4];
	int n = ngx_conf__find_upstream(root1(), "127.0.0.1:3000", r, 4);

	CHECK_INT(n, 1);
	if (n == 1)
		check_ref(&r[0], "proxy_pass", "http://127.0.0.1:3000/api/", APP, 13, NULL, APP,
			  13);
}

UNIT_TEST(proxy_pass_without_port_multiline)
{
	struct ngx_conf_ref r[4];
	int n = ngx_conf__find_upstream(root1(), "127.0.0.1:80", r, 4);

	CHECK_INT(n, 1);
	CHECK_STR(r[0].value, "http://localhost");
	CHECK_INT(r[0].line, 18); /* where the directive starts */
}

UNIT_TEST(proxy_pass_https_defaults_to_443)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "10.0.0.5:443", r, 4), 1);
	CHECK_INT(r[0].line, 23);
	CHECK_INT(ngx_conf__find_upstream(root1(), "10.0.0.5:80", r, 4), 0);
}

UNIT_TEST(proxy_pass_ipv6)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "[::1]:8080", r, 4), 1);
	CHECK_INT(r[0].line, 27);
	CHECK_INT(ngx_conf__find_upstream(root1(), "[0:0::1]:8080", r, 4), 1);
	CHECK_INT(ngx_conf__find_upstream(root1(), "[::1]:8082", r, 4), 1);
	CHECK_STR(r[0].group, "backend");
}

UNIT_TEST(proxy_pass_variables_never_match)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:4000", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(root1(), "$dyn_backend", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(root1(), "", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(root1(), "[::1", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(root1(), "x:99999", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(NULL, "x:1", r, 4), 0);
}

UNIT_TEST(proxy_pass_unix_url_and_other_passes)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "unix:/run/app/gunicorn.sock", r, 4), 1);
	CHECK_STR(r[0].value, "http://unix:/run/app/gunicorn.sock:/sock/");
	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:50051", r, 4), 1);
	CHECK_STR(r[0].directive, "grpc_pass");
	CHECK_INT(ngx_conf__find_upstream(root1(), "unix:/run/uwsgi/app.sock", r, 4), 1);
	CHECK_STR(r[0].directive, "uwsgi_pass");
	CHECK_INT(r[0].line, 45);
}

UNIT_TEST(group_name_key)
{
	struct ngx_conf_ref r[4];

	CHECK_INT(ngx_conf__find_upstream(root1(), "backend", r, 4), 1);
	check_ref(&r[0], "proxy_pass", "http://backend", APP, 8, "backend", APP, 8);
	CHECK_INT(ngx_conf__find_upstream(root1(), "php_pool", r, 4), 2);
	CHECK_INT(r[0].line, 50);
	CHECK_INT(r[1].line, 52);
	CHECK_INT(ngx_conf__find_upstream(root1(), "nosuch", r, 4), 0);
	CHECK_INT(ngx_conf__find_upstream(root1(), "php_pool", r, 1), 1);
}

UNIT_TEST(effective_inherited_from_http)
{
	struct ngx_conf_ref r[4];
	const char *file, *v;
	int line;

	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:3000", r, 4), 1);
	v = ngx_conf__effective(root1(), &r[0], "proxy_connect_timeout", &file, &line);
	CHECK_STR(v, "5s");
	CHECK_STR(file, MAIN);
	CHECK_INT(line, 33);
}

UNIT_TEST(effective_server_and_location_override)
{
	struct ngx_conf_ref r[4];
	const char *file;
	int line;

	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:3000", r, 4), 1);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_buffer_size", &file, &line), "16k");
	CHECK_STR(file, APP);
	CHECK_INT(line, 5);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_read_timeout", &file, &line), "300s");
	CHECK_INT(line, 14);
	CHECK_INT(ngx_conf__find_upstream(root1(), "unix:/run/php/php8.1-fpm.sock", r, 4), 1);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "fastcgi_read_timeout", NULL, &line), "300s");
	CHECK_INT(line, 27);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_buffer_size", &file, NULL), "8k");
	CHECK_STR(file, MAIN);
	/* an included snippet is part of the location */
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "fastcgi_index", &file, NULL), "index.php");
	CHECK_STR(file, "/etc/nginx/snippets/fastcgi-php.conf");
}

UNIT_TEST(effective_from_included_file_at_http_level)
{
	struct ngx_conf_ref r[4];
	const char *file;
	int line;

	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:8080", r, 4), 1);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_read_timeout", &file, &line), "90s");
	CHECK_STR(file, "/etc/nginx/conf.d/a-first.conf");
	CHECK_INT(line, 2);
	/* the group's pass is in "location /" of the app server */
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_buffer_size", NULL, NULL), "16k");
}

UNIT_TEST(effective_upstream_keepalive_and_unset)
{
	struct ngx_conf_ref r[4], fake = {0};
	const char *file = "x";
	int line = 5;

	CHECK_INT(ngx_conf__find_upstream(root1(), "127.0.0.1:8080", r, 4), 1);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "keepalive", &file, &line), "16");
	CHECK_STR(file, UPS);
	CHECK_INT(line, 8);
	CHECK_STR(ngx_conf__effective(root1(), &r[0], "proxy_next_upstream", &file, &line), NULL);
	CHECK_STR(file, NULL);
	CHECK_INT(line, 0);
	/* a ctx that is not ours falls back to the main context */
	fake.ctx = &fake;
	CHECK_STR(ngx_conf__effective(root1(), &fake, "pid", NULL, NULL), "/run/nginx.pid");
	CHECK_STR(ngx_conf__effective(root1(), NULL, "worker_processes", NULL, NULL), "auto");
	CHECK_STR(ngx_conf__effective(root1(), NULL, "keepalive", NULL, NULL), NULL);
}

UNIT_TEST(error_logs_at_every_level)
{
	const char *paths[8], *levels[8];
	int n = ngx_conf__error_logs(root1(), paths, levels, 8);

	CHECK_INT(n, 3);
	if (n != 3)
		return;
	CHECK_STR(paths[0], "/var/log/nginx/error.log");
	CHECK_STR(levels[0], "error");
	CHECK_STR(paths[1], "/var/log/nginx/http-error.log");
	CHECK_STR(levels[1], "warn");
	CHECK_STR(paths[2], "/var/log/nginx/app-error.log");
	CHECK_STR(levels[2], "info");
	CHECK_INT(ngx_conf__error_logs(root1(), paths, NULL, 1), 1);
}

UNIT_TEST(unreadable_include_is_a_warning)
{
	struct rootfs *fs = rootfs__new(ROOT2);
	struct ngx_conf *c = ngx_conf__load(fs, MAIN);
	struct ngx_conf_ref r[2];
	const char *file;

	CHECK(c != NULL, "load failed");
	CHECK(has_warning(c, "nginx.conf:5: cannot read include /etc/nginx/missing.conf"),
	      "no warning for missing.conf");
	CHECK(has_warning(c, "/etc/nginx/conf.d/dir.conf: Is a directory"),
	      "no warning for a directory");
	/* what follows the bad includes is read */
	CHECK_INT(ngx_conf__find_upstream(c, "127.0.0.1:9000", r, 2), 1);
	CHECK_INT(r[0].line, 14);
	CHECK_STR(ngx_conf__effective(c, &r[0], "keepalive_timeout", &file, NULL), "30s");
	CHECK_STR(file, "/etc/nginx/conf.d/ok.conf");
	ngx_conf__free(c);
	rootfs__free(fs);
}

UNIT_TEST(include_loop_is_cut)
{
	struct rootfs *fs = rootfs__new(ROOT2);
	struct ngx_conf *c = ngx_conf__load(fs, MAIN);
	const char *paths[4], *levels[4];

	CHECK(c != NULL, "load failed");
	CHECK(has_warning(c, "loop.conf:3: include loop: /etc/nginx/loop.conf is already being"),
	      "no loop warning");
	CHECK_INT(ngx_conf__nfiles(c), 3); /* nginx.conf, conf.d/ok.conf, loop.conf */
	CHECK_INT(ngx_conf__error_logs(c, paths, levels, 4), 2);
	CHECK_STR(paths[0], "stderr");
	CHECK_STR(paths[1], "syslog:server=unix:/dev/log,tag=nginx");
	CHECK_STR(levels[1], "notice");
	ngx_conf__free(c);
	rootfs__free(fs);
}

UNIT_TEST(comments_quotes_and_escapes)
{
	struct ngx_conf *c = text("# top comment\n"
				  "return 200 'a \"quoted\" ; { } # string';  # trailing\n"
				  "add_header X-A \"tab\\there \\\"q\\\" \\\\ \\d\";\n"
				  "rewrite ^/(.*)$ /${1}x#y last;\n"
				  "set $a\\;b 1;\n");

	CHECK_INT(ngx_conf__nwarnings(c), 0);
	CHECK_INT(ngx_conf__ndirectives(c), 4);
	CHECK_STR(ngx_conf__effective(c, NULL, "return", NULL, NULL),
		  "200 a \"quoted\" ; { } # string");
	CHECK_STR(ngx_conf__effective(c, NULL, "add_header", NULL, NULL),
		  "X-A tab\there \"q\" \\ \\d");
	CHECK_STR(ngx_conf__effective(c, NULL, "rewrite", NULL, NULL), "^/(.*)$ /${1}x#y last");
	CHECK_STR(ngx_conf__effective(c, NULL, "set", NULL, NULL), "$a\\;b 1");
	ngx_conf__free(c);
}

UNIT_TEST(blocks_map_types_if_location_regex)
{
	struct ngx_conf *c = text("http {\n"
				  " map $uri $x { default 0; ~^/a 1; }\n"
				  " types { text/html html; }\n"
				  " server {\n"
				  "  location ~ \\.php$ {\n"
				  "   if ($request_method = POST) {\n"
				  "     fastcgi_pass 127.0.0.1:9001; }\n"
				  "   fastcgi_read_timeout 7s;\n"
				  "  }\n"
				  "  server_name a;\n"
				  " }\n"
				  " upstream u { server 127.0.0.1:9001; }\n"
				  "}\n");
	struct ngx_conf_ref r[4];
	int n;

	CHECK_INT(ngx_conf__nwarnings(c), 0);
	n = ngx_conf__find_upstream(c, "127.0.0.1:9001", r, 4);
	CHECK_INT(n, 2); /* the pass in if{} and the server in upstream u */
	CHECK_INT(r[0].line, 7);
	CHECK_STR(r[1].group, "u");
	CHECK_INT(r[1].pass_line, 12); /* no pass names u: its own line */
	CHECK_STR(ngx_conf__effective(c, &r[0], "fastcgi_read_timeout", NULL, NULL), "7s");
	ngx_conf__free(c);
}

UNIT_TEST(unterminated_blocks_keep_what_was_read)
{
	struct ngx_conf *c = text("http { server { location / { proxy_pass http://127.0.0.1:81;");
	struct ngx_conf_ref r[2];

	CHECK(c != NULL, "NULL");
	CHECK_INT(ngx_conf__find_upstream(c, "127.0.0.1:81", r, 2), 1);
	CHECK(has_warning(c, "unexpected end of file"), "no eof warning");
	ngx_conf__free(c);
	c = text("a 'unterminated;\n b;\n");
	CHECK(has_warning(c, "quoted string"), "no quote warning");
	ngx_conf__free(c);
	c = text("} a; ; { } b");
	CHECK(has_warning(c, "unexpected \"}\""), "no } warning");
	CHECK(has_warning(c, "expecting \";\""), "no ; warning");
	CHECK_INT(ngx_conf__ndirectives(c), 2);
	ngx_conf__free(c);
}

UNIT_TEST(garbage_never_crashes)
{
	static const char *const junk[] = {
		"",
		"{",
		"}",
		";",
		"\"",
		"'",
		"\\",
		"$",
		"${",
		"{{{{{{",
		"}}}}}",
		"a{b}c;d",
		"\xff\xfe\x00\x01;{",
		"include",
		"include;",
		"include a b;",
		"upstream {",
		"upstream x { server; server unix:; server [::1; server :80; }",
		"proxy_pass http://;proxy_pass unix:;proxy_pass [;proxy_pass http://[::1]:x;",
		"error_log;user;",
		"#",
		"# only a comment",
	};
	struct ngx_conf_ref r[4];
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct ngx_conf *c =
			ngx_conf__parse_text(junk[i], strlen(junk[i]) + (i == 12), NULL);

		CHECK(c != NULL, "case %zu returned NULL", i);
		ngx_conf__find_upstream(c, "127.0.0.1:80", r, 4);
		ngx_conf__find_upstream(c, "x", r, 4);
		ngx_conf__find_upstream(c, "unix:/x", r, 4);
		ngx_conf__error_logs(c, NULL, NULL, 4);
		ngx_conf__effective(c, NULL, "x", NULL, NULL);
		ngx_conf__free(c);
	}
	CHECK(ngx_conf__parse_text(NULL, 0, NULL) == NULL, "NULL text accepted");
	ngx_conf__free(NULL);
}

UNIT_TEST(directive_and_nesting_limits)
{
	size_t n = NGX_CONF_MAX_DIRECTIVES + 10, i;
	char *s = malloc(n * 2 + 1);
	struct ngx_conf *c;

	for (i = 0; i < n; i++)
		memcpy(s + i * 2, "a;", 2);
	c = ngx_conf__parse_text(s, n * 2, NULL);
	CHECK_INT(ngx_conf__ndirectives(c), NGX_CONF_MAX_DIRECTIVES);
	CHECK(has_warning(c, "more than 50000 directives"), "no limit warning");
	CHECK(ngx_conf__limit(c) != NULL, "the limit is not reported as one");
	ngx_conf__free(c);
	for (i = 0; i < 200; i++)
		memcpy(s + i * 2, "b{", 2);
	c = ngx_conf__parse_text(s, 400, NULL);
	CHECK(has_warning(c, "nested deeper than 64"), "no nesting warning");
	CHECK_INT(ngx_conf__ndirectives(c), 64);
	ngx_conf__free(c);
	free(s);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* A temporary root with a directory /c in it: 0, or -1 (and a failed CHECK). */
static int make_root(char *root)
{
	char p[256];
	int ok = mkdtemp(root) != NULL;

	snprintf(p, sizeof(p), "%s/c", root);
	ok = ok && !mkdir(p, 0755);
	CHECK(ok, "cannot build the temporary root");
	return ok ? 0 : -1;
}

static void remove_root(const char *root)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CHECK_INT(system(cmd), 0);
}

UNIT_TEST(include_depth_limit)
{
	char root[] = "/tmp/ngxconf_test.XXXXXX", p[256], text[64];
	struct rootfs *fs = NULL;
	struct ngx_conf *c = NULL;
	int i, ok;

	ok = !make_root(root);
	for (i = 0; ok && i < 20; i++) {
		snprintf(p, sizeof(p), "%s/c/%d.conf", root, i);
		snprintf(text, sizeof(text), "include %d.conf;\n", i + 1);
		ok = !write_file(p, text);
	}
	if (ok)
		fs = rootfs__new(root);
	if (fs)
		c = ngx_conf__load(fs, "/c/0.conf");
	CHECK(c != NULL, "load failed");
	CHECK(has_warning(c, "/c/16.conf:1: include 17.conf: nesting deeper than 16"),
	      "no depth warning");
	CHECK_INT(ngx_conf__nfiles(c), 17);
	CHECK_INT(ngx_conf__ndirectives(c), 17);
	ngx_conf__free(c);
	rootfs__free(fs);
	remove_root(root);
}

UNIT_TEST(include_fan_out_is_bounded)
{
	char root[] = "/tmp/ngxconf_test.XXXXXX", p[256], text[128];
	struct rootfs *fs = NULL;
	struct ngx_conf *c = NULL;
	int i, ok;

	/* each file includes the next one twice: 2^15 reads unbounded */
	ok = !make_root(root);
	for (i = 0; ok && i < 16; i++) {
		snprintf(p, sizeof(p), "%s/c/%02d.conf", root, i);
		if (i < 15)
			snprintf(text, sizeof(text),
				 "include /c/%02d.conf; include /c/%02d.conf;\n", i + 1, i + 1);
		else
			snprintf(text, sizeof(text), "x;\n");
		ok = !write_file(p, text);
	}
	if (ok)
		fs = rootfs__new(root);
	if (fs)
		c = ngx_conf__load(fs, "/c/00.conf");
	CHECK(c != NULL, "load failed");
	CHECK_INT(ngx_conf__nwarnings(c), 1);
	CHECK(has_warning(c, "too many or too large files"), "no limit warning");
	CHECK(ngx_conf__ndirectives(c) <= 2 * NGX_CONF_MAX_FILES, "%d directives",
	      ngx_conf__ndirectives(c));
	ngx_conf__free(c);
	rootfs__free(fs);
	remove_root(root);
}

UNIT_TEST(symlink_cannot_escape_the_root)
{
	char root[] = "/tmp/ngxconf_test.XXXXXX", p[256];
	struct rootfs *fs = NULL;
	struct ngx_conf *c = NULL;
	int i, ok;

	ok = mkdtemp(root) != NULL;
	snprintf(p, sizeof(p), "%s/etc", root);
	ok = ok && !mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/nginx", root);
	ok = ok && !mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/nginx/conf.d", root);
	ok = ok && !mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc/nginx/conf.d/evil.conf", root);
	ok = ok && !symlink("/etc/passwd", p);
	snprintf(p, sizeof(p), "%s/etc/nginx/nginx.conf", root);
	ok = ok && !write_file(p, "include conf.d/*.conf;\n"
				  "include ../../../../../../etc/shadow;\n"
				  "user inside;\n");
	CHECK(ok, "cannot build the temporary root");
	if (ok)
		fs = rootfs__new(root);
	if (fs)
		c = ngx_conf__load(fs, MAIN);
	CHECK(c != NULL, "load failed");
	CHECK(has_warning(c, "cannot read include /etc/nginx/conf.d/evil.conf"),
	      "the symlink was followed out of the root");
	CHECK(has_warning(c, "cannot read include /etc/nginx/../../../../../../etc/shadow"),
	      "../ left the root");
	for (i = 0; c && i < ngx_conf__nwarnings(c); i++)
		CHECK(!strstr(ngx_conf__warning(c, i), "root:"), "host file read: %s",
		      ngx_conf__warning(c, i));
	CHECK_INT(ngx_conf__ndirectives(c), 3);
	/* with an etc/passwd inside the root, that one is read */
	snprintf(p, sizeof(p), "%s/etc/passwd", root);
	ok = !write_file(p, "error_log /inside.log;\n");
	ngx_conf__free(c);
	c = ok && fs ? ngx_conf__load(fs, MAIN) : NULL;
	CHECK_INT(ngx_conf__error_logs(c, NULL, NULL, 4), 1);
	ngx_conf__free(c);
	rootfs__free(fs);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/nginx/conf.d/evil.conf", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/nginx/nginx.conf", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/etc/nginx/conf.d", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/etc/nginx", root);
	rmdir(p);
	snprintf(p, sizeof(p), "%s/etc", root);
	rmdir(p);
	rmdir(root);
}

int main(void)
{
	return unit_main();
}
