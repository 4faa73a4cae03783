// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hostconf and the fix texts built on it, from a fixture root that stands
 * for a Debian host with nginx and php8.2-fpm. Run from the repository root.
 * The pids are made up (above pid_max): nothing is read from /proc for them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/diag.h"
#include "../../user/fix.h"
#include "../../user/fpmconf.h"
#include "../../user/hostconf.h"
#include "../../user/ngxconf.h"
#include "../../user/sockstate.h"

#define ROOT	"tests/fixtures/hostconf/root"
#define NGX	"/etc/nginx/nginx.conf"
#define FPM	"/etc/php/8.2/fpm/php-fpm.conf"
#define SITE	"/etc/nginx/sites-enabled/default"
#define UPS	"/etc/nginx/conf.d/upstreams.conf"
#define WWW	"/etc/php/8.2/fpm/pool.d/www.conf"
#define API	"/etc/php/8.2/fpm/pool.d/api.conf"
#define MASTER	2000000001 /* above any pid_max */
#define FPM_PID 2000000002

static struct hostconf *seeded(void)
{
	struct hostconf_opts o = {.no_discover = 1};
	struct hostconf *hc = hostconf__new(&o);
	int err;

	if (!hc)
		return NULL;
	err = hostconf__add_nginx(hc, MASTER, ROOT, NGX);
	CHECK(!err, "add_nginx: %s", strerror(-err));
	err = hostconf__add_fpm(hc, FPM_PID, ROOT, FPM, NULL);
	CHECK(!err, "add_fpm: %s", strerror(-err));
	return hc;
}

static int has(const char *text, const char *needle)
{
	return text && strstr(text, needle);
}

#define CHECK_HAS(text, needle)	  CHECK(has(text, needle), "no \"%s\" in: %s", needle, text)
#define CHECK_HASNT(text, needle) CHECK(!has(text, needle), "\"%s\" in: %s", needle, text)

UNIT_TEST(key_to_pass_line)
{
	struct hostconf *hc = seeded();
	struct ngx_conf_ref r[4];
	int n;

	n = hostconf__nginx_refs(hc, MASTER, "unix:/run/php/php8.1-fpm.sock", r, 4);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(r[0].directive, "fastcgi_pass");
		CHECK_STR(r[0].file, SITE);
		CHECK_INT(r[0].line, 7);
		CHECK(r[0].group == NULL, "group %s", r[0].group);
	}
	n = hostconf__nginx_refs(hc, MASTER, "127.0.0.1:8080", r, 4);
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(r[0].directive, "proxy_pass");
		CHECK_INT(r[0].line, 17);
	}
	/* localhost is 127.0.0.1 too */
	CHECK_INT(hostconf__nginx_refs(hc, MASTER, "localhost:8080", r, 4), 1);
	CHECK_INT(hostconf__nginx_refs(hc, MASTER, "127.0.0.1:8081", r, 4), 0);
	/* another master: nothing loaded, nothing found */
	CHECK_INT(hostconf__nginx_refs(hc, MASTER + 7, "127.0.0.1:8080", r, 4), 0);
	hostconf__free(hc);
}

UNIT_TEST(group_servers)
{
	struct hostconf *hc = seeded();
	struct ngx_conf_ref r[4];
	int n = hostconf__nginx_refs(hc, MASTER, "127.0.0.1:9002", r, 4);

	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_STR(r[0].directive, "server");
		CHECK_STR(r[0].group, "backend");
		CHECK_STR(r[0].file, UPS);
		CHECK_INT(r[0].line, 3);
		CHECK_STR(r[0].pass_file, SITE);
		CHECK_INT(r[0].pass_line, 13);
	}
	/* by group name: the *_pass lines that use it */
	n = hostconf__nginx_refs(hc, MASTER, "backend", r, 4);
	CHECK_INT(n, 1);
	if (n == 1)
		CHECK_INT(r[0].line, 13);
	hostconf__free(hc);
}

UNIT_TEST(effective_values)
{
	struct hostconf *hc = seeded();
	struct ngx_conf_ref r[4];
	const char *v, *file;
	int line, n;

	n = hostconf__nginx_refs(hc, MASTER, "127.0.0.1:9001", r, 4);
	CHECK_INT(n, 1);
	if (n != 1)
		goto out;
	v = hostconf__nginx_effective(hc, MASTER, &r[0], "proxy_buffer_size", &file, &line);
	CHECK_STR(v, "16k");
	CHECK_STR(file, SITE);
	CHECK_INT(line, 12);
	v = hostconf__nginx_effective(hc, MASTER, &r[0], "keepalive", &file, &line);
	CHECK_STR(v, "16");
	CHECK_STR(file, UPS);
	CHECK_INT(line, 4);
	/* inherited from http{} */
	v = hostconf__nginx_effective(hc, MASTER, &r[0], "proxy_read_timeout", &file, &line);
	CHECK_STR(v, "30s");
	CHECK_STR(file, NGX);
	n = hostconf__nginx_refs(hc, MASTER, "unix:/run/php/php8.1-fpm.sock", r, 4);
	CHECK_INT(n, 1);
	v = hostconf__nginx_effective(hc, MASTER, &r[0], "fastcgi_buffer_size", &file, &line);
	CHECK(v == NULL, "fastcgi_buffer_size is %s", v);
	v = hostconf__nginx_effective(hc, MASTER, &r[0], "fastcgi_read_timeout", &file, &line);
	CHECK_STR(v, "120s");
	CHECK_INT(line, 8);
out:
	hostconf__free(hc);
}

UNIT_TEST(pool_by_listen)
{
	struct hostconf *hc = seeded();
	const struct hostconf_fpm *f = NULL;
	const struct fpm_pool *p;

	p = hostconf__fpm_pool(hc, 0, "unix:/run/php/php8.2-fpm.sock", &f);
	CHECK(p != NULL, "no pool on the socket");
	if (p) {
		CHECK_STR(p->name, "www");
		CHECK_STR(p->listen.file, WWW);
		CHECK_INT(p->listen.line, 6);
		CHECK_INT(p->listen_owner.line, 7);
		CHECK_STR(p->request_terminate_timeout.value, "30s");
	}
	CHECK(f && f->pid == FPM_PID, "master %d", f ? f->pid : -1);
	if (f)
		CHECK_STR(f->service, "php8.2-fpm");
	p = hostconf__fpm_pool(hc, MASTER, "127.0.0.1:9000", &f);
	CHECK(p && !strcmp(p->name, "api"), "pool %s", p ? p->name : "(none)");
	CHECK(hostconf__fpm_pool(hc, 0, "unix:/run/php/php8.1-fpm.sock", &f) == NULL,
	      "a pool on the missing socket");
	CHECK(f == NULL, "master set without a pool");
	CHECK(hostconf__fpm_pool(hc, 0, NULL, NULL) == NULL, "NULL key");
	/* a made-up master has no children to count */
	CHECK(hostconf__fpm_children(hostconf__fpm_get(hc, 0), "www", NULL) < 0, "children");
	hostconf__free(hc);
}

UNIT_TEST(bad_input)
{
	struct hostconf_opts o = {.no_discover = 1};
	struct hostconf *hc = hostconf__new(&o);

	CHECK(hostconf__add_nginx(hc, MASTER, ROOT, "/etc/nginx/none.conf") < 0, "missing file");
	CHECK(hostconf__nginx(hc, MASTER) == NULL, "a config for a missing file");
	CHECK(hostconf__add_fpm(hc, 1, ROOT, "/etc/php/none.conf", NULL) < 0, "missing fpm");
	CHECK_INT(hostconf__fpm_count(hc), 0);
	CHECK(hostconf__add_nginx(NULL, 1, ROOT, NGX) == -EINVAL, "NULL hc");
	CHECK(hostconf__nginx(hc, -1) == NULL, "negative pid");
	hostconf__free(hc);
	hostconf__free(NULL);
}

UNIT_TEST(service_names)
{
	char b[64];

	CHECK_STR(hostconf__fpm_service_from_path("/etc/php/8.2/fpm/php-fpm.conf", b, sizeof(b)),
		  "php8.2-fpm");
	CHECK_STR(hostconf__fpm_service_from_path("/etc/php/../fpm/x", b, sizeof(b)), "");
	CHECK_STR(hostconf__fpm_service_from_path("/tmp/php-fpm.conf", b, sizeof(b)), "");
	CHECK_STR(fix__service_from_socket("/run/php/php8.1-fpm.sock", b, sizeof(b)), "php8.1-fpm");
	CHECK_STR(fix__service_from_socket("/run/php/php-fpm.sock", b, sizeof(b)), "php-fpm");
	CHECK_STR(fix__service_from_socket("/run/app.sock", b, sizeof(b)), "");
	CHECK_STR(fix__service_from_socket("/run/phpmyadmin-fpm.sock", b, sizeof(b)), "");
}

UNIT_TEST(sizes)
{
	char b[32];

	CHECK_INT(fix__parse_size("8k"), 8192);
	CHECK_INT(fix__parse_size("1m"), 1 << 20);
	CHECK_INT(fix__parse_size("512"), 512);
	CHECK_INT(fix__parse_size("k"), -1);
	CHECK_INT(fix__parse_size("8kb"), -1);
	CHECK_INT(fix__parse_size("99999999999999999999k"), -1);
	CHECK_INT(fix__pow2_above(4096), 8192);
	CHECK_INT(fix__pow2_above(5000), 8192);
	CHECK_INT(fix__pow2_above(0), 1024);
	CHECK_STR(fix__format_size(16384, b, sizeof(b)), "16k");
	CHECK_STR(fix__format_size(2 << 20, b, sizeof(b)), "2m");
	CHECK_STR(fix__format_size(1000, b, sizeof(b)), "1000");
}

static struct diagnosis *diag(void)
{
	return calloc(1, sizeof(struct diagnosis));
}

UNIT_TEST(fix_names_config_lines)
{
	struct hostconf *hc = seeded();
	struct diagnosis *d = diag();
	struct fix_ctx fx;

	fix__init(&fx, hc, MASTER, "unix:/run/php/php8.1-fpm.sock");
	CHECK_STR(fx.where, "fastcgi_pass unix:/run/php/php8.1-fpm.sock (" SITE ":7)");
	CHECK_STR(fx.module, "fastcgi");
	/* the seeded master is no host process: no systemctl guess */
	CHECK_HAS(fx.reload, "nginx -s reload");
	fix__socket_missing(d, &fx, "/run/php/php8.1-fpm.sock", "");
	CHECK_HAS(d->fix, "(" SITE ":7)");
	CHECK_HAS(d->fix, "pool www listens on /run/php/php8.2-fpm.sock (" WWW ":6)");
	CHECK_HAS(d->fix, "point fastcgi_pass at unix:/run/php/php8.2-fpm.sock");
	CHECK_HAS(d->fix, "start php8.1-fpm");

	fix__init(&fx, hc, MASTER, "127.0.0.1:9002");
	CHECK_HAS(fx.where, "server 127.0.0.1:9002 in upstream backend (" UPS ":3)");
	CHECK_HAS(fx.where, SITE ":13");
	CHECK_STR(fx.module, "proxy");
	free(d);
	hostconf__free(hc);
}

UNIT_TEST(fix_permission_keys)
{
	struct hostconf *hc = seeded();
	struct diagnosis *d = diag();
	struct sock_access acc = {.verdict = SOCK_ACCESS_NO_WRITE, .mode = 0140600};
	struct fix_ctx fx;

	strcpy(acc.owner, "root");
	strcpy(acc.group, "root");
	fix__init(&fx, hc, MASTER, "unix:/run/php/php8.2-fpm.sock");
	fix__socket_permission(d, &fx, "/run/php/php8.2-fpm.sock", &acc, "www-data", "www-data");
	CHECK_HAS(d->fix, "listen.owner = www-data and listen.group = www-data");
	CHECK_HAS(d->fix, WWW ":7");
	CHECK_HAS(d->fix, "listen.mode = 0600 (" WWW ":9)");
	CHECK_HAS(d->fix, "systemctl restart php8.2-fpm");

	/* a directory in the way is not a socket mode problem */
	acc.verdict = SOCK_ACCESS_DIR_NO_SEARCH;
	strcpy(acc.path, "/run/php");
	fix__socket_permission(d, &fx, "/run/php/php8.2-fpm.sock", &acc, "www-data", "www-data");
	CHECK_HAS(d->fix, "directory /run/php");
	CHECK_HAS(d->fix, "chmod o+x /run/php");
	CHECK_HASNT(d->fix, "listen.owner");
	free(d);
	hostconf__free(hc);
}

UNIT_TEST(fix_buffers_and_timeouts)
{
	struct hostconf *hc = seeded();
	struct diagnosis *d = diag();
	long page = sysconf(_SC_PAGESIZE);
	struct fix_ctx fx;

	fix__init(&fx, hc, MASTER, "127.0.0.1:9001");
	fix__header_too_big(d, &fx, 20000);
	CHECK_HAS(d->fix, "proxy_buffer_size 16k (" SITE ":12)");
	CHECK_HAS(d->fix, "set proxy_buffer_size 32k;");
	CHECK_HAS(d->fix, "proxy_buffers 8 32k;");
	CHECK_HAS(d->fix, "proxy_pass at " SITE ":13");

	memset(d, 0, sizeof(*d));
	fix__init(&fx, hc, MASTER, "unix:/run/php/php8.1-fpm.sock");
	fix__header_too_big(d, &fx, page + 100);
	CHECK_HAS(d->fix, "fastcgi_buffer_size (not set");
	CHECK_HAS(d->fix, page == 4096 ? "set fastcgi_buffer_size 8k;" : "set fastcgi_buffer_size");

	memset(d, 0, sizeof(*d));
	fix__init(&fx, hc, MASTER, "127.0.0.1:9000");
	fix__read_timeout(d, &fx, 60000);
	CHECK_HAS(d->fix, "fastcgi_read_timeout");
	CHECK_HAS(d->fix, "request_terminate_timeout (not set");

	memset(d, 0, sizeof(*d));
	fix__init(&fx, hc, MASTER, "unix:/run/php/php8.2-fpm.sock");
	fix__read_timeout(d, &fx, 0);
	/* the socket of www is named by no nginx line here, its pool still is */
	CHECK_HAS(d->fix, "request_terminate_timeout = 30s (" WWW ":13)");
	free(d);
	hostconf__free(hc);
}

UNIT_TEST(fix_keepalive)
{
	struct hostconf *hc = seeded();
	struct diagnosis *d = diag();
	struct fix_ctx fx;

	fix__init(&fx, hc, MASTER, "127.0.0.1:9001");
	fix__ports_exhausted(d, &fx, 40000, 40001, 2);
	CHECK_HAS(d->fix, "keepalive 16 at " UPS ":4");
	memset(d, 0, sizeof(*d));
	fix__init(&fx, hc, MASTER, "127.0.0.1:9100");
	fix__ports_exhausted(d, &fx, 40000, 40001, 2);
	CHECK_HAS(d->fix, "add keepalive 32; to upstream api_nokeep");
	CHECK_HAS(d->fix, UPS ":8");
	CHECK_HAS(d->fix, "proxy_http_version 1.1");
	memset(d, 0, sizeof(*d));
	fix__init(&fx, hc, MASTER, "127.0.0.1:8080");
	fix__ports_exhausted(d, &fx, 40000, 40001, 2);
	CHECK_HAS(d->fix, "declare upstream backend { server 127.0.0.1:8080; keepalive 32; }");
	CHECK_HAS(d->fix, SITE ":17");
	free(d);
	hostconf__free(hc);
}

UNIT_TEST(fix_write_keeps_command)
{
	struct diagnosis *d = diag();
	char big[5000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	fix__write(d, "%s; then nginx -t && systemctl reload nginx", big);
	CHECK(strlen(d->fix) < sizeof(d->fix), "unterminated");
	CHECK_HAS(d->fix, "[...]");
	CHECK_HAS(d->fix, "; then nginx -t && systemctl reload nginx");
	fix__write(d, "short %d", 1);
	CHECK_STR(d->fix, "short 1");
	free(d);
}

int main(void)
{
	return unit_main();
}
