/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where an nginx binary can be watched: its exported ngx_log_error_core
 * (connect failures, with errno and peer name), ngx_syslog_writer, and the
 * instructions inside ngx_log_error_core that call write(2) with the
 * finished error-log line in (rsi, rdx). A uprobe there reads the line as
 * nginx writes it, wherever it goes, and costs nothing while nginx is quiet.
 */
#ifndef __NGINXELF_H
#define __NGINXELF_H

#define NGINXELF_MAX_SITES 8

struct nginx_sites {
	unsigned long log_core;		/* file offset of ngx_log_error_core, 0 if absent */
	unsigned long syslog_writer;	/* file offset of ngx_syslog_writer, 0 if absent */
	int nwrite;
	unsigned long write_calls[NGINXELF_MAX_SITES]; /* file offsets of `call write` sites */
};

/* Read the ELF file at path (x86-64). 0, -ENOENT when ngx_log_error_core is absent, or -errno. */
int nginxelf__find(const char *path, struct nginx_sites *out);

#endif /* __NGINXELF_H */
