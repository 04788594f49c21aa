// SPDX-License-Identifier: GPL-2.0
/* fanctl: messages and address formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "fanctl.h"

const char *progname = "fanctl";
bool verbose;
bool json_output, json_pretty;
unsigned int lock_wait = FANCTL_LOCK_WAIT;
bool msg_quiet;
const char *err_ctx;
FILE *msg_file;

static void vmsg(const char *prefix, const char *fmt, va_list ap)
{
	FILE *f = msg_file ? msg_file : stderr;

	fprintf(f, "%s: %s%s", progname, err_ctx ? err_ctx : "", prefix);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
}

void err_msg(const char *fmt, ...)
{
	va_list ap;

	if (msg_quiet)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

void warn_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg("warning: ", fmt, ap);
	va_end(ap);
}

void verbose_msg(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vmsg("", fmt, ap);
	va_end(ap);
}

const char *ip_str(uint32_t a, char *buf)
{
	struct in_addr in = { .s_addr = htonl(a) };

	/* cannot fail: AF_INET and INET_ADDRSTRLEN bytes */
	return inet_ntop(AF_INET, &in, buf, IPSTR_LEN);
}

const char *prefix_str(uint32_t a, unsigned int len, char *buf)
{
	char ip[IPSTR_LEN];

	snprintf(buf, PFXSTR_LEN, "%s/%u", ip_str(a, ip), len);
	return buf;
}

int exit_worse(int a, int b)
{
	/* a refusal of the system, then of the user's input, then a fan kept */
	static const int rank[] = {
		[EXIT_OK] = 0, [EXIT_BUSY] = 1, [EXIT_USAGE] = 2, [EXIT_SYSTEM] = 3,
	};

	if (a < 0 || a > EXIT_BUSY)
		a = EXIT_SYSTEM;
	if (b < 0 || b > EXIT_BUSY)
		b = EXIT_SYSTEM;
	return rank[b] > rank[a] ? b : a;
}

/* Indent for depth @d, on a new line. */
static void json_nl(FILE *f, int d)
{
	fputc('\n', f);
	while (d-- > 0)
		fputs("  ", f);
}

void json_print(const char *s, bool pretty, FILE *f)
{
	bool in_str = false, esc = false;
	char last = 0;
	int depth = 0;

	for (; *s; s++) {
		char c = *s;

		if (in_str) {
			fputc(c, f);
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\t' || c == '\r')
			continue;
		if (c == '"')
			in_str = true;
		/* "{}" and "[]" stay together */
		if ((c == '}' || c == ']') && pretty && --depth >= 0 && last != '{' && last != '[')
			json_nl(f, depth);
		if (pretty && last && (last == '{' || last == '[') && c != '}' && c != ']')
			json_nl(f, depth);
		fputc(c, f);
		last = c;
		if (!pretty)
			continue;
		if (c == ':')
			fputc(' ', f);
		else if (c == ',')
			json_nl(f, depth);
		else if (c == '{' || c == '[')
			depth++;
	}
	fputc('\n', f);
}
