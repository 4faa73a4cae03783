// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * logfind: the command-line and binary-default parsers on recorded text, then
 * real nginx masters started by the test from configs in a temporary
 * directory (skipped with a reason when not root or without /usr/sbin/nginx).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/logfind.h"

#define NGINX "/usr/sbin/nginx"

UNIT_TEST(cmdline_title_form)
{
	static const char t[] = "nginx: master process /usr/sbin/nginx -c /etc/x/n.conf -p /srv/ng "
				"-g worker_processes 1; error_log  /tmp/g.log info;\0\0\0\0";
	struct logfind_args a;

	CHECK_INT(logfind__parse_cmdline(t, sizeof(t) - 1, &a), 0);
	CHECK_STR(a.conf, "/etc/x/n.conf");
	CHECK_STR(a.prefix, "/srv/ng");
	CHECK_STR(a.globals, "worker_processes 1; error_log /tmp/g.log info;");
	CHECK_STR(a.error_log, "");
}

UNIT_TEST(cmdline_docker_daemon_off)
{
	static const char t[] = "nginx: master process nginx -g daemon off;";
	static const char u[] = "nginx: master process nginx -g daemon off; -e stderr";
	struct logfind_args a;

	CHECK_INT(logfind__parse_cmdline(t, sizeof(t) - 1, &a), 0);
	CHECK_STR(a.globals, "daemon off;");
	CHECK_STR(a.conf, "");
	CHECK_INT(logfind__parse_cmdline(u, sizeof(u) - 1, &a), 0);
	CHECK_STR(a.globals, "daemon off;");
	CHECK_STR(a.error_log, "stderr");
}

UNIT_TEST(cmdline_argv_form_and_glued_values)
{
	static const char t[] = "/usr/sbin/nginx\0-q\0-cconf/n.conf\0-p\0/opt/ng/\0"
				"-g\0error_log x.log; pid /run/n.pid;\0-e\0/tmp/e.log";
	struct logfind_args a;

	CHECK_INT(logfind__parse_cmdline(t, sizeof(t) - 1, &a), 0);
	CHECK_STR(a.conf, "conf/n.conf");
	CHECK_STR(a.prefix, "/opt/ng/");
	CHECK_STR(a.globals, "error_log x.log; pid /run/n.pid;");
	CHECK_STR(a.error_log, "/tmp/e.log");
}

UNIT_TEST(cmdline_rejects_workers_and_garbage)
{
	static const char w[] = "nginx: worker process";
	static const char cut[] = "nginx: master process nginx -c";
	static const char bin[] = "\xff\x01\0-g\0\0-";
	struct logfind_args a;

	CHECK_INT(logfind__parse_cmdline(w, sizeof(w) - 1, &a), -EINVAL);
	CHECK_INT(logfind__parse_cmdline("", 0, &a), -EINVAL);
	CHECK_INT(logfind__parse_cmdline(cut, sizeof(cut) - 1, &a), 0);
	CHECK_STR(a.conf, "");
	CHECK_INT(logfind__parse_cmdline(bin, sizeof(bin) - 1, &a), 0);
}

UNIT_TEST(binary_defaults_from_help_text)
{
	static const char bin[] =
		"\x7f"
		"ELF\0\0junk  -p prefix     : set prefix path (default: /etc/nginx/)\n"
		"  -e filename   : set error log file (default: /var/log/nginx/error.log)\n"
		"\0\0  -c filename   : set configuration file (default: /etc/nginx/nginx.conf)";
	static const char cut[] = "set configuration file (default: /etc/ngi";
	char conf[64] = "", prefix[64] = "", elog[64] = "";

	CHECK_INT(logfind__scan_defaults(bin, sizeof(bin) - 1, conf, prefix, elog, sizeof(conf)),
		  3);
	CHECK_STR(conf, "/etc/nginx/nginx.conf");
	CHECK_STR(prefix, "/etc/nginx/");
	CHECK_STR(elog, "/var/log/nginx/error.log");
	strcpy(conf, "kept");
	CHECK_INT(logfind__scan_defaults(cut, sizeof(cut) - 1, conf, prefix, elog, sizeof(conf)),
		  0);
	CHECK_STR(conf, "kept");
}

static const char *skip_reason(void)
{
	if (geteuid())
		return "not root";
	if (access(NGINX, X_OK))
		return "no " NGINX;
	return NULL;
}

struct ngx {
	char dir[128];
	int pid;
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0)
		printf("     cannot write %s\n", path);
	if (f)
		fclose(f);
}

/* Start nginx (it daemonizes) with "extra" options; the master pid comes from its pid file. */
static int ngx_start(struct ngx *n, const char *name, const char *body, const char *extra)
{
	char path[256], conf[4096], cmd[1024], buf[32];
	int i;

	snprintf(n->dir, sizeof(n->dir), "/tmp/logfind_%s_XXXXXX", name);
	n->pid = 0;
	if (!mkdtemp(n->dir))
		return -errno;
	snprintf(path, sizeof(path), "%s/logs", n->dir);
	mkdir(path, 0755);
	snprintf(conf, sizeof(conf),
		 "pid %s/nginx.pid;\nworker_processes 1;\nevents { worker_connections 16; }\n%s\n",
		 n->dir, body);
	snprintf(path, sizeof(path), "%s/nginx.conf", n->dir);
	write_file(path, conf);
	/*
	 * stderr to /dev/null: inherited from a runner it may be a pipe, which
	 * logfind rightly reports as a log of its own ("stderr").
	 */
	snprintf(cmd, sizeof(cmd), NGINX " -c %s -p %s %s 2>/dev/null", path, n->dir, extra);
	if (system(cmd))
		return -EIO;
	snprintf(path, sizeof(path), "%s/nginx.pid", n->dir);
	for (i = 0; i < 200 && !n->pid; i++) {
		FILE *f = fopen(path, "r");

		if (f) {
			if (fgets(buf, sizeof(buf), f))
				n->pid = atoi(buf);
			fclose(f);
		}
		if (!n->pid)
			usleep(10000);
	}
	return n->pid > 0 ? 0 : -ETIMEDOUT;
}

static void ngx_stop(struct ngx *n)
{
	char cmd[256];
	int i;

	if (n->pid > 0) {
		kill(n->pid, SIGTERM);
		for (i = 0; i < 300 && !kill(n->pid, 0); i++)
			usleep(10000);
		if (!kill(n->pid, 0))
			kill(n->pid, SIGKILL);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", n->dir);
	if (n->dir[0] && system(cmd))
		printf("     cannot remove %s\n", n->dir);
}

static int log_index(const struct logfind_result *r, const char *path)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (!strcmp(r->logs[i].path, path))
			return i;
	return -1;
}

/* CHECK that path was found with level, is_file and from_fd. */
#define CHECK_LOG(r, p, lvl, file, fd)                                                             \
	do {                                                                                       \
		int i_ = log_index(r, p);                                                          \
		CHECK(i_ >= 0, "log %s not found", p);                                             \
		if (i_ >= 0) {                                                                     \
			CHECK_STR((r)->logs[i_].level, lvl);                                       \
			CHECK_INT((r)->logs[i_].is_file, file);                                    \
			CHECK_INT((r)->logs[i_].from_fd, fd);                                      \
		}                                                                                  \
	} while (0)

UNIT_TEST(live_master_every_level)
{
	const char *why = skip_reason();
	struct logfind_result r;
	struct ngx n = {.pid = 0};
	char p[4][256], body[2048];
	int err, worker = 0;
	FILE *f;

	if (why) {
		printf("SKIP live_master_every_level: %s\n", why);
		return;
	}
	snprintf(body, sizeof(body),
		 "error_log main.log warn;\n"
		 "http {\n"
		 "  access_log off;\n"
		 "  client_body_temp_path tmp; proxy_temp_path tmp; fastcgi_temp_path tmp;\n"
		 "  uwsgi_temp_path tmp; scgi_temp_path tmp;\n"
		 "  error_log logs/http.log info;\n"
		 "  server {\n"
		 "    listen unix:ngx.sock;\n"
		 "    error_log /dev/null crit;\n"
		 "    location / { error_log logs/loc-error.log debug; return 204; }\n"
		 "  }\n"
		 "}\n");
	err = ngx_start(&n, "every", body, "");
	CHECK_INT(err, 0);
	if (err)
		goto out;
	snprintf(p[0], sizeof(p[0]), "%s/main.log", n.dir);
	snprintf(p[1], sizeof(p[1]), "%s/logs/http.log", n.dir);
	snprintf(p[2], sizeof(p[2]), "%s/logs/loc-error.log", n.dir);
	snprintf(p[3], sizeof(p[3]), "%s/nginx.conf", n.dir);
	CHECK_INT(logfind__find(n.pid, &r), 0);
	CHECK_STR(r.conf, p[3]);
	CHECK(!strncmp(r.prefix, n.dir, strlen(n.dir)) && !strcmp(r.prefix + strlen(n.dir), "/"),
	      "prefix %s", r.prefix);
	CHECK_INT(r.n, 4);
	CHECK_LOG(&r, p[0], "warn", 1, 1); /* also nginx's stderr */
	CHECK_LOG(&r, p[1], "info", 1, 1);
	CHECK_LOG(&r, p[2], "debug", 1, 1);
	CHECK_LOG(&r, "/dev/null", "crit", 0, 1); /* no file to follow, but open */

	/* A worker's pid leads to the same answer. */
	snprintf(body, sizeof(body), "pgrep -P %d | head -1", n.pid);
	f = popen(body, "r");
	if (f) {
		if (fscanf(f, "%d", &worker) != 1)
			worker = 0;
		pclose(f);
	}
	CHECK(worker > 0, "no worker of %d", n.pid);
	if (worker > 0) {
		CHECK_INT(logfind__find(worker, &r), 0);
		CHECK_INT(r.n, 4);
		CHECK_LOG(&r, p[1], "info", 1, 1);
	}
out:
	ngx_stop(&n);
}

UNIT_TEST(live_master_globals_and_default_log)
{
	const char *why = skip_reason();
	struct logfind_result r;
	struct ngx n = {.pid = 0};
	char p[256], e[512];
	int err;

	if (why) {
		printf("SKIP live_master_globals_and_default_log: %s\n", why);
		return;
	}
	/* No error_log in the main context: nginx opens -e (the default log). */
	snprintf(e, sizeof(e), "-e /tmp/logfind_e_%d.log", (int)getpid());
	err = ngx_start(&n, "deflog", "", e);
	CHECK_INT(err, 0);
	if (!err) {
		snprintf(p, sizeof(p), "/tmp/logfind_e_%d.log", (int)getpid());
		CHECK_INT(logfind__find(n.pid, &r), 0);
		CHECK_INT(r.n, 1);
		CHECK_LOG(&r, p, "error", 1, 1);
	}
	ngx_stop(&n);
	unlink(e + 3);

	/* -g sets the main log (relative: under the prefix); -e is then only for startup. */
	err = ngx_start(&n, "globals", "", "-e stderr -g 'error_log logs/g.log notice;'");
	CHECK_INT(err, 0);
	if (!err) {
		snprintf(p, sizeof(p), "%s/logs/g.log", n.dir);
		CHECK_INT(logfind__find(n.pid, &r), 0);
		CHECK_INT(r.n, 1);
		CHECK_LOG(&r, p, "notice", 1, 1);
	}
	ngx_stop(&n);
}

UNIT_TEST(no_such_process)
{
	struct logfind_result r;

	CHECK_INT(logfind__find(0, &r), -EINVAL);
	CHECK_INT(logfind__find(1 << 30, &r), -ESRCH);
}

int main(void)
{
	return unit_main();
}
