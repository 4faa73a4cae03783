// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "nginxelf.h"

/* Function bodies and PLT sections bigger than this are not nginx's. */
#define MAX_SCAN	(1 << 20)
#define MAX_STUBS	8

struct elf_ctx {
	Elf *elf;
	size_t shnum;
	uint64_t write_got;		/* vaddr of write's GOT slot, 0 if unknown */
	uint64_t stubs[MAX_STUBS];	/* vaddrs of PLT jumps through that slot */
	int nstubs;
};

/* vaddr -> file offset through the section that holds it; 0 if none. */
static uint64_t vaddr_to_off(struct elf_ctx *c, uint64_t vaddr)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(c->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS || !(sh.sh_flags & SHF_ALLOC))
			continue;
		if (vaddr >= sh.sh_addr && vaddr < sh.sh_addr + sh.sh_size)
			return vaddr - sh.sh_addr + sh.sh_offset;
	}
	return 0;
}

/* Bytes at [vaddr, vaddr + size) from the section that holds them; NULL if out of range. */
static const uint8_t *bytes_at(struct elf_ctx *c, uint64_t vaddr, uint64_t size)
{
	Elf_Scn *scn = NULL;
	Elf_Data *d;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(c->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_PROGBITS)
			continue;
		if (vaddr < sh.sh_addr || vaddr + size > sh.sh_addr + sh.sh_size || size > MAX_SCAN)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf || d->d_size < sh.sh_size)
			return NULL;
		return (const uint8_t *)d->d_buf + (vaddr - sh.sh_addr);
	}
	return NULL;
}

static int32_t rel32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Symbols: fill function addresses and sizes we need; the GOT slot of write. */
static void scan_symbols(struct elf_ctx *c, uint64_t *core, uint64_t *core_size, uint64_t *syslog)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(c->elf, scn))) {
		Elf_Data *d;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || !sh.sh_entsize)
			continue;
		d = elf_getdata(scn, NULL);
		if (!d)
			continue;
		n = sh.sh_size / sh.sh_entsize;
		if (sh.sh_type == SHT_DYNSYM || sh.sh_type == SHT_SYMTAB) {
			for (i = 0; i < n; i++) {
				GElf_Sym sym;
				const char *name;

				if (!gelf_getsym(d, i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
				    !sym.st_value)
					continue;
				name = elf_strptr(c->elf, sh.sh_link, sym.st_name);
				if (!name)
					continue;
				if (!strcmp(name, "ngx_log_error_core")) {
					*core = sym.st_value;
					*core_size = sym.st_size;
				} else if (!strcmp(name, "ngx_syslog_writer")) {
					*syslog = sym.st_value;
				}
			}
		} else if (sh.sh_type == SHT_RELA) {
			/* JUMP_SLOT / GLOB_DAT relocations name write's GOT slot */
			GElf_Shdr symsh;
			Elf_Scn *symscn = elf_getscn(c->elf, sh.sh_link);
			Elf_Data *symd = symscn ? elf_getdata(symscn, NULL) : NULL;

			if (!symd || !gelf_getshdr(symscn, &symsh))
				continue;
			for (i = 0; i < n; i++) {
				GElf_Rela r;
				GElf_Sym sym;
				const char *name;

				if (!gelf_getrela(d, i, &r) ||
				    !gelf_getsym(symd, GELF_R_SYM(r.r_info), &sym))
					continue;
				name = elf_strptr(c->elf, symsh.sh_link, sym.st_name);
				if (name && !strcmp(name, "write"))
					c->write_got = r.r_offset;
			}
		}
	}
}

/* PLT entries jump through the GOT: `ff 25 rel32` (maybe after endbr64/bnd). */
static void scan_plt(struct elf_ctx *c)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;

	if (!c->write_got || elf_getshdrstrndx(c->elf, &shstrndx))
		return;
	while ((scn = elf_nextscn(c->elf, scn))) {
		const char *name;
		const uint8_t *b;
		uint64_t i;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(c->elf, shstrndx, sh.sh_name);
		if (!name || strncmp(name, ".plt", 4) || sh.sh_size < 6 || sh.sh_size > MAX_SCAN)
			continue;
		b = bytes_at(c, sh.sh_addr, sh.sh_size);
		if (!b)
			continue;
		for (i = 0; i + 6 <= sh.sh_size && c->nstubs < MAX_STUBS; i++)
			if (b[i] == 0xff && b[i + 1] == 0x25 &&
			    sh.sh_addr + i + 6 + rel32(b + i + 2) == c->write_got)
				c->stubs[c->nstubs++] = sh.sh_addr + i;
	}
}

static int is_write_stub(const struct elf_ctx *c, uint64_t target)
{
	/* a call lands on the entry start, up to 5 bytes of endbr64/bnd before the jmp */
	for (int i = 0; i < c->nstubs; i++)
		if (target <= c->stubs[i] && c->stubs[i] - target <= 5)
			return 1;
	return 0;
}

static void scan_calls(struct elf_ctx *c, uint64_t start, uint64_t size, struct nginx_sites *out)
{
	const uint8_t *b = bytes_at(c, start, size);
	uint64_t i, at;

	if (!b)
		return;
	for (i = 0; i + 5 <= size && out->nwrite < NGINXELF_MAX_SITES; i++) {
		at = start + i;
		if (b[i] == 0xe8 && is_write_stub(c, at + 5 + rel32(b + i + 1)))
			out->write_calls[out->nwrite++] = vaddr_to_off(c, at);
		else if (i + 6 <= size && b[i] == 0xff && b[i + 1] == 0x15 && c->write_got &&
			 at + 6 + rel32(b + i + 2) == c->write_got)
			out->write_calls[out->nwrite++] = vaddr_to_off(c, at); /* -fno-plt */
	}
}

int nginxelf__find(const char *path, struct nginx_sites *out)
{
	struct elf_ctx c = {};
	uint64_t core = 0, core_size = 0, syslog = 0;
	GElf_Ehdr eh;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/*
	 * read(), not mmap: a private mapping of the binary receives the int3
	 * of every uprobe already placed on it (another ngx502-trace, say),
	 * and the call sites would no longer be seen.
	 */
	c.elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!c.elf || elf_kind(c.elf) != ELF_K_ELF || !gelf_getehdr(c.elf, &eh) ||
	    eh.e_machine != EM_X86_64) {
		err = -ENOEXEC;
		goto cleanup;
	}
	scan_symbols(&c, &core, &core_size, &syslog);
	if (!core) {
		err = -ENOENT;
		goto cleanup;
	}
	out->log_core = vaddr_to_off(&c, core);
	out->syslog_writer = syslog ? vaddr_to_off(&c, syslog) : 0;
	scan_plt(&c);
	if (core_size)
		scan_calls(&c, core, core_size, out);
cleanup:
	elf_end(c.elf);
	close(fd);
	return err;
}
