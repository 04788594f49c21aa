// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: the fan's nftables rules, with libnftables (nft's own library:
 * its parser, its netlink batch and ack handling, no process started).
 * Table "ip fanctl":
 *
 *	chain postrouting (type nat, hook postrouting, priority srcnat):
 *	ip saddr SLICE ip daddr != OVERLAY masquerade comment "fanctl O S"
 *
 *	chains raw-prerouting, raw-output (type filter, priority raw):
 *	ip protocol 4 ip saddr UNDERLAY ip daddr UNDERLAY notrack
 *	comment "fanctl O S"
 *
 * The notrack rules (option notrack) keep conntrack off the fan's outer
 * IPIP packets: on a host where conntrack is active (every Docker host)
 * each of them is otherwise looked up in, and kept in, the conntrack table
 * as a protocol-4 flow between the two hosts, for nothing (the inner
 * packet is tracked when it is forwarded).  Not the default: the two
 * chains cost every packet of the host more than they save where
 * conntrack is not active.  make bench measures both.
 *
 * Rules are found again by their chain and comment in the listing of the
 * table (with handles); a chain goes with its last rule, the table with
 * its last chain.  Every command text is made here from numbers and fixed
 * names: nothing the user typed reaches the nft parser.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "fanctl.h"

static struct nft_ctx *nft;

void nat_close(void)
{
	if (nft)
		nft_ctx_free(nft);
	nft = NULL;
}

void nat_comment(const struct fan_conf *c, char *buf, size_t len)
{
	char o[PFXSTR_LEN], s[PFXSTR_LEN];

	snprintf(buf, len, "%s %s %s", FANCTL_ALIAS,
		 prefix_str(c->map.overlay, c->map.overlay_len, o),
		 prefix_str(c->slice, c->slice_len, s));
}

/* nft's first error line, without its "Error: " (the kernel's reason). */
static void nft_perror(const char *what)
{
	const char *e = nft ? nft_ctx_get_error_buffer(nft) : NULL;
	size_t n;

	if (!e || !*e) {
		err_msg("nftables: %s", what);
		return;
	}
	if (!strncmp(e, "Error: ", 7))
		e += 7;
	n = strcspn(e, "\n");
	err_msg("nftables: %s: %.*s", what, (int)n, e);
}

/*
 * Run @cmd (one transaction: all of it or nothing); its output, if any,
 * in *out until the next call.  Returns 0, or -EIO with the error kept
 * for nft_perror().
 */
static int nft_run(const char *cmd, const char **out)
{
	if (!nft) {
		nft = nft_ctx_new(NFT_CTX_DEFAULT);
		if (!nft || nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
			nat_close();
			return -ENOMEM;
		}
		/* handles to delete by; numbers: no /etc/services, no DNS */
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_HANDLE | NFT_CTX_OUTPUT_NUMERIC_ALL);
	}
	verbose_msg("nft: %s", cmd);
	if (nft_run_cmd_from_buffer(nft, cmd))
		return -EIO;
	if (out)
		*out = nft_ctx_get_output_buffer(nft);
	return 0;
}

/* ---- the rules: where they go and what they say ---- */

struct rule_kind {
	const char *chain;
	const char *hook;	/* type and hook of the base chain */
	/* the rule, less its comment, into buf */
	void (*build)(const struct fan_conf *c, char *buf, size_t len);
};

/* ip saddr SLICE ip daddr != OVERLAY masquerade */
static void build_masq(const struct fan_conf *c, char *buf, size_t len)
{
	char s[PFXSTR_LEN], o[PFXSTR_LEN];

	snprintf(buf, len, "ip saddr %s ip daddr != %s masquerade",
		 prefix_str(c->slice, c->slice_len, s),
		 prefix_str(c->map.overlay, c->map.overlay_len, o));
}

/* ip protocol 4 (IPIP) ip saddr UNDERLAY ip daddr UNDERLAY notrack */
static void build_notrack(const struct fan_conf *c, char *buf, size_t len)
{
	char u[PFXSTR_LEN];

	prefix_str(c->map.underlay, c->map.underlay_len, u);
	/* 4, not "ipip": no /etc/protocols needed */
	snprintf(buf, len, "ip protocol 4 ip saddr %s ip daddr %s notrack", u, u);
}

static const struct rule_kind nat_kind[] = {
	{ FANCTL_NFT_CHAIN, "type nat hook postrouting priority srcnat", build_masq },
};

/* Outer packets in (to this host) and out (sent by this host). */
static const struct rule_kind notrack_kind[] = {
	{ "raw-prerouting", "type filter hook prerouting priority raw", build_notrack },
	{ "raw-output", "type filter hook output priority raw", build_notrack },
};

#define NKINDS(k) (sizeof(k) / sizeof((k)[0]))

/* ---- listing our rules ---- */

#define MAX_CHAINS	8	/* the table's chains: fanctl makes 3 */
#define MAX_RULES	256	/* fanctl's rules in them: 3 per fan */

struct rule_list {
	const char *want;	/* comment to match; NULL: any fanctl rule */
	const struct rule_kind *kinds;	/* chains to match; NULL: any */
	size_t nkinds;
	int total;		/* rules in the table */
	int nmatch;
	struct {
		int chain;	/* index in chains[] */
		unsigned long long handle;
	} match[MAX_RULES];
	struct {
		char name[64];
		int total, nmatch;
	} chains[MAX_CHAINS];
	int nchains;
	int others;		/* sets, maps, ... of the table: not ours */
};

static bool chain_wanted(const struct rule_list *rl, const char *chain)
{
	size_t i;

	if (!rl->kinds)
		return true;
	for (i = 0; i < rl->nkinds; i++)
		if (!strcmp(rl->kinds[i].chain, chain))
			return true;
	return false;
}

static bool comment_wanted(const struct rule_list *rl, const char *line)
{
	char c[160];

	if (!rl->want)
		return strstr(line, " comment \"" FANCTL_ALIAS " ") != NULL;
	snprintf(c, sizeof(c), " comment \"%s\" # handle ", rl->want);
	return strstr(line, c) != NULL;
}

/*
 * One line of "nft -a list table ip fanctl": a chain opens ("chain NAME {
 * # handle N"), a rule ("... # handle N") or a closing brace.  Returns 0,
 * or -E2BIG past the bounds above (nothing is deleted then).
 */
static int list_line(struct rule_list *rl, char *line, int *chain)
{
	const char *h;
	char *p = line + strspn(line, " \t");

	if (!strncmp(p, "chain ", 6)) {
		size_t n = strcspn(p + 6, " {");

		if (rl->nchains == MAX_CHAINS || n >= sizeof(rl->chains[0].name))
			return -E2BIG;
		*chain = rl->nchains++;
		memcpy(rl->chains[*chain].name, p + 6, n);
		rl->chains[*chain].name[n] = 0;
		return 0;
	}
	if (!strcmp(p, "}")) {
		*chain = -1;
		return 0;
	}
	h = strstr(p, " # handle ");
	if (!h || !strncmp(p, "table ", 6))
		return 0;
	if (*chain < 0) {
		rl->others++;	/* a set, map, flowtable, ... */
		return 0;
	}
	rl->total++;
	rl->chains[*chain].total++;
	if (!chain_wanted(rl, rl->chains[*chain].name) || !comment_wanted(rl, p))
		return 0;
	if (rl->nmatch == MAX_RULES)
		return -E2BIG;
	rl->match[rl->nmatch].chain = *chain;
	rl->match[rl->nmatch++].handle = strtoull(h + 10, NULL, 10);
	rl->chains[*chain].nmatch++;
	return 0;
}

/* Is there our table?  1, 0 or -errno. */
static int table_exists(void)
{
	static const char want[] = "table ip " FANCTL_NFT_TABLE;
	const char *out, *p;
	int ret = nft_run("list tables ip", &out);

	if (ret < 0) {
		nft_perror("cannot list tables");
		return ret;
	}
	for (p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, want, sizeof(want) - 1) &&
		    (p[sizeof(want) - 1] == '\n' || p[sizeof(want) - 1] == ' ' ||
		     !p[sizeof(want) - 1]))
			return 1;
	return 0;
}

/* List the rules of our table; returns 0 (none if there is no table) or -errno. */
static int nft_list_rules(struct rule_list *rl)
{
	const char *out;
	char *buf, *line, *save = NULL;
	int ret, chain = -1;

	ret = table_exists();
	if (ret <= 0)
		return ret;
	ret = nft_run("list table ip " FANCTL_NFT_TABLE, &out);
	if (ret < 0) {
		nft_perror("cannot list table ip " FANCTL_NFT_TABLE);
		return ret;
	}
	buf = strdup(out);
	if (!buf)
		return -ENOMEM;
	for (line = strtok_r(buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save))
		ret = list_line(rl, line, &chain);
	free(buf);
	if (ret < 0)
		err_msg("nftables: table ip %s has more than %d chains or %d fanctl rules: nothing deleted",
			FANCTL_NFT_TABLE, MAX_CHAINS, MAX_RULES);
	return ret;
}

/* 1 if the fan's rule is in every chain of @kinds, 0 if not, or -errno. */
static int rules_exist(const struct fan_conf *c, const struct rule_kind *kinds,
		       size_t nkinds)
{
	char comment[128];
	struct rule_list *rl = calloc(1, sizeof(*rl));
	size_t i;
	int j, ret;

	if (!rl)
		return -ENOMEM;
	nat_comment(c, comment, sizeof(comment));
	rl->want = comment;
	rl->kinds = kinds;
	rl->nkinds = nkinds;
	ret = nft_list_rules(rl);
	for (i = 0; i < nkinds && ret == 0; i++) {
		for (j = 0; j < rl->nmatch; j++)
			if (!strcmp(rl->chains[rl->match[j].chain].name, kinds[i].chain))
				break;
		if (j == rl->nmatch)
			ret = -ENOENT;
	}
	free(rl);
	return ret == -ENOENT ? 0 : ret < 0 ? ret : 1;
}

int nat_rule_exists(const struct fan_conf *c)
{
	return rules_exist(c, nat_kind, NKINDS(nat_kind));
}

int notrack_rules_exist(const struct fan_conf *c)
{
	return rules_exist(c, notrack_kind, NKINDS(notrack_kind));
}

/* ---- adding and deleting ---- */

/* Append to a command text; -E2BIG if it does not fit. */
static int cmd_add(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cmd_add(char *buf, size_t len, const char *fmt, ...)
{
	size_t n = strlen(buf);
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return r < 0 || (size_t)r >= len - n ? -E2BIG : 0;
}

/* The table, each kind's chain and the fan's rule in it, in one transaction. */
static int rules_add(const struct fan_conf *c, const struct rule_kind *kinds,
		     size_t nkinds, const char *what)
{
	char cmd[2048] = "", comment[128], rule[256];
	size_t i;
	int ret;

	nat_comment(c, comment, sizeof(comment));
	ret = cmd_add(cmd, sizeof(cmd), "add table ip %s\n", FANCTL_NFT_TABLE);
	for (i = 0; i < nkinds && !ret; i++) {
		kinds[i].build(c, rule, sizeof(rule));
		ret = cmd_add(cmd, sizeof(cmd),
			      "add chain ip %s %s { %s; }\nadd rule ip %s %s %s comment \"%s\"\n",
			      FANCTL_NFT_TABLE, kinds[i].chain, kinds[i].hook,
			      FANCTL_NFT_TABLE, kinds[i].chain, rule, comment);
	}
	if (!ret)
		ret = nft_run(cmd, NULL);
	if (ret < 0)
		nft_perror(what);
	return ret;
}

int nat_add(const struct fan_conf *c)
{
	return rules_add(c, nat_kind, NKINDS(nat_kind), "cannot add the masquerade rule");
}

int notrack_add(const struct fan_conf *c)
{
	return rules_add(c, notrack_kind, NKINDS(notrack_kind),
			 "cannot add the notrack rules");
}

/*
 * Delete the rules of @rl and the chains they leave empty (an empty base
 * chain still costs every packet), or the whole table if nothing else
 * would be left in it; one transaction.
 */
static int rules_delete(const struct rule_list *rl, const char *what)
{
	size_t len = 256 + (size_t)(rl->nmatch + rl->nchains) * 128;
	char *cmd = calloc(1, len);
	int i, ret = 0;

	if (!cmd)
		return -ENOMEM;
	if (rl->total == rl->nmatch && !rl->others) {
		ret = cmd_add(cmd, len, "delete table ip %s\n", FANCTL_NFT_TABLE);
	} else {
		for (i = 0; i < rl->nmatch && !ret; i++)
			ret = cmd_add(cmd, len, "delete rule ip %s %s handle %llu\n",
				      FANCTL_NFT_TABLE, rl->chains[rl->match[i].chain].name,
				      rl->match[i].handle);
		for (i = 0; i < rl->nchains && !ret; i++)
			if (rl->chains[i].nmatch && rl->chains[i].nmatch == rl->chains[i].total)
				ret = cmd_add(cmd, len, "delete chain ip %s %s\n",
					      FANCTL_NFT_TABLE, rl->chains[i].name);
	}
	if (!ret)
		ret = nft_run(cmd, NULL);
	if (ret < 0)
		nft_perror(what);
	free(cmd);
	return ret;
}

/* Delete the fan's rules in the chains of @kinds (NULL: every chain). */
static int rules_del(const struct fan_conf *c, const struct rule_kind *kinds,
		     size_t nkinds, const char *what)
{
	char comment[128];
	struct rule_list *rl = calloc(1, sizeof(*rl));
	int ret;

	if (!rl)
		return -ENOMEM;
	nat_comment(c, comment, sizeof(comment));
	rl->want = comment;
	rl->kinds = kinds;
	rl->nkinds = nkinds;
	ret = nft_list_rules(rl);
	if (!ret && rl->nmatch)
		ret = rules_delete(rl, what);
	free(rl);
	return ret;
}

int nat_del(const struct fan_conf *c)
{
	return rules_del(c, nat_kind, NKINDS(nat_kind), "cannot delete the masquerade rule");
}

int notrack_del(const struct fan_conf *c)
{
	return rules_del(c, notrack_kind, NKINDS(notrack_kind),
			 "cannot delete the notrack rules");
}

int nft_fan_del(const struct fan_conf *c)
{
	return rules_del(c, NULL, 0, "cannot delete the fan's rules");
}

int nat_flush_all(void)
{
	int ret = table_exists();

	if (ret <= 0)
		return ret;
	ret = nft_run("delete table ip " FANCTL_NFT_TABLE, NULL);
	if (ret < 0)
		nft_perror("cannot delete table ip " FANCTL_NFT_TABLE);
	return ret;
}
