// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "unit.h"
#include "text.h"

UNIT_TEST(utf8_passes_valid_text)
{
	char out[64];

	CHECK_STR(text__utf8("caf\xc3\xa9 \xe2\x82\xac", 9, out, sizeof(out)),
		  "caf\xc3\xa9 \xe2\x82\xac");
	CHECK_STR(text__utf8("a\tb", 3, out, sizeof(out)), "a\tb");
}

UNIT_TEST(utf8_escapes_invalid_bytes)
{
	char out[64];

	CHECK_STR(text__utf8("a\xff"
			     "b",
			     3, out, sizeof(out)),
		  "a\\xffb");
	CHECK_STR(text__utf8("\xc3", 1, out, sizeof(out)), "\\xc3");	      /* cut sequence */
	CHECK_STR(text__utf8("\xc0\xaf", 2, out, sizeof(out)), "\\xc0\\xaf"); /* overlong */
	CHECK_STR(text__utf8("\xed\xa0\x80", 3, out, sizeof(out)),
		  "\\xed\\xa0\\x80"); /* surrogate */
	CHECK_STR(text__utf8("a\0b", 3, out, sizeof(out)), "a\\x00b");
}

UNIT_TEST(visible_hides_terminal_controls)
{
	char out[64];

	CHECK_STR(text__visible("\x1b[31mred", 8, out, sizeof(out)), "\\x1b[31mred");
	CHECK_STR(text__visible("a\rb\n", 4, out, sizeof(out)), "a\\x0db\\x0a");
	CHECK_STR(text__visible("\xc2\x9b", 2, out, sizeof(out)), "\\xc2\\x9b"); /* C1 CSI */
	CHECK_STR(text__visible("\x7f", 1, out, sizeof(out)), "\\x7f");
}

UNIT_TEST(bounded_output)
{
	char out[8];

	text__utf8("abcdefghijkl", 12, out, sizeof(out));
	CHECK_INT(strlen(out), 7);
	text__utf8("\xff\xff\xff", 3, out, sizeof(out));
	CHECK_STR(out, "\\xff");    /* whole escapes only */
	text__utf8("x", 1, out, 0); /* no room: writes nothing */
}

int main(void)
{
	return unit_main();
}

UNIT_TEST(wrap_at_width)
{
	char out[256];

	/* 30 columns, 10 of label: 20 for the text, continuation under it */
	CHECK_STR(text__wrap("set pm.max_children = 2 in /etc/php/8.2/fpm/pool.d/www.conf:113 now",
			     30, 10, out, sizeof(out)),
		  "set pm.max_children\n          = 2 in\n          "
		  "/etc/php/8.2/fpm/pool.d/www.conf:113\n          now");
	/* short text, double spaces kept, UTF-8 counted as one column each */
	CHECK_STR(text__wrap("a  b", 30, 10, out, sizeof(out)), "a  b");
	CHECK_STR(
		text__wrap("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
			   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
			   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
			   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
			   30, 10, out, sizeof(out)),
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\n          "
		"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
	/* a narrow terminal: no wrapping; too small a buffer: NULL */
	CHECK_STR(text__wrap("aaa bbb ccc ddd eee fff ggg", 25, 10, out, sizeof(out)),
		  "aaa bbb ccc ddd eee fff ggg");
	CHECK(text__wrap("aaa bbb ccc", 100, 10, out, 5) == NULL, "no room must give NULL");
	CHECK_STR(text__wrap("", 100, 10, out, sizeof(out)), "");
}
