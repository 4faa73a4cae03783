// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "probe.h"

int probe_btf__open(struct probe_btf *f, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	f->data = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || st.st_size <= 0) {
		close(fd);
		return -EINVAL;
	}
	f->size = st.st_size;
	f->data = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (f->data == MAP_FAILED) {
		f->data = NULL;
		return -errno;
	}
	return 0;
}

void probe_btf__close(struct probe_btf *f)
{
	if (f->data)
		munmap(f->data, f->size);
	f->data = NULL;
}

bool probe_btf__has_tracepoint(const struct probe_btf *f, const char *tp)
{
	char name[128];
	int n;

	n = snprintf(name, sizeof(name), "%cbtf_trace_%s", '\0', tp);
	return f->data && n > 0 && n < (int)sizeof(name) && memmem(f->data, f->size, name, n + 1);
}

bool probe__uprobes(void)
{
	return !access("/sys/bus/event_source/devices/uprobe/type", R_OK);
}

/* 1: there; 0: not in this kernel; -ENOENT: no tracefs mounted to ask. */
int probe__syscall_tracepoints(void)
{
	static const char *const dirs[] = {"/sys/kernel/tracing/events",
					   "/sys/kernel/debug/tracing/events"};
	char path[128];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (access(dirs[i], F_OK))
			continue;
		snprintf(path, sizeof(path), "%s/syscalls/sys_enter_connect", dirs[i]);
		return !access(path, F_OK);
	}
	return -ENOENT;
}

const char *probe__lockdown(char *buf, size_t size)
{
	char line[128], *a, *b;
	FILE *f = fopen("/sys/kernel/security/lockdown", "re");

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	a = strchr(line, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!a || !b)
		return NULL;
	*b = '\0';
	snprintf(buf, size, "%s", a + 1);
	return buf;
}

bool probe__mounted(const char *path, long magic)
{
	struct statfs sfs;

	return !statfs(path, &sfs) && sfs.f_type == magic;
}
