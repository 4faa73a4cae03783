// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>
#include "privs.h"

/* libcap's header may predate them; the kernel numbers are fixed */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * What the tool still does once it is ready, and what each step needs. The
 * rest (CAP_NET_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_CHOWN, CAP_FOWNER,
 * CAP_KILL, CAP_MKNOD, CAP_SYS_RESOURCE, CAP_IPC_LOCK, CAP_SETPCAP...) was
 * for the load, or never needed. Keep README.md "Least privilege" in step.
 */
static const cap_value_t kept[] = {
	/* bpf(): links of the uprobes on nginx binaries that start later, target map updates */
	CAP_BPF,
	/* perf_event_open() of those uprobes, and of the syscall tracepoints of the fallback */
	CAP_PERFMON,
	/*
	 * setns() into an nginx's network namespace to read its sysctls (procfs.c), the tracefs
	 * mount of the syscall fallback, and unmounting tracefs and bpffs at exit
	 */
	CAP_SYS_ADMIN,
	/*
	 * /proc/PID/{exe,root,cwd,fd,environ,ns} of workers of another user, and of a root
	 * master, which now holds capabilities we no longer have
	 */
	CAP_SYS_PTRACE,
	/* read configs, logs and socket directories whatever their mode, as a root master can */
	CAP_DAC_OVERRIDE,
	CAP_DAC_READ_SEARCH,
	/* setfsuid/setfsgid/setgroups: read a file with the credentials of its owner (rootfs.c) */
	CAP_SETUID,
	CAP_SETGID,
};

static bool is_kept(cap_value_t c)
{
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++)
		if (kept[i] == c)
			return true;
	return false;
}

static bool has(cap_t caps, cap_value_t c, cap_flag_t set)
{
	cap_flag_value_t v;

	return !cap_get_flag(caps, c, set, &v) && v == CAP_SET;
}

/* The bounding set is what anything the process execs as root would get back: the kept ones. */
static int drop_bounding(cap_t cur)
{
	cap_value_t c, setpcap = CAP_SETPCAP, max = cap_max_bits();
	int err = 0;

	if (!has(cur, CAP_SETPCAP, CAP_PERMITTED))
		/* not root: an exec gains nothing from the bounding set anyway */
		return geteuid() == 0 ? -EPERM : 0;
	if (cap_set_flag(cur, CAP_EFFECTIVE, 1, &setpcap, CAP_SET) || cap_set_proc(cur))
		return -errno;
	for (c = 0; c < max; c++) {
		if (is_kept(c) || cap_get_bound(c) <= 0)
			continue;
		if (cap_drop_bound(c) && !err)
			err = -errno;
	}
	return err;
}

int privs__drop(void)
{
	cap_t cur, next = NULL;
	int err, ret = 0;

	cur = cap_get_proc();
	if (!cur)
		return -errno;
	next = cap_init();
	if (!next) {
		ret = -errno;
		goto cleanup;
	}
	/* first, while CAP_SETPCAP is still there */
	ret = drop_bounding(cur);
	/* none inherited across exec; fails only where the kernel has no ambient set */
	if (cap_reset_ambient() && errno != EINVAL && !ret)
		ret = -errno;
	/* next is empty: inheritable stays so, effective = permitted = what we had of the kept */
	for (size_t i = 0; i < ARRAY_SIZE(kept); i++) {
		if (!has(cur, kept[i], CAP_PERMITTED))
			continue;
		if (cap_set_flag(next, CAP_PERMITTED, 1, &kept[i], CAP_SET) ||
		    cap_set_flag(next, CAP_EFFECTIVE, 1, &kept[i], CAP_SET)) {
			err = -errno;
			ret = ret ? ret : err;
		}
	}
	if (cap_set_proc(next) && !ret)
		ret = -errno;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) && !ret)
		ret = -errno;
cleanup:
	if (next)
		cap_free(next);
	cap_free(cur);
	return ret;
}

unsigned long long privs__cap_eff(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return eff;
}

int privs__describe(char *buf, size_t size)
{
	cap_value_t c, max = cap_max_bits();
	size_t off = 0;
	int n = 0;
	cap_t cur;

	if (!buf || !size)
		return -EINVAL;
	cur = cap_get_proc();
	if (!cur)
		return -errno;
	buf[0] = '\0';
	for (c = 0; c < max && off < size; c++) {
		char *name;

		if (!has(cur, c, CAP_EFFECTIVE))
			continue;
		name = cap_to_name(c);
		off += snprintf(buf + off, size - off, "%s%s", n++ ? "," : "kept ",
				name ? name : "?");
		cap_free(name);
	}
	if (!n && off < size)
		off += snprintf(buf + off, size - off, "no capabilities");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 && off < size)
		snprintf(buf + off, size - off, "; no_new_privs");
	cap_free(cur);
	return 0;
}
