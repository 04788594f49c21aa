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

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
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
	if (!n && !nfan)
		printf("(no fans)\n");
}

static void show_json(struct fan_state *st, struct row *rows, int n)
{
	char o[PFXSTR_LEN], u[PFXSTR_LEN], a[IPSTR_LEN];
	const char *sep;
	int i, j, k, nfan = 0;

	printf("{\n  \"fans\": [");
	for (i = 0; i < n; i++) {
		struct row *r = &rows[i];
		const struct fan_conf *c = &r->conf;

		printf("%s\n    {\"bridge\": ", i ? "," : "");
		json_str(r->br->name);
		printf(", \"overlay\": \"%s\"", prefix_str(c->map.overlay, c->map.overlay_len, o));
		printf(", \"underlay\": \"%s\"", prefix_str(c->local, c->map.underlay_len, u));
		printf(", \"underlay_net\": \"%s\"",
		       prefix_str(c->map.underlay, c->map.underlay_len, o));
		printf(", \"slice\": \"%s\"", prefix_str(c->slice, c->slice_len, u));
		printf(", \"address\": \"%s\"", ip_str(c->bridge_addr, a));
		printf(", \"mtu\": %u, \"device\": ", r->br->mtu);
		if (r->fan)
			json_str(r->fan->name);
		else
			printf("null");
		printf(", \"host_reserve\": %u, \"nat\": %s, \"notrack\": %s",
		       r->spec.opts.host_reserve, r->spec.opts.nat ? "true" : "false",
		       r->spec.opts.notrack ? "true" : "false");
		printf(", \"dhcp\": %s, \"dhcp_running\": %s",
		       r->spec.opts.dhcp ? "true" : "false",
		       dhcp_running(r->br->name) ? "true" : "false");
		printf(",\n     \"mode\": ");
		if (r->mode)
			json_str(r->mode);
		else
			printf("null");
		printf(", \"mode_requested\": \"%s\", \"marker_changed\": %s}",
		       mode_name(r->spec.opts.mode), r->marker_changed ? "true" : "false");
	}
	printf("%s],\n  \"devices\": [", n ? "\n  " : "");
	for (i = 0; i < st->n; i++) {
		struct link_info *l = &st->links[i];

		if (!l->is_fan)
			continue;
		printf("%s\n    {\"name\": ", nfan++ ? "," : "");
		json_str(l->name);
		printf(", \"ifindex\": %d, \"link\": ", l->ifindex);
		if (l->fan_link)
			json_str(ifname_of(st, (int)l->fan_link));
		else
			printf("null");
		printf(", \"up\": %s, \"mtu\": %u,\n     \"maps\": [",
		       l->flags & IFF_UP ? "true" : "false", l->mtu);
		for (j = 0; j < l->nmaps; j++)
			printf("%s{\"overlay\": \"%s\", \"underlay\": \"%s\", \"mode\": \"%s\"}",
			       j ? ", " : "",
			       prefix_str(l->maps[j].overlay, l->maps[j].overlay_len, o),
			       prefix_str(l->maps[j].underlay, l->maps[j].underlay_len, u),
			       map_mode_name(l->maps[j].mode));
		printf("],\n     \"stats\": {\"rx_packets\": %" PRIu64 ", \"tx_packets\": %" PRIu64
		       ", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64
		       ", \"rx_dropped\": %" PRIu64 ", \"tx_dropped\": %" PRIu64
		       ", \"rx_errors\": %" PRIu64 ", \"tx_errors\": %" PRIu64 "},\n",
		       l->rx_packets, l->tx_packets, l->rx_bytes, l->tx_bytes, l->rx_dropped,
		       l->tx_dropped, l->rx_errors, l->tx_errors);
		printf("     \"drops\": {");
		for (k = FAN_XSTATS_PAD + 1, sep = ""; l->have_xstats && k <= FAN_XSTATS_MAX; k++) {
			/* a counter of a newer uAPI than this table: not shown */
			if (!xstats_names[k])
				continue;
			printf("%s\"%s\": %" PRIu64, sep, xstats_names[k], l->xstats[k]);
			sep = ", ";
		}
		printf("}}");
	}
	printf("%s]\n}\n", nfan ? "\n  " : "");
}

int cmd_show(int argc, char **argv)
{
	struct fan_state st;
	struct row *rows;
	bool json = false;
	int i, n;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j") ||
		    !strcmp(argv[i], "json")) {
			json = true;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help_for("show", stdout);
			return EXIT_OK;
		} else {
			err_msg("show: unexpected argument '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (state_load(&st))
		return EXIT_SYSTEM;
	n = collect(&st, &rows);
	if (n < 0) {
		state_free(&st);
		return EXIT_SYSTEM;
	}
	if (json)
		show_json(&st, rows, n);
	else
		show_table(&st, rows, n);
	free(rows);
	state_free(&st);
	return EXIT_OK;
}
