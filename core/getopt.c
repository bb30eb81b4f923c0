/* SPDX-License-Identifier: MIT */
/*
 * getopt.c - POSIX getopt(3) for the static binary.  musl's prints its
 * errors through stdio and decodes multibyte option characters, which
 * brings 3 KiB of stdio into a binary that has no other use for it; the
 * applets set opterr to 0 and print their own messages, and every option
 * character is ASCII.  Bundled options (-td), a value in the same word
 * (-lPORT) or the next, "--" and a lone "-" behave as in POSIX and musl.
 */
#include <string.h>
#include <unistd.h>

char	*optarg;
int	 optind = 1, opterr = 1, optopt;
static int optpos;		/* the next character in argv[optind] */

int
getopt(int argc, char *const argv[], const char *opts)
{
	const char *a, *o;
	int c;

	if (optind >= argc || (a = argv[optind]) == NULL)
		return -1;
	if (optpos == 0) {
		if (a[0] != '-' || a[1] == '\0')
			return -1;
		if (strcmp(a, "--") == 0) {
			optind++;
			return -1;
		}
		optpos = 1;
	}
	c = (unsigned char)a[optpos++];
	if (a[optpos] == '\0') {
		optind++;
		optpos = 0;
	}
	o = c == ':' ? NULL : strchr(opts[0] == ':' ? opts + 1 : opts, c);
	if (o == NULL) {
		optopt = c;
		return '?';
	}
	if (o[1] != ':')
		return c;
	if (optpos != 0) {
		optarg = (char *)a + optpos;
		optind++;
		optpos = 0;
	} else if (optind < argc) {
		optarg = argv[optind++];
	} else {
		optopt = c;
		return opts[0] == ':' ? ':' : '?';
	}
	return c;
}
