// SPDX-License-Identifier: GPL-2.0
/*
 * fanbench: the small load generators of the fan benchmark (make bench).
 *
 *   fanbench hosts N [-x A.B]...
 *	The first N underlay host parts A.B of a sequence that spreads
 *	them over 1..65534 (bit-reversed order; all zeros and all ones are
 *	not hosts), skipping the excluded ones; one "A B" per line.  The
 *	hosts for N are the first N of the hosts for any larger N.
 *   fanbench udp-send -t SECS [-l LEN] [-b BATCH] [-p PORT]
 *			  (-d ADDR | -s O N H [-x A.B]...)
 *	UDP datagrams of LEN payload bytes (default 64), BATCH per
 *	sendmmsg() (default 32), to ADDR or to O.A.B.H for the N hosts of
 *	"hosts N" in turn, for SECS seconds and, with -s, for as long as
 *	it takes every one of the N hosts to get at least one (a datagram
 *	the kernel refused is sent again; at most 10 x SECS + 30 s).
 *	Prints {"tx": sent, "errors": failed, "secs": elapsed, "pps": rate,
 *	"hosts": N, "reached": hosts sent at least one datagram}.
 *   fanbench udp-sink [-p PORT] [-t MAXSECS]
 *	Counts datagrams until none came for 0.3 s (or MAXSECS).  With
 *	SO_RXQ_OVFL the datagrams the socket dropped for lack of buffer are
 *	counted too, so the rate is that of the kernel path, not of this
 *	reader.  Prints {"rx": read, "dropped": n, "secs": first to last,
 *	"pps": (rx + dropped) / secs}.
 *   fanbench rr-server [-p PORT]
 *	TCP echo, one connection at a time, forever.
 *   fanbench rr-client -d ADDR -t SECS [-p PORT] [-l LEN]
 *	TCP request/response (TCP_NODELAY, LEN bytes each way, default 1),
 *	one transaction at a time, for SECS seconds.  Prints
 *	{"n": transactions, "p50_us", "p90_us", "p99_us", "mean_us", "tps"}.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCH	256
#define MAX_EXCL	16
#define MAX_LEN		65000

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: fanbench hosts N [-x A.B]...\n"
		"       fanbench udp-send -t SECS [-l LEN] [-b BATCH] [-p PORT] (-d ADDR | -s O N H [-x A.B]...)\n"
		"       fanbench udp-sink [-p PORT] [-t MAXSECS]\n"
		"       fanbench rr-server [-p PORT]\n"
		"       fanbench rr-client -d ADDR -t SECS [-p PORT] [-l LEN]\n");
	exit(2);
}

static long num(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "fanbench: bad number '%s' (%ld..%ld)\n", s, min, max);
		exit(2);
	}
	return v;
}

/* "A.B" -> the 16-bit host part. */
static unsigned int host_part(const char *s)
{
	unsigned int a, b;
	char c;

	if (sscanf(s, "%u.%u%c", &a, &b, &c) != 2 || a > 255 || b > 255) {
		fprintf(stderr, "fanbench: bad host part '%s' (want A.B)\n", s);
		exit(2);
	}
	return a << 8 | b;
}

/* The 16 bits of @v in reverse order. */
static unsigned int rev16(unsigned int v)
{
	unsigned int r = 0;
	int i;

	for (i = 0; i < 16; i++, v >>= 1)
		r = r << 1 | (v & 1);
	return r;
}

/*
 * The first N valid host parts (1..65534, less the excluded) in bit-reversed
 * order: any prefix of the sequence is spread evenly over the whole range
 * (the first 256 are A.0 for every A), and the set for N is contained in
 * the set for any larger N, so state can be added host by host.
 */
static unsigned int *spread_hosts(long n, const unsigned int *excl, int nexcl)
{
	unsigned int *out, i, h;
	long m = 0;
	int j;

	out = malloc(n * sizeof(*out));
	if (!out)
		die("malloc");
	for (i = 0; i < 65536 && m < n; i++) {
		h = rev16(i);
		if (h == 0 || h == 0xffff)
			continue;
		for (j = 0; j < nexcl && excl[j] != h; j++)
			;
		if (j == nexcl)
			out[m++] = h;
	}
	if (m < n) {
		fprintf(stderr, "fanbench: only %ld hosts available\n", m);
		exit(2);
	}
	return out;
}

static int cmd_hosts(int argc, char **argv)
{
	unsigned int excl[MAX_EXCL], *hosts;
	int nexcl = 0, opt;
	long n, i;

	if (argc < 2)
		usage();
	n = num(argv[1], 1, 65534);
	optind = 2;
	while ((opt = getopt(argc, argv, "x:")) != -1) {
		if (opt != 'x' || nexcl == MAX_EXCL)
			usage();
		excl[nexcl++] = host_part(optarg);
	}
	hosts = spread_hosts(n, excl, nexcl);
	for (i = 0; i < n; i++)
		printf("%u %u\n", hosts[i] >> 8, hosts[i] & 0xff);
	free(hosts);
	return 0;
}

static int cmd_udp_send(int argc, char **argv)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	static char payload[MAX_LEN];
	static long idx[MAX_BATCH];
	unsigned int excl[MAX_EXCL], *hosts = NULL;
	long secs = 0, len = 64, batch = 32, port = 9000, ndst = 0, i;
	long o = 0, hbyte = 0, next = 0, reached = 0;
	unsigned long long tx = 0, errors = 0;
	struct sockaddr_in *dsts;
	const char *addr = NULL;
	int nexcl = 0, opt, fd, sndbuf = 4 << 20;
	double t0, t1, end, hard_end;
	unsigned char *seen;

	while ((opt = getopt(argc, argv, "t:l:b:p:d:s:x:")) != -1) {
		switch (opt) {
		case 't': secs = num(optarg, 1, 3600); break;
		case 'l': len = num(optarg, 0, MAX_LEN); break;
		case 'b': batch = num(optarg, 1, MAX_BATCH); break;
		case 'p': port = num(optarg, 1, 65535); break;
		case 'd': addr = optarg; break;
		case 's':
			/* -s O N H: three arguments. */
			if (optind + 1 >= argc)
				usage();
			o = num(optarg, 1, 255);
			ndst = num(argv[optind], 1, 65534);
			hbyte = num(argv[optind + 1], 1, 254);
			optind += 2;
			break;
		case 'x':
			if (nexcl == MAX_EXCL)
				usage();
			excl[nexcl++] = host_part(optarg);
			break;
		default: usage();
		}
	}
	if (!secs || !!addr == !!ndst)
		usage();

	if (addr) {
		ndst = 1;
		dsts = calloc(1, sizeof(*dsts));
		if (!dsts)
			die("calloc");
		if (inet_pton(AF_INET, addr, &dsts[0].sin_addr) != 1) {
			fprintf(stderr, "fanbench: bad address '%s'\n", addr);
			return 2;
		}
	} else {
		hosts = spread_hosts(ndst, excl, nexcl);
		dsts = calloc(ndst, sizeof(*dsts));
		if (!dsts)
			die("calloc");
		for (i = 0; i < ndst; i++)
			dsts[i].sin_addr.s_addr =
				htonl((uint32_t)o << 24 | hosts[i] << 8 | hbyte);
		free(hosts);
	}
	for (i = 0; i < ndst; i++) {
		dsts[i].sin_family = AF_INET;
		dsts[i].sin_port = htons(port);
	}
	seen = calloc(ndst, 1);
	if (!seen)
		die("calloc");

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	memset(payload, 0xa5, sizeof(payload));
	for (i = 0; i < batch; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = len;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
	}

	t0 = now();
	end = t0 + secs;
	hard_end = t0 + secs * 10 + 30;
	do {
		int n;

		for (i = 0; i < batch; i++) {
			idx[i] = next;
			msgs[i].msg_hdr.msg_name = &dsts[next];
			if (++next == ndst)
				next = 0;
		}
		n = sendmmsg(fd, msgs, batch, 0);
		if (n < 0) {
			if (errno != ENOBUFS && errno != EAGAIN &&
			    errno != ECONNREFUSED && errno != EHOSTUNREACH &&
			    errno != ENETUNREACH && errno != EPERM)
				die("sendmmsg");
			errors++;
			/* Nothing went: start the next batch at this one's. */
			next = idx[0];
			continue;
		}
		tx += n;
		for (i = 0; i < n; i++) {
			if (!seen[idx[i]]) {
				seen[idx[i]] = 1;
				reached++;
			}
		}
		/* A partial batch: the next one failed; count it once and
		 * send again from there, so no host is skipped.
		 */
		if (n < batch) {
			errors++;
			next = idx[n];
		}
	} while (((t1 = now()) < end || reached < ndst) && t1 < hard_end);
	t1 = now();

	printf("{\"tx\": %llu, \"errors\": %llu, \"secs\": %.3f, \"pps\": %.0f, "
	       "\"hosts\": %ld, \"reached\": %ld}\n",
	       tx, errors, t1 - t0, tx / (t1 - t0), ndst, reached);
	close(fd);
	free(seen);
	free(dsts);
	return 0;
}

static int cmd_udp_sink(int argc, char **argv)
{
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH];
	static char bufs[MAX_BATCH][2048];
	static char ctl[MAX_BATCH][CMSG_SPACE(sizeof(uint32_t))];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { .tv_usec = 300000 };
	long port = 9000, maxsecs = 600, i;
	unsigned long long rx = 0;
	uint32_t dropped = 0;
	int opt, fd, one = 1, rcvbuf = 4 << 20;
	double first = 0, last = 0, start;

	while ((opt = getopt(argc, argv, "p:t:")) != -1) {
		switch (opt) {
		case 'p': port = num(optarg, 1, 65535); break;
		case 't': maxsecs = num(optarg, 1, 3600); break;
		default: usage();
		}
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one)))
		die("SO_RXQ_OVFL");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("bind");
	/* Tell the caller we are ready (it waits for this line). */
	printf("listening\n");
	fflush(stdout);

	start = now();
	for (;;) {
		int n;

		for (i = 0; i < MAX_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_control = ctl[i];
			msgs[i].msg_hdr.msg_controllen = sizeof(ctl[i]);
		}
		n = recvmmsg(fd, msgs, MAX_BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				die("recvmmsg");
			/* 0.3 s of silence: done once something came. */
			if (rx || now() - start > maxsecs)
				break;
			continue;
		}
		last = now();
		if (!rx)
			first = last;
		rx += n;
		for (i = 0; i < n; i++) {
			struct cmsghdr *c;

			for (c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c;
			     c = CMSG_NXTHDR(&msgs[i].msg_hdr, c))
				if (c->cmsg_level == SOL_SOCKET &&
				    c->cmsg_type == SO_RXQ_OVFL)
					memcpy(&dropped, CMSG_DATA(c),
					       sizeof(dropped));
		}
		if (last - start > maxsecs)
			break;
	}
	printf("{\"rx\": %llu, \"dropped\": %u, \"secs\": %.3f, \"pps\": %.0f}\n",
	       rx, dropped, last - first,
	       last > first ? (rx + dropped) / (last - first) : 0.0);
	close(fd);
	return 0;
}

static int tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	return fd;
}

static int full_io(int fd, char *buf, long len, int wr)
{
	long done = 0;

	while (done < len) {
		ssize_t n = wr ? write(fd, buf + done, len - done) :
				 read(fd, buf + done, len - done);

		if (n <= 0)
			return -1;
		done += n;
	}
	return 0;
}

static int cmd_rr_server(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static char buf[MAX_LEN];
	long port = 9001;
	int opt, fd, one = 1;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p')
			usage();
		port = num(optarg, 1, 65535);
	}
	fd = tcp_socket();
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) || listen(fd, 4))
		die("bind/listen");
	for (;;) {
		int c = accept(fd, NULL, NULL);
		ssize_t n;

		if (c < 0)
			continue;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while ((n = read(c, buf, sizeof(buf))) > 0)
			if (full_io(c, buf, n, 1))
				break;
		close(c);
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int cmd_rr_client(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	static char buf[MAX_LEN];
	long port = 9001, secs = 0, len = 1, n = 0, cap = 1 << 16, i;
	const char *addr = NULL;
	double *lat, t0, end, t, sum = 0;
	int opt, fd, one = 1;

	while ((opt = getopt(argc, argv, "d:t:p:l:")) != -1) {
		switch (opt) {
		case 'd': addr = optarg; break;
		case 't': secs = num(optarg, 1, 3600); break;
		case 'p': port = num(optarg, 1, 65535); break;
		case 'l': len = num(optarg, 1, MAX_LEN); break;
		default: usage();
		}
	}
	if (!addr || !secs)
		usage();
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		usage();
	sin.sin_port = htons(port);
	fd = tcp_socket();
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		die("connect");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	lat = malloc(cap * sizeof(*lat));
	if (!lat)
		die("malloc");
	memset(buf, 0x5a, len);

	/* One transaction untimed: the connection's first costs are not RR. */
	if (full_io(fd, buf, len, 1) || full_io(fd, buf, len, 0))
		die("rr");
	t0 = now();
	end = t0 + secs;
	do {
		t = now();
		if (full_io(fd, buf, len, 1) || full_io(fd, buf, len, 0))
			die("rr");
		if (n == cap) {
			cap *= 2;
			lat = realloc(lat, cap * sizeof(*lat));
			if (!lat)
				die("realloc");
		}
		lat[n] = (now() - t) * 1e6;
		sum += lat[n++];
	} while (now() < end);
	close(fd);

	qsort(lat, n, sizeof(*lat), cmp_double);
	i = n - 1;
	printf("{\"n\": %ld, \"p50_us\": %.1f, \"p90_us\": %.1f, \"p99_us\": %.1f, "
	       "\"mean_us\": %.1f, \"tps\": %.0f}\n",
	       n, lat[i * 50 / 100], lat[i * 90 / 100], lat[i * 99 / 100],
	       sum / n, n / (now() - t0));
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "hosts"))
		return cmd_hosts(argc - 1, argv + 1);
	if (!strcmp(argv[1], "udp-send"))
		return cmd_udp_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "udp-sink"))
		return cmd_udp_sink(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rr-server"))
		return cmd_rr_server(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rr-client"))
		return cmd_rr_client(argc - 1, argv + 1);
	usage();
	return 2;
}
