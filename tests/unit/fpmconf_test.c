// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Run from the repository root: fixture paths are relative to it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/fpmconf.h"
#include "../../user/rootfs.h"

#define ROOT1 "tests/fixtures/fpm-conf/root1"
#define ROOT2 "tests/fixtures/fpm-conf/root2"
#define MAIN  "/etc/php/8.2/fpm/php-fpm.conf"
#define POOLD "/etc/php/8.2/fpm/pool.d/"

static struct rootfs *fs1;
static struct fpm_conf *c1;

static void free_root1(void)
{
	fpm_conf__free(c1);
	rootfs__free(fs1);
}

/* root1 is loaded once and shared by the read-only cases. */
static struct fpm_conf *root1(void)
{
	if (!c1) {
		fs1 = rootfs__new(ROOT1);
		c1 = fs1 ? fpm_conf__load(fs1, MAIN) : NULL;
		atexit(free_root1);
	}
	return c1;
}

static struct fpm_conf *text(const char *s)
{
	return fpm_conf__parse_text(s, strlen(s), "/t.conf");
}

static int has_warning(const struct fpm_conf *c, const char *needle)
{
	int i;

	for (i = 0; i < fpm_conf__nwarnings(c); i++)
		if (strstr(fpm_conf__warning(c, i), needle))
			return 1;
	return 0;
}

static void check_val(struct fpm_val v, const char *value, const char *file, int line)
{
	CHECK_STR(v.value, value);
	CHECK_STR(v.file, file);
	CHECK_INT(v.line, line);
}

static const char *key(const struct fpm_pool *p)
{
	static char buf[256];

	return fpm_pool__listen_key(p, buf, sizeof(buf));
}

UNIT_TEST(load_debian_layout)
{
	static const char *const names[] = {"api", "legacy", "reports", "v6", "any4", "www"};
	struct fpm_conf *c = root1();
	size_t i;

	CHECK(c != NULL, "load failed: %s", strerror(errno));
	if (!c)
		return;
	CHECK_INT(fpm_conf__nwarnings(c), 0);
	CHECK_INT(fpm_conf__npools(c), 6);
	for (i = 0; i < 6; i++)
		CHECK_STR(fpm_conf__pool(c, i) ? fpm_conf__pool(c, i)->name : NULL, names[i]);
	CHECK(fpm_conf__pool(c, 6) == NULL, "pool past the end");
	CHECK(fpm_conf__pool(c, -1) == NULL, "pool -1");
	CHECK(fpm_conf__pool_by_name(c, "disabled") == NULL, "read a *.conf.disabled file");
}

UNIT_TEST(files_are_read_in_glob_order)
{
	static const char *const want[] = {
		MAIN,
		POOLD "api.conf",
		POOLD "legacy.conf",
		POOLD "www.conf",
		POOLD "zz-override.conf",
	};
	size_t i;

	CHECK_INT(fpm_conf__nfiles(root1()), 5);
	for (i = 0; i < 5; i++)
		CHECK_STR(fpm_conf__file(root1(), i), want[i]);
}

UNIT_TEST(www_pool_lines_exact)
{
	const struct fpm_pool *p = fpm_conf__pool_by_name(root1(), "www");

	CHECK(p != NULL, "no www");
	if (!p)
		return;
	CHECK_STR(p->file, POOLD "www.conf");
	CHECK_INT(p->line, 4);
	check_val(p->listen, "/run/php/php8.2-fpm.sock", POOLD "www.conf", 41);
	check_val(p->user, "www-data", POOLD "www.conf", 28);
	check_val(p->group, "www-data", POOLD "www.conf", 29);
	check_val(p->listen_owner, "www-data", POOLD "www.conf", 51);
	check_val(p->listen_group, "www-data", POOLD "www.conf", 52);
	check_val(p->pm, "dynamic", POOLD "www.conf", 60);
}

UNIT_TEST(commented_keys_are_not_set)
{
	const struct fpm_pool *p = fpm_conf__pool_by_name(root1(), "www");

	CHECK(p && !p->listen_mode.value, "listen.mode set from a comment");
	CHECK(p && !p->listen_backlog.value, "listen.backlog set from a comment");
	CHECK(p && !p->request_terminate_timeout.value, "request_terminate_timeout set");
	CHECK(p && !p->listen_backlog.file && !p->listen_backlog.line, "file/line of unset");
}

UNIT_TEST(repeated_section_continues_and_overrides)
{
	const struct fpm_pool *p = fpm_conf__pool_by_name(root1(), "www");

	CHECK(p != NULL, "no www");
	if (!p)
		return;
	check_val(p->pm_max_children, "8", POOLD "zz-override.conf", 3);
	CHECK_INT(p->line, 4); /* still where it was first opened */
}

UNIT_TEST(second_pool_quotes_and_comments)
{
	const struct fpm_pool *p = fpm_conf__pool_by_name(root1(), "api");

	CHECK(p != NULL, "no api");
	if (!p)
		return;
	check_val(p->group, "www-data", POOLD "api.conf", 4);
	check_val(p->listen, "127.0.0.1:9001", POOLD "api.conf", 5);
	check_val(p->listen_backlog, "64", POOLD "api.conf", 6);
	check_val(p->listen_allowed_clients, "127.0.0.1", POOLD "api.conf", 7);
	check_val(p->pm, "static", POOLD "api.conf", 8);
	check_val(p->pm_max_children, "12", POOLD "api.conf", 9);
	check_val(p->request_terminate_timeout, "30s", POOLD "api.conf", 10);
}

UNIT_TEST(pool_name_substitution)
{
	const struct fpm_pool *p = fpm_conf__pool_by_name(root1(), "api");

	CHECK_STR(p ? p->user.value : NULL, "api");
	p = fpm_conf__pool_by_name(root1(), "reports");
	CHECK_STR(p ? p->listen.value : NULL, "/run/php/reports.sock");
	CHECK_STR(p ? p->listen_mode.value : NULL, "0600");
}

UNIT_TEST(pool_name_substitution_many_and_bounded)
{
	struct fpm_conf *c = text("[a]\nlisten = /$pool/$pool$pool.sock\n"
				  "user = ${pool}\n");
	const struct fpm_pool *p = fpm_conf__pool(c, 0);
	size_t i, n = 20000, len;
	char *s;

	CHECK_STR(p ? p->listen.value : NULL, "/a/aa.sock");
	CHECK_STR(p ? p->user.value : NULL, "${pool}"); /* ${} is the environment's */
	fpm_conf__free(c);
	/* a long name times many $pool: refused, not allocated */
	s = malloc(n * 5 + 1100);
	len = sprintf(s, "[");
	for (i = 0; i < 100; i++)
		len += sprintf(s + len, "nnnnnnnnnn");
	len += sprintf(s + len, "]\nlisten = ");
	for (i = 0; i < n; i++)
		len += sprintf(s + len, "$pool");
	c = text(s);
	CHECK(has_warning(c, "too long"), "no warning");
	p = fpm_conf__pool(c, 0);
	CHECK(p && p->listen.value && !strncmp(p->listen.value, "$pool$pool", 10), "value changed");
	fpm_conf__free(c);
	free(s);
}

UNIT_TEST(global_settings)
{
	check_val(fpm_conf__global(root1(), "pid"), "/run/php/php8.2-fpm.pid", MAIN, 19);
	check_val(fpm_conf__global(root1(), "error_log"), "/var/log/php8.2-fpm.log", MAIN, 26);
	CHECK_STR(fpm_conf__global(root1(), "log_level").value, NULL);
	CHECK_STR(fpm_conf__global(NULL, "pid").value, NULL);
}

UNIT_TEST(pool_by_listen_unix)
{
	const struct fpm_pool *p;

	p = fpm_conf__pool_by_listen(root1(), "unix:/run/php/php8.2-fpm.sock");
	CHECK_STR(p ? p->name : NULL, "www");
	p = fpm_conf__pool_by_listen(root1(), "unix:/run/php/php8.1-fpm.sock");
	CHECK(p == NULL, "php8.1 socket matched %s", p->name);
	p = fpm_conf__pool_by_listen(root1(), "unix:/run/php/reports.sock");
	CHECK_STR(p ? p->name : NULL, "reports");
}

UNIT_TEST(pool_by_listen_tcp)
{
	const struct fpm_pool *p;

	p = fpm_conf__pool_by_listen(root1(), "127.0.0.1:9001");
	CHECK_STR(p ? p->name : NULL, "api");
	p = fpm_conf__pool_by_listen(root1(), "localhost:9001");
	CHECK_STR(p ? p->name : NULL, "api");
	p = fpm_conf__pool_by_listen(root1(), "10.0.0.1:9001");
	CHECK(p == NULL, "10.0.0.1:9001 matched");
	p = fpm_conf__pool_by_listen(root1(), "127.0.0.1:9999");
	CHECK(p == NULL, "9999 matched");
}

UNIT_TEST(pool_by_listen_port_only_and_wildcards)
{
	const struct fpm_pool *p;

	p = fpm_conf__pool_by_listen(root1(), "127.0.0.1:9000");
	CHECK_STR(p ? p->name : NULL, "legacy");
	p = fpm_conf__pool_by_listen(root1(), "[::1]:9000");
	CHECK_STR(p ? p->name : NULL, "legacy");
	p = fpm_conf__pool_by_listen(root1(), "*:9000");
	CHECK_STR(p ? p->name : NULL, "legacy");
	p = fpm_conf__pool_by_listen(root1(), "127.0.0.1:9002"); /* [::] is dual stack */
	CHECK_STR(p ? p->name : NULL, "v6");
	p = fpm_conf__pool_by_listen(root1(), "[::1]:9002");
	CHECK_STR(p ? p->name : NULL, "v6");
	p = fpm_conf__pool_by_listen(root1(), "192.168.1.2:9003");
	CHECK_STR(p ? p->name : NULL, "any4");
	p = fpm_conf__pool_by_listen(root1(), "[::1]:9003"); /* 0.0.0.0 is IPv4 only */
	CHECK(p == NULL, "[::1]:9003 matched");
}

UNIT_TEST(exact_address_wins_over_wildcard)
{
	struct fpm_conf *c = text("[all]\nlisten = 9000\n[lo]\nlisten = 127.0.0.1:9000\n"
				  "[v6]\nlisten = [::1]:9000\n");
	const struct fpm_pool *p;

	p = fpm_conf__pool_by_listen(c, "127.0.0.1:9000");
	CHECK_STR(p ? p->name : NULL, "lo");
	p = fpm_conf__pool_by_listen(c, "[::1]:9000");
	CHECK_STR(p ? p->name : NULL, "v6");
	p = fpm_conf__pool_by_listen(c, "10.0.0.1:9000");
	CHECK_STR(p ? p->name : NULL, "all");
	fpm_conf__free(c);
}

UNIT_TEST(listen_keys)
{
	static const struct {
		const char *pool, *key;
	} want[] = {
		{"www", "unix:/run/php/php8.2-fpm.sock"},
		{"api", "127.0.0.1:9001"},
		{"legacy", "*:9000"},
		{"v6", "[::]:9002"},
		{"any4", "0.0.0.0:9003"},
	};
	char small[8];
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK_STR(key(fpm_conf__pool_by_name(root1(), want[i].pool)), want[i].key);
	errno = 0;
	CHECK(!fpm_pool__listen_key(fpm_conf__pool_by_name(root1(), "www"), small, sizeof(small)),
	      "no ERANGE");
	CHECK_INT(errno, ERANGE);
}

UNIT_TEST(listen_key_of_a_pool_without_listen)
{
	struct fpm_conf *c = text("[nolisten]\nuser = x\n");

	errno = 0;
	CHECK(key(fpm_conf__pool(c, 0)) == NULL, "a key without listen");
	CHECK_INT(errno, ENOENT);
	CHECK(fpm_conf__pool_by_listen(c, "*:9000") == NULL, "matched without listen");
	fpm_conf__free(c);
}

UNIT_TEST(settings_before_a_section_are_global)
{
	struct fpm_conf *c = text("pid = /run/x.pid\nlisten = 9000\n[p]\nlisten=9001\n");

	CHECK_STR(fpm_conf__global(c, "pid").value, "/run/x.pid");
	CHECK_INT(fpm_conf__npools(c), 1);
	CHECK_STR(key(fpm_conf__pool(c, 0)), "*:9001");
	fpm_conf__free(c);
}

UNIT_TEST(later_key_overrides_earlier)
{
	struct fpm_conf *c = text("[p]\nlisten = 9000\n\n listen = /run/b.sock ; again\n");

	check_val(fpm_conf__pool(c, 0)->listen, "/run/b.sock", "/t.conf", 4);
	fpm_conf__free(c);
}

UNIT_TEST(global_section_case_and_crlf)
{
	struct fpm_conf *c = text("[GLOBAL]\r\nerror_log = syslog\r\n[web]\r\nlisten = 9000\r\n");

	CHECK_STR(fpm_conf__global(c, "error_log").value, "syslog");
	CHECK_INT(fpm_conf__npools(c), 1);
	CHECK_STR(fpm_conf__pool(c, 0)->name, "web");
	CHECK_STR(fpm_conf__pool(c, 0)->listen.value, "9000");
	fpm_conf__free(c);
}

UNIT_TEST(quoted_values)
{
	struct fpm_conf *c = text("[q]\nuser = \"a;b\" ; c\ngroup = 'x\"y'\n"
				  "listen = \"/run/with space.sock\"\npm = \"open\n");
	const struct fpm_pool *p = fpm_conf__pool(c, 0);

	CHECK_STR(p->user.value, "a;b");
	CHECK_STR(p->group.value, "x\"y");
	CHECK_STR(p->listen.value, "/run/with space.sock");
	CHECK_STR(p->pm.value, "open");
	CHECK(has_warning(c, "/t.conf:5: unterminated"), "no warning");
	fpm_conf__free(c);
}

UNIT_TEST(syntax_errors_are_warnings)
{
	struct fpm_conf *c = text("[a\nnot a setting\n= novalue\n[]\nlisten = 1\n[ok]\nlisten=2\n");

	CHECK(has_warning(c, "/t.conf:1: section without"), "no ] warning");
	CHECK(has_warning(c, "/t.conf:2: syntax error"), "no = warning");
	CHECK(has_warning(c, "/t.conf:3: bad key"), "no key warning");
	CHECK(has_warning(c, "/t.conf:4: empty section"), "no empty warning");
	CHECK_INT(fpm_conf__npools(c), 1); /* listen = 1 went nowhere */
	CHECK_STR(key(fpm_conf__pool(c, 0)), "*:2");
	fpm_conf__free(c);
}

UNIT_TEST(include_missing_and_loop)
{
	struct rootfs *fs = rootfs__new(ROOT2);
	struct fpm_conf *c = fs ? fpm_conf__load(fs, MAIN) : NULL;
	const struct fpm_pool *p;

	CHECK(c != NULL, "load failed");
	CHECK(has_warning(c, "php-fpm.conf:4: cannot read include /etc/php/8.2/fpm/missing.conf"),
	      "no warning for missing.conf");
	CHECK(has_warning(c, "php-fpm.conf:5: include loop: " MAIN " is already being read"),
	      "no loop warning");
	CHECK_INT(fpm_conf__npools(c), 1);
	p = fpm_conf__pool_by_listen(c, "127.0.0.1:9100");
	CHECK_STR(p ? p->name : NULL, "loop");
	CHECK_STR(p ? p->listen.file : NULL, POOLD "loop.conf");
	CHECK_STR(fpm_conf__global(c, "error_log").value, "syslog");
	fpm_conf__free(c);
	rootfs__free(fs);
}

UNIT_TEST(include_depth_limit)
{
	char root[] = "/tmp/fpmconf_test.XXXXXX", p[256], body[64];
	struct rootfs *fs = NULL;
	struct fpm_conf *c = NULL;
	int i, ok = mkdtemp(root) != NULL;

	for (i = 0; ok && i < 20; i++) {
		FILE *f;

		snprintf(p, sizeof(p), "%s/%d.conf", root, i);
		snprintf(body, sizeof(body), "[p%d]\nlisten = %d\ninclude = %d.conf\n", i, 9000 + i,
			 i + 1);
		f = fopen(p, "w");
		ok = f && fputs(body, f) >= 0;
		if (f)
			fclose(f);
	}
	CHECK(ok, "cannot build the temporary root");
	if (ok)
		fs = rootfs__new(root);
	if (fs)
		c = fpm_conf__load(fs, "/0.conf");
	CHECK(has_warning(c, "/16.conf:3: include 17.conf: nesting deeper than 16"),
	      "no depth warning");
	CHECK_INT(fpm_conf__npools(c), 17);
	fpm_conf__free(c);
	rootfs__free(fs);
	for (i = 0; i < 20; i++) {
		snprintf(p, sizeof(p), "%s/%d.conf", root, i);
		unlink(p);
	}
	rmdir(root);
}

UNIT_TEST(load_failures)
{
	struct rootfs *fs = rootfs__new(ROOT1);

	errno = 0;
	CHECK(fpm_conf__load(fs, "/etc/php/8.2/fpm/nope.conf") == NULL, "loaded a missing file");
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK(fpm_conf__load(fs, "php-fpm.conf") == NULL, "relative path");
	CHECK_INT(errno, EINVAL);
	errno = 0;
	CHECK(fpm_conf__load(fs, "/etc/php/8.2/fpm") == NULL, "loaded a directory");
	CHECK_INT(errno, EISDIR);
	CHECK(fpm_conf__parse_text(NULL, 0, NULL) == NULL, "NULL text");
	rootfs__free(fs);
}

UNIT_TEST(include_ignored_in_text_mode)
{
	struct fpm_conf *c = text("include=/etc/passwd\n[p]\nlisten=1\n");

	CHECK_INT(fpm_conf__nfiles(c), 1);
	CHECK_INT(fpm_conf__npools(c), 1);
	fpm_conf__free(c);
}

UNIT_TEST(bad_keys_never_match)
{
	static const char *const keys[] = {
		"",	 "unix:",   ":",       "127.0.0.1:",	   "127.0.0.1:0", "127.0.0.1:65536",
		"[::1]", "x:9000x", "backend", "127.0.0.1:9000:1",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		CHECK(!fpm_conf__pool_by_listen(root1(), keys[i]), "\"%s\" matched", keys[i]);
	CHECK(!fpm_conf__pool_by_listen(NULL, "*:9000"), "NULL conf");
	CHECK(!fpm_conf__pool_by_listen(root1(), NULL), "NULL key");
}

UNIT_TEST(garbage_never_crashes)
{
	static const char *const junk[] = {
		"",
		"[",
		"]",
		"=",
		"==",
		"[[[]]]",
		"\"",
		"'",
		";",
		"#",
		"[a]\nlisten=\"",
		"[a]\nlisten = [::\n",
		"[a]\nlisten = :\n",
		"[a]\nlisten=:99999\n",
		"\xff\xfe\x00\x01=[\n",
		"[$pool]\nlisten=$pool$pool\n",
		"k=v\n[g]\n\n\n=",
	};
	size_t i;

	for (i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct fpm_conf *c =
			fpm_conf__parse_text(junk[i], strlen(junk[i]) + (i == 14), NULL);
		char buf[64];
		int j;

		CHECK(c != NULL, "case %zu returned NULL", i);
		for (j = 0; j < fpm_conf__npools(c); j++)
			fpm_pool__listen_key(fpm_conf__pool(c, j), buf, sizeof(buf));
		fpm_conf__pool_by_listen(c, "127.0.0.1:9000");
		fpm_conf__pool_by_listen(c, "unix:/x");
		fpm_conf__free(c);
	}
}

UNIT_TEST(pool_and_key_limits)
{
	size_t n = FPM_CONF_MAX_POOLS + 5, i, len = 0;
	char *s = malloc(n * 16);
	struct fpm_conf *c;

	for (i = 0; i < n; i++)
		len += sprintf(s + len, "[p%zu]\n", i);
	c = fpm_conf__parse_text(s, len, NULL);
	CHECK_INT(fpm_conf__npools(c), FPM_CONF_MAX_POOLS);
	CHECK(has_warning(c, "more than 1024 pools"), "no pool warning");
	fpm_conf__free(c);
	free(s);
	n = FPM_CONF_MAX_KEYS + 5;
	s = malloc(n * 4);
	for (i = 0; i < n; i++)
		memcpy(s + i * 4, "a=b\n", 4);
	c = fpm_conf__parse_text(s, n * 4, NULL);
	CHECK(has_warning(c, "more than 100000 settings"), "no key warning");
	fpm_conf__free(c);
	free(s);
}

int main(void)
{
	return unit_main();
}
