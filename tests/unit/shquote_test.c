// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * shquote: the exact words it makes, and that a real shell (dash as sh, and
 * bash when there is one) reads every byte string back as one word equal to
 * it, running nothing of what the string says.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/shquote.h"

UNIT_TEST(plain_words_unchanged)
{
	char b[64];

	CHECK_STR(shquote("/run/php/php8.2-fpm.sock", b, sizeof(b)), "/run/php/php8.2-fpm.sock");
	CHECK_STR(shquote("www-data", b, sizeof(b)), "www-data");
	CHECK_STR(shquote("a_b@c%d+e=f:g,h.i/j-k", b, sizeof(b)), "a_b@c%d+e=f:g,h.i/j-k");
}

UNIT_TEST(quoted_words)
{
	char b[128];

	CHECK_STR(shquote("", b, sizeof(b)), "''");
	CHECK_STR(shquote(NULL, b, sizeof(b)), "''");
	CHECK_STR(shquote("a b", b, sizeof(b)), "'a b'");
	CHECK_STR(shquote("it's", b, sizeof(b)), "'it'\\''s'");
	CHECK_STR(shquote("'", b, sizeof(b)), "''\\'''");
	CHECK_STR(shquote("/x`id`$(id);|&{a,b}", b, sizeof(b)), "'/x`id`$(id);|&{a,b}'");
	CHECK_STR(shquote("a\nb", b, sizeof(b)), "'a\nb'");
	CHECK_STR(shquote("~root", b, sizeof(b)), "'~root'");
	CHECK_STR(shquote("*", b, sizeof(b)), "'*'");
	CHECK_STR(shquote("\\\"$HOME\"", b, sizeof(b)), "'\\\"$HOME\"'");
	CHECK_STR(shquote("\xff\x01", b, sizeof(b)), "'\xff\x01'");
}

UNIT_TEST(never_cut)
{
	char b[8];

	/* fits exactly: 7 plain bytes and the NUL; then one byte too many */
	CHECK_STR(shquote("abcdefg", b, sizeof(b)), "abcdefg");
	CHECK_STR(shquote("abcdefgh", b, sizeof(b)), "''");
	CHECK_STR(shquote("a b c", b, sizeof(b)), "'a b c'");
	CHECK_STR(shquote("a b cd", b, sizeof(b)), "''");
	CHECK_STR(shquote("a'b", b, sizeof(b)), "''");
	CHECK_STR(shquote("ab", b, 2), "''");
	CHECK_STR(shquote("ab", NULL, 0), "''");
}

UNIT_TEST(size_macro_is_enough)
{
	char s[33], b[SHQUOTE_SIZE(sizeof(s))];

	/* the worst case, every byte a quote: 2 + 4 x 32 bytes and the NUL */
	memset(s, '\'', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	CHECK_INT(strlen(shquote(s, b, sizeof(b))), 2 + 4 * (sizeof(s) - 1));
	CHECK_INT(strlen(shquote(s, b, 2 + 4 * (sizeof(s) - 1) + 1)), 2 + 4 * (sizeof(s) - 1));
	CHECK_STR(shquote(s, b, 2 + 4 * (sizeof(s) - 1)), "''");
}

/*
 * The bytes shell prints for `printf %s WORD` run as `shell -c`: WORD must
 * come back as the exact string, and nothing else may have run (cwd is an
 * empty directory that must stay empty; PATH holds nothing).
 */
static int shell_roundtrip(const char *shell, const char *s, char *out, size_t size, int *empty)
{
	char q[SHQUOTE_SIZE(300)], cmd[sizeof(q) + 16], dir[] = "/tmp/shquote_test.XXXXXX";
	char *envp[] = {"PATH=/nonexistent", NULL};
	int fds[2], status;
	ssize_t n, got = 0;
	pid_t pid;

	if (!mkdtemp(dir) || pipe(fds))
		return -errno;
	snprintf(cmd, sizeof(cmd), "printf %%s %s", shquote(s, q, sizeof(q)));
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		if (chdir(dir))
			_exit(126);
		execle(shell, shell, "-c", cmd, (char *)NULL, envp);
		_exit(127);
	}
	close(fds[1]);
	while (pid > 0 && (n = read(fds[0], out + got, size - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(fds[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -ECHILD;
	*empty = rmdir(dir) == 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void check_roundtrip(const char *shell, const char *s)
{
	char out[512];
	int empty = 0, rc;

	rc = shell_roundtrip(shell, s, out, sizeof(out), &empty);
	CHECK(rc == 0, "%s exited %d for \"%s\"", shell, rc, s);
	CHECK(!strcmp(out, s), "%s printed \"%s\" for \"%s\"", shell, out, s);
	CHECK(empty, "%s made a file from \"%s\"", shell, s);
}

static const char *const hostile[] = {
	"/tmp/x`echo >pwned1`/run",
	"/tmp/$(echo >pwned2)/a.sock",
	"a;echo >pwned3",
	"a|echo >pwned4",
	"a&echo >pwned5",
	"{a,b}",
	"a\necho >pwned6\n",
	"it's \"quoted\" 'twice'",
	"'; echo >pwned7; '",
	"\\'\\\\",
	"$HOME ${PATH} $0 $1 $@ $* $# $? $$ $!",
	"*?[a-z]",
	"~ ~root",
	"#comment",
	"-n",
	"",
	" lead and trail ",
	"\t\r\v\f",
	"!history",
	"<in >out 2>&1",
	"\xe2\x80\x98 utf-8 \xff\xfe bytes",
};

UNIT_TEST(shells_read_one_word_back)
{
	static const char *const shells[] = {"/bin/sh", "/bin/bash", "/bin/dash"};
	char all[256];
	size_t i, k;

	/* every byte but NUL, in one word */
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	for (k = 0; k < sizeof(shells) / sizeof(shells[0]); k++) {
		if (access(shells[k], X_OK))
			continue;
		for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
			check_roundtrip(shells[k], hostile[i]);
		check_roundtrip(shells[k], all);
	}
}

UNIT_TEST(random_bytes_roundtrip)
{
	char s[64];
	unsigned int seed = 1;
	int i, j;

	for (i = 0; i < 200; i++) {
		int len = rand_r(&seed) % (int)(sizeof(s) - 1);

		for (j = 0; j < len; j++)
			s[j] = (char)(1 + rand_r(&seed) % 255);
		s[len] = '\0';
		check_roundtrip("/bin/sh", s);
		if (unit_case_failed)
			break;
	}
}

int main(void)
{
	return unit_main();
}
