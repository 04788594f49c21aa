// SPDX-License-Identifier: GPL-2.0
/* fanctl: messages and address formatting. */
#include <stdarg.h>
#include <stdio.h>
#include <arpa/inet.h>

#include "fanctl.h"

const char *progname = "fanctl";
bool verbose;
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
