// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nginxelf: a tiny x86-64 ELF64 built here byte by byte (one function with a
 * PLT call and a -fno-plt call to write), then the same image with one field
 * made hostile at a time, as a local user could craft a binary named nginx.
 * Each is parsed from memory and from a file; every image is an exact-length
 * heap copy, so ASan sees any read past its end. Then the real nginx.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "../../user/nginxelf.h"

#define NGINX "/usr/sbin/nginx"

/* File layout of the built image; vaddr = offset + 0x1000 for .text and .plt. */
#define TEXT_OFF   0x100
#define TEXT_SIZE  0x40
#define PLT_OFF	   0x180
#define PLT_SIZE   0x10
#define DYNSYM_OFF 0x200
#define DYNSTR_OFF 0x260
#define RELA_OFF   0x290
#define SHSTR_OFF  0x2b0
#define SH_OFF	   0x300
#define GOT_WRITE  0x2000
#define IMAGE_SIZE (SH_OFF + NSECS * sizeof(Elf64_Shdr))

enum { S_NULL, S_TEXT, S_PLT, S_DYNSYM, S_DYNSTR, S_RELA, S_SHSTR, NSECS };
enum { SYM_NULL, SYM_CORE, SYM_WRITE, NSYMS };

static const char dynstr[] = "\0ngx_log_error_core\0write";
static const char shstr[] = "\0.text\0.plt\0.dynsym\0.dynstr\0.rela.plt\0.shstrtab";

static char tmpdir[64];

static void put32(uint8_t *p, int32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* The pieces of the image, to patch in place before it is parsed. */
static Elf64_Ehdr *ehdr(uint8_t *img)
{
	return (Elf64_Ehdr *)img;
}

static Elf64_Shdr *shdr(uint8_t *img, int i)
{
	return (Elf64_Shdr *)(img + SH_OFF) + i;
}

static Elf64_Sym *sym(uint8_t *img, int i)
{
	return (Elf64_Sym *)(img + DYNSYM_OFF) + i;
}

static Elf64_Rela *rela(uint8_t *img)
{
	return (Elf64_Rela *)(img + RELA_OFF);
}

static void set_shdr(uint8_t *img, int i, uint32_t name, uint32_t type, uint64_t flags,
		     uint64_t off, uint64_t size, uint32_t link, uint64_t entsize)
{
	*shdr(img, i) = (Elf64_Shdr){
		.sh_name = name,
		.sh_type = type,
		.sh_flags = flags,
		.sh_addr = flags & SHF_ALLOC ? off + 0x1000 : 0,
		.sh_offset = off,
		.sh_size = size,
		.sh_link = link,
		.sh_entsize = entsize,
	};
}

/* A heap buffer of exactly IMAGE_SIZE bytes holding a valid image. */
static uint8_t *image(void)
{
	uint8_t *img = calloc(1, IMAGE_SIZE), *t = img + TEXT_OFF, *p = img + PLT_OFF;
	Elf64_Ehdr *eh = ehdr(img);

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shoff = SH_OFF;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = NSECS;
	eh->e_shstrndx = S_SHSTR;

	/* ngx_log_error_core: call write@plt; call *write@GOT(%rip); ret */
	memset(t, 0x90, TEXT_SIZE);
	t[0] = 0xe8;
	put32(t + 1, (PLT_OFF + 0x1000) - (TEXT_OFF + 0x1000 + 5));
	t[5] = 0xff;
	t[6] = 0x15;
	put32(t + 7, GOT_WRITE - (TEXT_OFF + 0x1000 + 5 + 6));
	t[11] = 0xc3;
	/* write@plt: endbr64; jmp *write@GOT(%rip) */
	memset(p, 0xcc, PLT_SIZE);
	memcpy(p, "\xf3\x0f\x1e\xfa\xff\x25", 6);
	put32(p + 6, GOT_WRITE - (PLT_OFF + 0x1000 + 4 + 6));

	*sym(img, SYM_CORE) = (Elf64_Sym){
		.st_name = 1,
		.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
		.st_shndx = S_TEXT,
		.st_value = TEXT_OFF + 0x1000,
		.st_size = TEXT_SIZE,
	};
	*sym(img, SYM_WRITE) = (Elf64_Sym){
		.st_name = 20,
		.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
	};
	memcpy(img + DYNSTR_OFF, dynstr, sizeof(dynstr));
	*rela(img) = (Elf64_Rela){
		.r_offset = GOT_WRITE,
		.r_info = ELF64_R_INFO(SYM_WRITE, R_X86_64_JUMP_SLOT),
	};
	memcpy(img + SHSTR_OFF, shstr, sizeof(shstr));

	set_shdr(img, S_TEXT, 1, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, TEXT_OFF, TEXT_SIZE, 0,
		 0);
	set_shdr(img, S_PLT, 7, SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, PLT_OFF, PLT_SIZE, 0, 16);
	set_shdr(img, S_DYNSYM, 12, SHT_DYNSYM, SHF_ALLOC, DYNSYM_OFF, NSYMS * sizeof(Elf64_Sym),
		 S_DYNSTR, sizeof(Elf64_Sym));
	set_shdr(img, S_DYNSTR, 20, SHT_STRTAB, SHF_ALLOC, DYNSTR_OFF, sizeof(dynstr), 0, 0);
	set_shdr(img, S_RELA, 28, SHT_RELA, SHF_ALLOC, RELA_OFF, sizeof(Elf64_Rela), S_DYNSYM,
		 sizeof(Elf64_Rela));
	set_shdr(img, S_SHSTR, 38, SHT_STRTAB, 0, SHSTR_OFF, sizeof(shstr), 0, 0);
	return img;
}

static int write_tmp(const char *name, const void *buf, size_t len, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (len && write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

/*
 * Parse buf[0, len) from memory and from a file: both must agree. On an
 * error every result is zero.
 */
static int find_both(const uint8_t *buf, size_t len, struct nginx_sites *s)
{
	static const struct nginx_sites zero;
	struct nginx_sites f;
	uint8_t *copy = malloc(len ? len : 1);
	char path[128];
	int err, ferr;

	memcpy(copy, buf, len);
	err = nginxelf__find_mem(copy, len, s);
	free(copy);
	CHECK(write_tmp("image", buf, len, path, sizeof(path)) == 0, "cannot write %s", path);
	ferr = nginxelf__find(path, &f);
	unlink(path);
	CHECK_INT(ferr, err);
	CHECK(!memcmp(&f, s, sizeof(f)), "file and memory results differ");
	if (err)
		CHECK(!memcmp(s, &zero, sizeof(zero)), "results left after error %d", err);
	return err;
}

UNIT_TEST(built_image_sites)
{
	uint8_t *img = image();
	struct nginx_sites s;

	CHECK_INT(find_both(img, IMAGE_SIZE, &s), 0);
	CHECK_INT(s.log_core, TEXT_OFF);
	CHECK_INT(s.syslog_writer, 0);
	CHECK_INT(s.nwrite, 2);
	CHECK_INT(s.write_calls[0], TEXT_OFF);
	CHECK_INT(s.write_calls[1], TEXT_OFF + 5);
	free(img);
}

UNIT_TEST(symbol_value_near_top)
{
	uint8_t *img = image();
	struct nginx_sites s;

	sym(img, SYM_CORE)->st_value = 0xfffffffffffffff0ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	/* a body that would end exactly at 2^64 */
	sym(img, SYM_CORE)->st_value = 0xffffffffffffffc0ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	/* the section's own address range wraps */
	sym(img, SYM_CORE)->st_value = 0xfffffffffffffff0ULL;
	shdr(img, S_TEXT)->sh_addr = 0xffffffffffffffe0ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
}

UNIT_TEST(symbol_size_huge_or_past_section)
{
	uint8_t *img = image();
	struct nginx_sites s;

	sym(img, SYM_CORE)->st_size = 0xffffffffffffff00ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EFBIG);
	sym(img, SYM_CORE)->st_size = TEXT_SIZE + 1;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	/* a section that claims more bytes than the file has */
	sym(img, SYM_CORE)->st_size = TEXT_SIZE;
	shdr(img, S_TEXT)->sh_size = 0x10000;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
}

UNIT_TEST(section_headers_out_of_file)
{
	uint8_t *img = image();
	struct nginx_sites s;

	ehdr(img)->e_shoff = IMAGE_SIZE;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	ehdr(img)->e_shoff = IMAGE_SIZE - sizeof(Elf64_Shdr);
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	/* shoff + table size wraps to a small number */
	ehdr(img)->e_shoff = 0xffffffffffffff00ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
}

UNIT_TEST(section_count_times_size_overflow)
{
	uint8_t *img = image();
	struct nginx_sites s;

	ehdr(img)->e_shnum = 0xffff;
	ehdr(img)->e_shentsize = 0xffff;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	ehdr(img)->e_shentsize = sizeof(Elf64_Shdr);
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	ehdr(img)->e_shnum = NSECS;
	ehdr(img)->e_shstrndx = NSECS;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
}

UNIT_TEST(tables_out_of_range)
{
	struct nginx_sites s;
	uint8_t *img;

	img = image();
	shdr(img, S_DYNSYM)->sh_offset = 0xfffffffffffffff8ULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	shdr(img, S_DYNSTR)->sh_size = 0xffffffffffffffffULL;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	shdr(img, S_DYNSYM)->sh_link = 0x7fffffff;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	shdr(img, S_DYNSYM)->sh_entsize = 0;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	sym(img, SYM_CORE)->st_name = sizeof(dynstr);
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	/* the last name runs to the end of its table without a NUL */
	shdr(img, S_DYNSTR)->sh_size = sizeof(dynstr) - 1;
	sym(img, SYM_CORE)->st_name = 20;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -ENOENT);
	free(img);
	img = image();
	rela(img)->r_info = ELF64_R_INFO(0xffffffffU, R_X86_64_JUMP_SLOT);
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	shdr(img, S_RELA)->sh_link = S_DYNSTR;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -EINVAL);
	free(img);
	img = image();
	shdr(img, S_PLT)->sh_name = 0xffffffff;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), 0);
	CHECK_INT(s.nwrite, 1); /* only the -fno-plt call is left */
	free(img);
}

UNIT_TEST(truncated_everywhere)
{
	uint8_t *img = image();
	struct nginx_sites s;
	size_t len;
	int err, bad = 0;

	/* every prefix shorter than the section headers' end is an error, never a crash */
	for (len = 0; len < IMAGE_SIZE; len++) {
		uint8_t *cut = malloc(len ? len : 1);

		memcpy(cut, img, len);
		err = nginxelf__find_mem(cut, len, &s);
		free(cut);
		if (err != (len < SELFMAG ? -ENOEXEC : -EINVAL) && !bad++)
			CHECK(0, "%zu bytes: %d", len, err);
	}
	CHECK_INT(find_both(img, SH_OFF + 100, &s), -EINVAL);
	free(img);
}

UNIT_TEST(not_elf_empty_or_other_arch)
{
	static const char text[] = "#!/bin/sh\nexec nginx \"$@\"\n";
	uint8_t *img = image();
	struct nginx_sites s;

	CHECK_INT(find_both((const uint8_t *)text, sizeof(text) - 1, &s), -ENOEXEC);
	CHECK_INT(find_both((const uint8_t *)"", 0, &s), -ENOEXEC);
	CHECK_INT(nginxelf__find_mem(NULL, 0, &s), -ENOEXEC);
	ehdr(img)->e_ident[EI_CLASS] = ELFCLASS32;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -ENOEXEC);
	ehdr(img)->e_ident[EI_CLASS] = ELFCLASS64;
	ehdr(img)->e_machine = EM_AARCH64;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -ENOEXEC);
	ehdr(img)->e_machine = EM_X86_64;
	ehdr(img)->e_shnum = 0;
	CHECK_INT(find_both(img, IMAGE_SIZE, &s), -ENOENT);
	free(img);
}

UNIT_TEST(fifo_directory_missing)
{
	struct nginx_sites s;
	char path[128];

	snprintf(path, sizeof(path), "%s/fifo", tmpdir);
	CHECK(!mkfifo(path, 0600), "mkfifo %s: %s", path, strerror(errno));
	/* a hang here is the bug: let SIGALRM end the test binary instead */
	alarm(10);
	CHECK_INT(nginxelf__find(path, &s), -EINVAL);
	alarm(0);
	unlink(path);
	CHECK_INT(nginxelf__find(tmpdir, &s), -EINVAL);
	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	CHECK_INT(nginxelf__find(path, &s), -ENOENT);
}

UNIT_TEST(huge_table_over_budget)
{
	uint8_t *img = image();
	struct nginx_sites s;
	char path[128];
	int fd;

	/* a sparse 1 GiB file whose symbol table claims 512 MiB: refused, not read */
	shdr(img, S_DYNSYM)->sh_size = 512ULL << 20;
	CHECK_INT(write_tmp("huge", img, IMAGE_SIZE, path, sizeof(path)), 0);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	CHECK(fd >= 0 && !ftruncate(fd, 1LL << 30), "cannot grow %s", path);
	if (fd >= 0)
		close(fd);
	CHECK_INT(nginxelf__find(path, &s), -EFBIG);
	unlink(path);
	free(img);
}

static uint8_t *read_all(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*len = 0;
	if (fd < 0 || fstat(fd, &st) || !(buf = malloc(st.st_size))) {
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	*len = read(fd, buf, st.st_size) == st.st_size ? st.st_size : 0;
	close(fd);
	return buf;
}

UNIT_TEST(real_nginx)
{
	struct nginx_sites s, m;
	uint8_t *buf;
	size_t len;
	int i;

	if (access(NGINX, R_OK)) {
		printf("SKIP real_nginx: no " NGINX "\n");
		return;
	}
	CHECK_INT(nginxelf__find(NGINX, &s), 0);
	CHECK(s.log_core != 0, "no ngx_log_error_core");
	CHECK(s.nwrite >= 1 && s.nwrite <= NGINXELF_MAX_SITES, "%d write sites", s.nwrite);
	for (i = 0; i < s.nwrite; i++)
		CHECK(s.write_calls[i] > s.log_core && s.write_calls[i] - s.log_core < 0x10000,
		      "write site %#lx outside ngx_log_error_core at %#lx", s.write_calls[i],
		      s.log_core);
	buf = read_all(NGINX, &len);
	CHECK(buf && len, "cannot read " NGINX);
	if (buf && len) {
		CHECK_INT(nginxelf__find_mem(buf, len, &m), 0);
		CHECK(!memcmp(&s, &m, sizeof(s)), "file and memory results differ");
	}
	free(buf);
}

int main(void)
{
	int ret;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/nginxelf_test_XXXXXX");
	if (!mkdtemp(tmpdir)) {
		printf("FAIL setup: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	ret = unit_main();
	rmdir(tmpdir);
	return ret;
}
