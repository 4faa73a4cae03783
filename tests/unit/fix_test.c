// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The commands in fix texts are safe to paste. Host facts (nginx -p/-c and
 * unit, php-fpm config paths and service names, a blocking directory, the
 * workers' group, a killed child's unit) are seeded with shell
 * metacharacters in them; every fix function is called, and every command
 * it records must be in its text verbatim and, run by sh -c (and bash -c)
 * with PATH holding only logging stubs, must run exactly the programs and
 * arguments expected, nothing else, and create no file.
 *
 * The fixture root is made at run time in a temporary directory: its names
 * hold newlines and quotes, which do not belong in git. The pids are made
 * up (above pid_max): nothing is read from /proc for them.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/diag.h"
#include "../../user/fix.h"
#include "../../user/hostconf.h"
#include "../../user/sockstate.h"

#define MASTER	 2000000001 /* above any pid_max */
#define MASTER_S "2000000001"
#define FPM_PID	 2000000002
/* one path component that would run something if pasted unquoted */
#define HOSTILE                                                                                    \
	"x`echo >pwned1`$(echo >pwned2);echo >pwned3|echo >pwned4&echo >pwned5 {a,b} *\n"          \
	"'\"\\~ $HOME y"
#define NGX_CONF   "/etc/nginx/" HOSTILE "/nginx.conf"
#define FPM_A_CONF "/etc/php/" HOSTILE "/fpm-a.conf"
#define FPM_B_CONF "/etc/php/" HOSTILE "/fpm-b.conf"
#define PREFIX	   "/srv/" HOSTILE "/"
#define SERVICE	   "php-" HOSTILE
#define BLOCKING   "/run/" HOSTILE
#define GROUP	   "www" HOSTILE
#define POOL_KEY   "unix:/run/php/www.sock"
#define EXP_MAX	   8192

/* programs the fix templates use; anything else is "not found" */
static const char *const stubs[] = {"chmod",   "chgrp",	     "chown",	   "systemctl", "nginx",
				    "php-fpm", "sysctl",     "ss",	   "setfacl",	"usermod",
				    "docker",  "journalctl", "grep",	   "setsebool", "bpftool",
				    "nft",     "ip",	     "coredumpctl"};

static char base[] = "/tmp/fix_test.XXXXXX";
static char root[64], stubdir[64], work[64], logpath[64], errpath[64];
static char prelude[1024];

static const char ngx_text[] = "events { }\n"
			       "http {\n"
			       "    keepalive_timeout 65;\n"
			       "    upstream backend { server 127.0.0.1:9002; }\n"
			       "    server {\n"
			       "        listen 80;\n"
			       "        location /a { fastcgi_pass unix:/run/php/www.sock; }\n"
			       "        location /b { proxy_pass http://127.0.0.1:8080; }\n"
			       "        location /c { proxy_pass http://backend; }\n"
			       "    }\n"
			       "}\n";

static const char fpm_text[] = "[global]\n"
			       "pid = /run/php/fpm.pid\n"
			       "[www]\n"
			       "user = www-data\n"
			       "group = www-data\n"
			       "listen = /run/php/www.sock\n"
			       "listen.owner = root\n"
			       "listen.group = root\n"
			       "listen.mode = 0600\n"
			       "pm.max_children = 5\n";

static int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -EIO;
}

/* root + path, creating every directory on the way, then the file. */
static int put(const char *path, const char *text)
{
	char full[1024], *p;

	snprintf(full, sizeof(full), "%s%s", root, path);
	for (p = full + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(full, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return write_file(full, text, 0644);
}

/* Each stub appends "$#\0name\0arg\0...": exact bytes, newlines included. */
static int setup(void)
{
	static const char stub[] = "#!/bin/sh\n"
				   "{ printf '%s\\0' \"$#\" \"${0##*/}\"; for a; do printf '%s\\0' "
				   "\"$a\"; done; } >>\"$STUB_LOG\"\n";
	char path[128];
	size_t i;

	if (root[0])
		return 0;
	if (!mkdtemp(base))
		return -errno;
	snprintf(root, sizeof(root), "%s/root", base);
	snprintf(stubdir, sizeof(stubdir), "%s/bin", base);
	snprintf(work, sizeof(work), "%s/work", base);
	snprintf(logpath, sizeof(logpath), "%s/log", base);
	snprintf(errpath, sizeof(errpath), "%s/err", base);
	if (mkdir(root, 0755) || mkdir(stubdir, 0755) || mkdir(work, 0755))
		return -errno;
	for (i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", stubdir, stubs[i]);
		if (write_file(path, stub, 0755))
			return -EIO;
	}
	/* kill is a shell builtin: a function comes before it */
	snprintf(prelude, sizeof(prelude),
		 "kill() { { printf '%%s\\0' \"$#\" kill; for a; do printf '%%s\\0' \"$a\"; "
		 "done; } >>\"$STUB_LOG\"; }\n");
	if (put(NGX_CONF, ngx_text) || put(FPM_A_CONF, fpm_text) || put(FPM_B_CONF, fpm_text))
		return -EIO;
	return 0;
}

static void rm_tree(const char *path)
{
	struct dirent *e;
	char sub[1024];
	DIR *dir = opendir(path);

	if (!dir) {
		unlink(path);
		return;
	}
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (e->d_type == DT_DIR)
			rm_tree(sub);
		else
			unlink(sub);
	}
	closedir(dir);
	rmdir(path);
}

/* Append one argv (NULL-ended) to exp as name\x1farg\x1f...\x1e. */
static void expect(char *exp, const char *name, ...)
{
	size_t off = strlen(exp);
	const char *a;
	va_list ap;

	off += snprintf(exp + off, EXP_MAX - off, "%s", name);
	va_start(ap, name);
	while ((a = va_arg(ap, const char *)) && off < EXP_MAX)
		off += snprintf(exp + off, EXP_MAX - off, "\x1f%s", a);
	va_end(ap);
	if (off < EXP_MAX)
		snprintf(exp + off, EXP_MAX - off, "\x1e");
}

/* The stub log in the encoding of expect(); -1 when it is malformed. */
static int read_log(char *out, size_t size)
{
	static char raw[EXP_MAX];
	size_t off = 0, o = 0, len;
	ssize_t n;
	int fd = open(logpath, O_RDONLY), argc, i;

	out[0] = '\0';
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, raw, sizeof(raw) - 1);
	close(fd);
	if (n < 0)
		return -1;
	raw[n] = '\0';
	while (off < (size_t)n) {
		argc = atoi(raw + off);
		off += strlen(raw + off) + 1;
		for (i = 0; i <= argc; i++) {
			if (off >= (size_t)n)
				return -1;
			len = strlen(raw + off);
			o += snprintf(out + o, size - o, "%s%s", i ? "\x1f" : "", raw + off);
			off += len + 1;
			if (o >= size)
				return -1;
		}
		o += snprintf(out + o, size - o, "\x1e");
	}
	return 0;
}

/* Text with newlines made visible, argv lists as ["a", "b"] ["c"], for messages. */
static const char *show(const char *s)
{
	static char buf[2][EXP_MAX * 2];
	static int which;
	char *b = buf[which ^= 1];
	int argv = strchr(s, '\x1e') != NULL, open = 0;
	size_t o = 0;

	for (; *s && o < sizeof(buf[0]) - 8; s++) {
		if (argv && !open) {
			o += sprintf(b + o, "%s[\"", o ? " " : "");
			open = 1;
		}
		if (*s == '\x1f') {
			o += sprintf(b + o, "\", \"");
		} else if (*s == '\x1e') {
			o += sprintf(b + o, "\"]");
			open = 0;
		} else if (*s == '\n') {
			o += sprintf(b + o, "\\n");
		} else {
			b[o++] = *s;
		}
	}
	b[o] = '\0';
	return b;
}

/* sh -c PRELUDE+cmd in the empty work dir; its exit status, stderr in errpath. */
static int run_shell(const char *shell, const char *cmd)
{
	char *script, env_path[96], env_log[96];
	char *envp[] = {env_path, env_log, NULL};
	int status, fd;
	pid_t pid;

	if (asprintf(&script, "%s%s", prelude, cmd) < 0)
		return -ENOMEM;
	snprintf(env_path, sizeof(env_path), "PATH=%s", stubdir);
	snprintf(env_log, sizeof(env_log), "STUB_LOG=%s", logpath);
	pid = fork();
	if (pid == 0) {
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 || chdir(work))
			_exit(126);
		execle(shell, shell, "-c", script, (char *)NULL, envp);
		_exit(127);
	}
	free(script);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -ECHILD;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* What the last run wrote to stdout/stderr, NULL when nothing. */
static const char *err_text(void)
{
	static char buf[512];
	int fd = open(errpath, O_RDONLY);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(buf) - 1);

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

static int work_is_empty(void)
{
	DIR *dir = opendir(work);
	struct dirent *e;
	int n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(dir);
	return n == 0;
}

/* pos in fix lies inside a recorded command found there. */
static int in_command(const struct diagnosis *d, size_t pos)
{
	int i;

	for (i = 0; i < d->ncmds; i++) {
		const char *at = d->fix;

		while ((at = strstr(at, d->cmds[i]))) {
			if (pos >= (size_t)(at - d->fix) &&
			    pos < (size_t)(at - d->fix) + strlen(d->cmds[i]))
				return 1;
			at++;
		}
	}
	return 0;
}

/*
 * Something that reads as a command in the text is a recorded one, or a
 * template for a person to fill ("systemctl start <service>").
 */
static void check_all_recorded(const struct diagnosis *d)
{
	static const char *const starts[] = {"systemctl ", "chmod ",  "chgrp ", "nginx -",
					     "php-fpm -",  "sysctl ", "kill -", "ss -"};
	size_t i;

	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		const char *at = d->fix;

		while ((at = strstr(at, starts[i]))) {
			size_t pos = at - d->fix, tmpl = strcspn(at, "<;)");

			CHECK(in_command(d, pos) || at[tmpl] == '<',
			      "\"%s\" at %zu of the fix is no recorded command: %s", starts[i], pos,
			      show(d->fix));
			at++;
		}
	}
}

/*
 * Every recorded command of d is in its fix verbatim and, run by each
 * shell, runs exactly the argv lists in want (in the order of the commands),
 * without error and without creating a file.
 */
static void check_commands(const char *what, const struct diagnosis *d, const char *want)
{
	static const char *const shells[] = {"/bin/sh", "/bin/bash"};
	static char got[EXP_MAX];
	size_t k;
	int i, rc;

	CHECK(d->fix[0], "%s: no fix", what);
	check_all_recorded(d);
	for (k = 0; k < sizeof(shells) / sizeof(shells[0]); k++) {
		if (access(shells[k], X_OK))
			continue;
		unlink(logpath);
		for (i = 0; i < d->ncmds; i++) {
			CHECK(strstr(d->fix, d->cmds[i]), "%s: command \"%s\" not in the fix: %s",
			      what, show(d->cmds[i]), show(d->fix));
			rc = run_shell(shells[k], d->cmds[i]);
			CHECK(rc == 0, "%s: %s -c \"%s\" exited %d", what, shells[k],
			      show(d->cmds[i]), rc);
			/* "not found" or any other complaint means a stray command */
			CHECK(!err_text(), "%s: %s -c \"%s\" said: %s", what, shells[k],
			      show(d->cmds[i]), show(err_text()));
		}
		CHECK(!read_log(got, sizeof(got)), "%s: malformed stub log", what);
		CHECK(!strcmp(got, want), "%s: %s ran %s, want %s", what, shells[k], show(got),
		      show(want));
		if (!work_is_empty()) {
			CHECK(0, "%s: %s created a file: a metacharacter ran", what, shells[k]);
			rm_tree(work);
			mkdir(work, 0755);
		}
	}
}

/* --- the host facts --------------------------------------------------------- */

enum { CTX_SERVICE, CTX_PID, CTX_INSTALLED, CTX_CONTAINER, CTX_NONE, NCTX };

struct ctx {
	const char *name;
	struct hostconf *hc;
	int pid;		    /* the nginx pid fix__init gets */
	char reload[EXP_MAX / 4];   /* argv lists of fx->reload */
	char fpm[EXP_MAX / 4];	    /* of the command that restarts the pool's php-fpm */
	char fpm_none[EXP_MAX / 4]; /* of the same without a known pool */
};

/*
 * nginx master MASTER whose command line was `nginx -p PREFIX -c NGX_CONF`,
 * on this host (host) under systemd unit (or none), and one php-fpm master.
 */
static struct hostconf *seed(int host, const char *unit, int fpm_pid, const char *fpm_conf,
			     const char *service)
{
	struct hostconf_opts o = {.no_discover = 1};
	struct hostconf *hc = hostconf__new(&o);
	struct hostconf_nginx *n;
	int err;

	if (!hc)
		return NULL;
	err = hostconf__add_nginx(hc, MASTER, root, NGX_CONF);
	CHECK(!err, "add_nginx: %s", strerror(-err));
	err = hostconf__add_fpm(hc, fpm_pid, root, fpm_conf, service);
	CHECK(!err, "add_fpm: %s", strerror(-err));
	/* what nginx_load() would have read from /proc/MASTER for such a master */
	n = (struct hostconf_nginx *)hostconf__nginx(hc, MASTER);
	CHECK(n != NULL, "no nginx entry");
	if (n) {
		n->host = host;
		snprintf(n->arg_prefix, sizeof(n->arg_prefix), "%s", PREFIX);
		snprintf(n->arg_conf, sizeof(n->arg_conf), "%s", NGX_CONF);
		snprintf(n->unit, sizeof(n->unit), "%s", unit);
	}
	return hc;
}

static void contexts(struct ctx *c)
{
	int i;

	memset(c, 0, NCTX * sizeof(*c));
	CHECK(!setup(), "cannot make the fixture root under /tmp");
	c[CTX_SERVICE].name = "systemd units";
	c[CTX_SERVICE].hc = seed(1, HOSTILE ".service", FPM_PID, FPM_A_CONF, SERVICE);
	expect(c[CTX_SERVICE].reload, "systemctl", "reload", HOSTILE, NULL);
	expect(c[CTX_SERVICE].fpm, "systemctl", "restart", SERVICE, NULL);

	c[CTX_PID].name = "no units";
	c[CTX_PID].hc = seed(1, "", FPM_PID, FPM_B_CONF, "");
	expect(c[CTX_PID].reload, "kill", "-HUP", MASTER_S, NULL);
	expect(c[CTX_PID].fpm, "php-fpm", "-t", "-y", FPM_B_CONF, NULL);

	c[CTX_INSTALLED].name = "php-fpm installed, not running";
	c[CTX_INSTALLED].hc = seed(1, "", 0, FPM_A_CONF, SERVICE);
	expect(c[CTX_INSTALLED].reload, "kill", "-HUP", MASTER_S, NULL);
	expect(c[CTX_INSTALLED].fpm, "systemctl", "start", SERVICE, NULL);

	c[CTX_CONTAINER].name = "nginx in a container";
	c[CTX_CONTAINER].hc = seed(0, "", 0, FPM_B_CONF, "");
	expect(c[CTX_CONTAINER].reload, "nginx", "-t", NULL);
	expect(c[CTX_CONTAINER].reload, "nginx", "-s", "reload", NULL);
	expect(c[CTX_CONTAINER].fpm, "php-fpm", "-y", FPM_B_CONF, NULL);

	c[CTX_NONE].name = "nothing known";
	expect(c[CTX_NONE].reload, "nginx", "-t", NULL);
	expect(c[CTX_NONE].reload, "systemctl", "reload", "nginx", NULL);
	expect(c[CTX_NONE].fpm, "systemctl", "restart", "php-fpm", NULL);

	for (i = 0; i < NCTX; i++) {
		char nginx[EXP_MAX / 4] = "";

		if (i != CTX_NONE) {
			c[i].pid = MASTER;
			if (i != CTX_CONTAINER) {
				/* nginx -t with the master's own -p and -c, then the reload */
				expect(nginx, "nginx", "-t", "-p", PREFIX, "-c", NGX_CONF, NULL);
				strcat(nginx, c[i].reload);
				strcpy(c[i].reload, nginx);
			}
		}
		expect(c[i].fpm_none, "systemctl", "restart", "php-fpm", NULL);
	}
}

static void free_contexts(struct ctx *c)
{
	int i;

	for (i = 0; i < NCTX; i++)
		hostconf__free(c[i].hc);
}

static struct diagnosis *fresh(struct diagnosis *d)
{
	memset(d, 0, sizeof(*d));
	return d;
}

/* want = the argv lists a, then b (either may be NULL) */
static const char *cat2(char *want, const char *a, const char *b)
{
	snprintf(want, EXP_MAX, "%s%s", a ? a : "", b ? b : "");
	return want;
}

UNIT_TEST(socket_missing)
{
	static struct diagnosis d;
	struct ctx c[NCTX];
	char want[EXP_MAX], start[256] = "", what[128];
	struct fix_ctx fx;
	int i;

	contexts(c);
	expect(start, "systemctl", "start", "php8.1-fpm", NULL);
	for (i = 0; i < NCTX; i++) {
		/* the pool that should listen there is known: its php-fpm command */
		snprintf(what, sizeof(what), "missing, pool known (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		fix__socket_missing(fresh(&d), &fx, "/run/php/www.sock", "");
		check_commands(what, &d, i == CTX_NONE ? c[i].reload : c[i].fpm);

		/* another socket, in a hostile directory, and a hostile listener */
		snprintf(what, sizeof(what), "missing, other socket (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "unix:/run/" HOSTILE "/php8.1-fpm.sock");
		fix__socket_missing(fresh(&d), &fx, "/run/" HOSTILE "/php8.1-fpm.sock",
				    "/run/" HOSTILE "/other.sock");
		/* a running pool elsewhere is named; else start what the name says */
		if (i == CTX_SERVICE || i == CTX_PID)
			check_commands(what, &d, c[i].reload);
		else
			check_commands(what, &d, cat2(want, start, c[i].reload));
		if (i == CTX_CONTAINER)
			CHECK(strstr(d.fix, "(inside the container of nginx pid " MASTER_S ")"),
			      "no container in: %s", show(d.fix));
	}
	free_contexts(c);
}

UNIT_TEST(socket_permission)
{
	static struct diagnosis d;
	struct sock_access acc = {.verdict = SOCK_ACCESS_DIR_NO_SEARCH, .mode = 040700};
	struct ctx c[NCTX];
	char dir[1024] = "", what[128], want[EXP_MAX];
	struct fix_ctx fx;
	int i;

	contexts(c);
	snprintf(acc.path, sizeof(acc.path), "%s", BLOCKING);
	snprintf(acc.owner, sizeof(acc.owner), "root");
	snprintf(acc.group, sizeof(acc.group), "root");
	expect(dir, "chmod", "o+x", BLOCKING, NULL);
	expect(dir, "chgrp", GROUP, BLOCKING, NULL);
	expect(dir, "chmod", "g+x", BLOCKING, NULL);
	for (i = 0; i < NCTX; i++) {
		const char *fpm = i == CTX_NONE ? c[i].fpm_none : c[i].fpm;

		snprintf(what, sizeof(what), "permission, directory (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		acc.verdict = SOCK_ACCESS_DIR_NO_SEARCH;
		fix__socket_permission(fresh(&d), &fx, BLOCKING "/www.sock", &acc, "www-data",
				       GROUP);
		check_commands(what, &d, cat2(want, dir, fpm));

		snprintf(what, sizeof(what), "permission, socket mode (%s)", c[i].name);
		acc.verdict = SOCK_ACCESS_NO_WRITE;
		fix__socket_permission(fresh(&d), &fx, BLOCKING "/www.sock", &acc, "www-data",
				       GROUP);
		check_commands(what, &d, fpm);
	}
	free_contexts(c);
}

UNIT_TEST(socket_stale_and_backlog)
{
	static struct diagnosis d;
	struct ctx c[NCTX];
	char guess[256] = "", named[256] = "", what[128];
	struct fix_ctx fx;
	int i;

	contexts(c);
	expect(guess, "systemctl", "restart", "php8.2-fpm", NULL);
	expect(named, "systemctl", "restart", "php7.4-fpm", NULL);
	for (i = 0; i < NCTX; i++) {
		snprintf(what, sizeof(what), "stale, pool known (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		fix__socket_stale(fresh(&d), &fx, "/run/php/www.sock");
		check_commands(what, &d, i == CTX_NONE ? guess : c[i].fpm);

		snprintf(what, sizeof(what), "backlog, pool known (%s)", c[i].name);
		fix__backlog(fresh(&d), &fx, "/run/php/www.sock", "4096");
		check_commands(what, &d, i == CTX_NONE ? c[i].fpm_none : c[i].fpm);

		snprintf(what, sizeof(what), "stale, hostile path (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "unix:/run/" HOSTILE "/php7.4-fpm.sock");
		fix__socket_stale(fresh(&d), &fx, "/run/" HOSTILE "/php7.4-fpm.sock");
		check_commands(what, &d, named);

		snprintf(what, sizeof(what), "backlog, hostile path (%s)", c[i].name);
		fix__backlog(fresh(&d), &fx, "/run/" HOSTILE "/php7.4-fpm.sock", "4096");
		check_commands(what, &d, c[i].fpm_none);
	}
	free_contexts(c);
}

UNIT_TEST(nginx_side)
{
	static struct diagnosis d;
	struct ctx c[NCTX];
	char ss[256] = "", sysctl[256] = "", what[128], want[EXP_MAX];
	struct fix_ctx fx;
	int i;

	contexts(c);
	expect(ss, "ss", "-ltnp", NULL);
	expect(sysctl, "sysctl", "-w", "net.ipv4.ip_local_port_range=10240 65535", NULL);
	for (i = 0; i < NCTX; i++) {
		snprintf(what, sizeof(what), "refused (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "127.0.0.1:8080");
		fix__refused(fresh(&d), &fx, "127.0.0.1:8081");
		check_commands(what, &d, cat2(want, ss, c[i].reload));

		snprintf(what, sizeof(what), "ports exhausted (%s)", c[i].name);
		fix__ports_exhausted(fresh(&d), &fx, 40000, 40001, 2);
		check_commands(what, &d, cat2(want, sysctl, c[i].reload));

		snprintf(what, sizeof(what), "header too big (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "127.0.0.1:9002");
		fix__header_too_big(fresh(&d), &fx, 20000);
		check_commands(what, &d, c[i].reload);

		snprintf(what, sizeof(what), "read timeout (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		fix__read_timeout(fresh(&d), &fx, 1000);
		check_commands(what, &d, c[i].reload);

		snprintf(what, sizeof(what), "keep-alive race (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "127.0.0.1:9002");
		fix__keepalive_race(fresh(&d), &fx, 5000, 4990);
		check_commands(what, &d, c[i].reload);
		if (i == CTX_NONE)
			continue;
		/* the upstream block's own, not the clients' keepalive_timeout of http{} */
		CHECK(!strncmp(d.fix,
			       "set keepalive_timeout 4s; in upstream backend (" NGX_CONF ":4), "
			       "below the backend's idle timeout (~5.0 s)",
			       strlen("set keepalive_timeout 4s; in upstream backend (" NGX_CONF
				      ":4), below the backend's idle timeout (~5.0 s)")),
		      "%s: fix: %s", what, d.fix);
		CHECK(strstr(d.fix, "(now 60s, the default)"), "%s: fix: %s", what, d.fix);
	}
	free_contexts(c);
}

UNIT_TEST(fpm_terminated)
{
	static struct diagnosis d;
	struct ctx c[NCTX];
	char unit[256] = "", guess[256] = "", what[128];
	struct fix_ctx fx;
	int i;

	contexts(c);
	expect(unit, "systemctl", "restart", HOSTILE ".service", NULL);
	expect(guess, "systemctl", "restart", "php8.2-fpm", NULL);
	for (i = 0; i < NCTX; i++) {
		snprintf(what, sizeof(what), "terminated, pool known (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		fix__fpm_terminated(fresh(&d), &fx, HOSTILE ".service");
		check_commands(what, &d, i == CTX_NONE ? unit : c[i].fpm);

		/* no pool: the killed child's own unit, or a guess */
		snprintf(what, sizeof(what), "terminated, unit of the child (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, "127.0.0.1:9");
		fix__fpm_terminated(fresh(&d), &fx, HOSTILE ".service");
		check_commands(what, &d, unit);
		fix__fpm_terminated(fresh(&d), &fx, "");
		check_commands(what, &d, guess);
	}
	free_contexts(c);
}

/* An OOM kill with its memory cgroup's numbers: the change first, with the numbers behind it. */
UNIT_TEST(oom)
{
	static struct diagnosis d;
	struct fix_oom o = {.cgroup = "/system.slice/php8.2-fpm.service", .unit = "", .v2 = 1};
	struct ctx c[NCTX];
	char what[128];
	struct fix_ctx fx;
	int i;

	contexts(c);
	for (i = 0; i < NCTX; i++) {
		if (i == CTX_NONE)
			continue;
		snprintf(what, sizeof(what), "oom, children too many (%s)", c[i].name);
		fix__init(&fx, c[i].hc, c[i].pid, POOL_KEY);
		o.limit = 64ull << 20;
		o.rss = 20ull << 20;
		fix__oom(fresh(&d), &fx, &o);
		check_commands(what, &d, c[i].fpm);
		CHECK(!strncmp(d.fix, "set pm.max_children = 2 in ", 27), "%s: fix: %s", what,
		      d.fix);
		CHECK(strstr(d.fix,
			     "(now 5): 5 children x 20 MiB (the victim's RSS) = 100 MiB, more "
			     "than the 64 MiB limit of memory cgroup "
			     "/system.slice/php8.2-fpm.service"),
		      "%s: fix: %s", what, d.fix);
		CHECK(strstr(d.fix, "raise memory.max"), "%s: fix: %s", what, d.fix);

		snprintf(what, sizeof(what), "oom, one child fills it (%s)", c[i].name);
		o.rss = 60ull << 20;
		fix__oom(fresh(&d), &fx, &o);
		check_commands(what, &d, c[i].fpm);
		CHECK(!strncmp(d.fix, "set php_admin_value[memory_limit] = 11M in pool www (", 53),
		      "%s: fix: %s", what, d.fix);
		CHECK(strstr(d.fix, "where all children of pm.max_children = 5 ("), "%s: fix: %s",
		      what, d.fix);

		snprintf(what, sizeof(what), "oom, no numbers (%s)", c[i].name);
		fix__oom(fresh(&d), &fx, NULL);
		check_commands(what, &d, c[i].fpm);
		CHECK(!strncmp(d.fix, "lower pm.max_children = 5 (", 27), "%s: fix: %s", what,
		      d.fix);
	}
	free_contexts(c);
}

/* --- the command list itself ------------------------------------------------ */

UNIT_TEST(command_list)
{
	static struct diagnosis d;
	char big[DIAG_CMD_MAX + 8];
	const char *a, *b;
	int i;

	fresh(&d);
	b = diagnosis__command(&d, "systemctl restart %s", "b");
	a = diagnosis__command(&d, "chmod o+x %s", "a");
	CHECK_INT(d.ncmds, 2);
	/* the same command twice is one entry */
	CHECK(diagnosis__command(&d, "chmod o+x a") == a, "not the recorded one");
	CHECK_INT(d.ncmds, 2);
	/* never a cut command */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_STR(diagnosis__command(&d, "echo %s", big), "(a command too long to print)");
	CHECK_INT(d.ncmds, 2);
	CHECK_STR(diagnosis__command(&d, "%s", ""), "");
	CHECK_INT(d.ncmds, 2);
	/* in the order of the text; one the text does not hold is dropped */
	diagnosis__command(&d, "not in the text");
	fix__write(&d, "first %s, then %s", a, b);
	CHECK_INT(d.ncmds, 2);
	CHECK_STR(d.cmds[0], "chmod o+x a");
	CHECK_STR(d.cmds[1], "systemctl restart b");
	for (i = d.ncmds; i < DIAG_CMDS_MAX; i++)
		diagnosis__command(&d, "true %d", i);
	CHECK_INT(d.ncmds, DIAG_CMDS_MAX);
	CHECK_STR(diagnosis__command(&d, "one more"), "(more commands than can be printed)");
	CHECK_INT(d.ncmds, DIAG_CMDS_MAX);
}

UNIT_TEST(cut_fix_keeps_whole_commands)
{
	static struct diagnosis d;
	char head[DIAG_FIX_MAX], mid[400], p[600];
	const char *c1, *c2, *c3;
	size_t keep = sizeof(d.fix) - 1 - strlen(" [...] "), tail, h;

	fresh(&d);
	memset(p, 'p', 500);
	p[500] = '\0';
	memset(mid, 'm', 300);
	mid[300] = '\0';
	c2 = diagnosis__command(&d, "nginx -t -p '/%s'", p);
	c3 = diagnosis__command(&d, "kill -HUP 12345");
	c1 = diagnosis__command(&d, "chmod o+x '/a b'");
	/* the default tail (480 bytes) starts inside c2; the head then ends inside c1 */
	tail = strlen(c2) + strlen(" && ") + strlen(c3);
	h = keep - tail - 5;
	memset(head, 'h', h);
	head[h] = '\0';
	fix__write(&d, "%s %s %s; then %s && %s", head, c1, mid, c2, c3);
	CHECK(strlen(d.fix) < sizeof(d.fix), "unterminated");
	CHECK(strstr(d.fix, " [...] "), "not cut: %zu bytes", strlen(d.fix));
	/* c1 straddled the cut: it is gone whole, and so from the list */
	CHECK(!strstr(d.fix, "chmod"), "a piece of a cut command: %s", d.fix);
	CHECK_INT(d.ncmds, 2);
	CHECK(strstr(d.fix, d.cmds[0]) && strstr(d.fix, d.cmds[1]), "a command is cut");
	CHECK(strstr(d.fix, "h  [...] nginx -t -p '/pppp"), "the cut is not between commands");
	CHECK(!strcmp(d.fix + strlen(d.fix) - strlen(c3), "kill -HUP 12345"),
	      "the last command is not whole at the end");
}

UNIT_TEST(zz_cleanup)
{
	if (root[0])
		rm_tree(base);
}

int main(void)
{
	return unit_main();
}
