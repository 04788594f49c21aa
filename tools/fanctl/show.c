// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl show [--json]: the fans fanctl made (from the bridge markers) and
 * every fan device with its maps, packet counters and drop reasons.
 * The JSON schema is documented in fanctl(8) and kept stable.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "fanctl.h"

/* The length of the valid UTF-8 sequence at @s, or 0. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogates, past U+10FFFF */
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);

		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (n)
			fwrite(p, 1, n, f);
		else
			fputs("\\ufffd", f);	/* not UTF-8: JSON must be */
		p += n ? n : 1;
	}
	fputc('"', f);
}

struct row {
	struct link_info *br;
	struct fan_spec spec;
	struct fan_conf conf;
	struct link_info *fan;
	const char *mode;	/* the kernel's map's, else as asked; NULL: unknown */
	bool marker_changed;	/* the bridge's ifalias is not fanctl's marker */
};

static int collect(struct fan_state *st, struct row **out)
{
	struct row *rows = calloc((size_t)st->n + 1, sizeof(*rows));
	struct fan_record *recs;
	int i, n = 0, nrec;

	if (!rows)
		return -1;
	nrec = record_load(&recs);
	if (nrec < 0)
		nrec = 0;
	for (i = 0; i < st->n; i++) {
		struct row *r = &rows[n];
		const struct fan_record *rec;
		struct fan_map_nl m;

		if (strcmp(st->links[i].kind, "bridge"))
			continue;
		if (alias_parse(st->links[i].alias, &r->spec)) {
			/* a marker changed by a user or networkd: the record has it */
			rec = record_find(recs, nrec, st->links[i].name);
			if (!rec || record_bridge(st, rec) != &st->links[i] ||
			    alias_parse(rec->marker, &r->spec))
				continue;
			record_warn_marker(&st->links[i], rec);
			r->marker_changed = true;
		}
		r->br = &st->links[i];
		r->conf.spec = r->spec;
		r->conf.local = r->spec.ul_addr;
		snprintf(r->conf.spec.opts.bridge, IFNAMSIZ, "%s", r->br->name);
		msg_quiet = true;
		if (conf_derive(&r->conf)) {
			msg_quiet = false;
			continue;
		}
		msg_quiet = false;
		map_from_conf(&r->conf, &m);
		r->fan = state_fan_with_map(st, &m);
		if (r->fan)
			r->mode = map_mode_name(fan_find_map(r->fan, &m)->mode);
		else if (r->spec.opts.mode != FANCTL_MODE_AUTO)
			r->mode = mode_name(r->spec.opts.mode);
		else
			r->mode = NULL;
		n++;
	}
	free(recs);
	*out = rows;
	return n;
}

static void flags_str(const struct row *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s,host-reserve=%u%s%s", r->spec.opts.nat ? "nat" : "no-nat",
		 r->spec.opts.dhcp ? ",dhcp" : "", r->spec.opts.host_reserve,
		 r->spec.opts.notrack ? ",notrack" : "",
		 r->marker_changed ? ",marker-changed" : "");
}

/* The mode column: "direct", or "auto:direct" for what auto picked. */
static void mode_str(const struct row *r, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", r->spec.opts.mode == FANCTL_MODE_AUTO ? "auto:" : "",
		 r->mode ? r->mode : "?");
}

static const char *ifname_of(struct fan_state *st, int ifindex)
{
	struct link_info *l = state_by_index(st, ifindex);

	return l ? l->name : ifindex ? "?" : "any";
}

static void show_table(struct fan_state *st, struct row *rows, int n)
{
	char o[PFXSTR_LEN], u[PFXSTR_LEN], s[PFXSTR_LEN], f[64], md[32];
	int i, j, k, nfan = 0;

	printf("%-15s %-18s %-18s %-18s %-6s %-15s %-11s %s\n", "BRIDGE", "OVERLAY",
	       "UNDERLAY", "SLICE", "MTU", "DEVICE", "MODE", "FLAGS");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];

		flags_str(r, f, sizeof(f));
		if (r->spec.opts.dhcp && !dhcp_running(r->br->name))
			strncat(f, ",dhcp-down", sizeof(f) - strlen(f) - 1);
		mode_str(r, md, sizeof(md));
		printf("%-15s %-18s %-18s %-18s %-6u %-15s %-11s %s\n", r->br->name,
		       prefix_str(r->conf.map.overlay, r->conf.map.overlay_len, o),
		       prefix_str(r->conf.local, r->conf.map.underlay_len, u),
		       prefix_str(r->conf.slice, r->conf.slice_len, s), r->br->mtu,
		       r->fan ? r->fan->name : "-", md, f);
	}
	for (i = 0; i < st->n; i++) {
		struct link_info *l = &st->links[i];

		if (!l->is_fan)
			continue;
		if (!nfan++)
			printf("\n%-15s %-10s %-5s %-6s %-12s %-12s %-12s %-12s\n", "DEVICE",
			       "LINK", "STATE", "MTU", "RX-PACKETS", "TX-PACKETS", "RX-DROPPED",
			       "TX-DROPPED");
		printf("%-15s %-10s %-5s %-6u %-12" PRIu64 " %-12" PRIu64 " %-12" PRIu64
		       " %-12" PRIu64 "\n", l->name, ifname_of(st, (int)l->fan_link),
		       l->flags & IFF_UP ? "up" : "down", l->mtu, l->rx_packets, l->tx_packets,
		       l->rx_dropped, l->tx_dropped);
		for (j = 0; j < l->nmaps; j++)
			printf("  map %s over %s mode %s\n",
			       prefix_str(l->maps[j].overlay, l->maps[j].overlay_len, o),
			       prefix_str(l->maps[j].underlay, l->maps[j].underlay_len, u),
			       map_mode_name(l->maps[j].mode));
		if (l->have_xstats) {
			printf("  drops:");
			for (k = FAN_XSTATS_PAD + 1; k <= FAN_XSTATS_MAX; k++)
				if (xstats_names[k])
					printf(" %s %" PRIu64, xstats_names[k], l->xstats[k]);
			printf("\n");
		}
	}
}

static void show_json(FILE *f, struct fan_state *st, struct row *rows, int n)
{
	char o[PFXSTR_LEN], u[PFXSTR_LEN], a[IPSTR_LEN];
	const char *sep;
	int i, j, k, nfan = 0;

	fprintf(f, "{\n  \"fans\": [");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		const struct fan_conf *c = &r->conf;

		fprintf(f, "%s\n    {\"bridge\": ", i ? "," : "");
		json_str(f, r->br->name);
		fprintf(f, ", \"overlay\": \"%s\"", prefix_str(c->map.overlay, c->map.overlay_len, o));
		/* "underlay" is the map's network, as in a device's maps */
		fprintf(f, ", \"underlay\": \"%s\"",
			prefix_str(c->map.underlay, c->map.underlay_len, u));
		/* this host's address on it: ip -j's "local" of a tunnel */
		fprintf(f, ", \"local\": \"%s\"", ip_str(c->local, a));
		fprintf(f, ", \"slice\": \"%s\"", prefix_str(c->slice, c->slice_len, u));
		fprintf(f, ", \"address\": \"%s\"", ip_str(c->bridge_addr, a));
		fprintf(f, ", \"mtu\": %u, \"device\": ", r->br->mtu);
		if (r->fan)
			json_str(f, r->fan->name);
		else
			fprintf(f, "null");
		fprintf(f, ", \"host_reserve\": %u, \"nat\": %s, \"notrack\": %s",
		       r->spec.opts.host_reserve, r->spec.opts.nat ? "true" : "false",
		       r->spec.opts.notrack ? "true" : "false");
		fprintf(f, ", \"dhcp\": %s, \"dhcp_running\": %s",
		       r->spec.opts.dhcp ? "true" : "false",
		       dhcp_running(r->br->name) ? "true" : "false");
		fprintf(f, ",\n     \"mode\": ");
		if (r->mode)
			json_str(f, r->mode);
		else
			fprintf(f, "null");
		fprintf(f, ", \"mode_requested\": \"%s\", \"marker_changed\": %s}",
			mode_name(r->spec.opts.mode), r->marker_changed ? "true" : "false");
	}
	fprintf(f, "%s],\n  \"devices\": [", n ? "\n  " : "");
	for (i = 0; i < st->n; i++) {
		struct link_info *l = &st->links[i];

		if (!l->is_fan)
			continue;
		/* the keys of ip -j link: "ifname", "ifindex", "link" */
		fprintf(f, "%s\n    {\"ifname\": ", nfan++ ? "," : "");
		json_str(f, l->name);
		fprintf(f, ", \"ifindex\": %d, \"link\": ", l->ifindex);
		if (l->fan_link)
			json_str(f, ifname_of(st, (int)l->fan_link));
		else
			fprintf(f, "null");
		fprintf(f, ", \"up\": %s, \"mtu\": %u,\n     \"maps\": [",
		       l->flags & IFF_UP ? "true" : "false", l->mtu);
		for (j = 0; j < l->nmaps; j++)
			fprintf(f, "%s{\"overlay\": \"%s\", \"underlay\": \"%s\", \"mode\": \"%s\"}",
			       j ? ", " : "",
			       prefix_str(l->maps[j].overlay, l->maps[j].overlay_len, o),
			       prefix_str(l->maps[j].underlay, l->maps[j].underlay_len, u),
			       map_mode_name(l->maps[j].mode));
		fprintf(f, "],\n     \"stats\": {\"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64
		       ", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
		       ", \"rx_dropped\": %" PRIu64 ", \"tx_dropped\": %" PRIu64
		       ", \"rx_errors\": %" PRIu64 ", \"tx_errors\": %" PRIu64 "},\n",
		       l->rx_packets, l->tx_packets, l->rx_bytes, l->tx_bytes, l->rx_dropped,
		       l->tx_dropped, l->rx_errors, l->tx_errors);
		fprintf(f, "     \"drops\": {");
		for (k = FAN_XSTATS_PAD + 1, sep = ""; l->have_xstats && k <= FAN_XSTATS_MAX; k++) {
			/* a counter of a newer uAPI than this table: not shown */
			if (!xstats_names[k])
				continue;
			fprintf(f, "%s\"%s\": %" PRIu64, sep, xstats_names[k], l->xstats[k]);
			sep = ", ";
		}
		fprintf(f, "}}");
	}
	fprintf(f, "%s]\n}\n", nfan ? "\n  " : "");
}

int cmd_show(int argc, char **argv)
{
	struct fan_state st;
	struct row *rows;
	bool json = false, help;
	int i, n;

	i = cmd_getopt(argc, argv, &help, &json);
	if (i < 0)
		return EXIT_USAGE;
	if (help) {
		help_for("show", stdout);
		return EXIT_OK;
	}
	for (; i < argc; i++) {
		/* as ip's "json" */
		if (strcmp(argv[i], "json")) {
			err_msg("show: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
		json = true;
	}
	if (state_load(&st))
		return EXIT_SYSTEM;
	n = collect(&st, &rows);
	if (n < 0) {
		state_free(&st);
		return EXIT_SYSTEM;
	}
	if (json || json_output) {
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);

		if (!f) {
			err_msg("out of memory");
			free(rows);
			state_free(&st);
			return EXIT_SYSTEM;
		}
		show_json(f, &st, rows, n);
		fclose(f);
		json_print(buf, json_pretty, stdout);
		free(buf);
	} else {
		show_table(&st, rows, n);
	}
	free(rows);
	state_free(&st);
	return EXIT_OK;
}
