// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: a snapshot of the links, and lookups in it.  fanctl keeps no
 * state file: what it made is found by kind ("fan"), by the maps the
 * kernel reports and by the ifalias marker on the bridges.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

int state_load(struct fan_state *s)
{
	int n = link_dump(&s->links);

	if (n < 0) {
		s->links = NULL;
		s->n = 0;
		nl_perror(n, "cannot list links");
		return -1;
	}
	s->n = n;
	return 0;
}

void state_free(struct fan_state *s)
{
	free(s->links);
	s->links = NULL;
	s->n = 0;
}

struct link_info *state_by_name(struct fan_state *s, const char *name)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->links[i].name, name))
			return &s->links[i];
	return NULL;
}

struct link_info *state_by_index(struct fan_state *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

/*
 * fanctl's fan device bound to @ifindex whose maps are all in @mode: the
 * kernel gives a device the underlay MTU only while all its maps are
 * direct, so ipip and direct maps go on separate devices.  A fan device
 * someone else made (no marker) is theirs: fanctl neither adds maps to it
 * nor deletes it.
 */
struct link_info *state_fan_for_link(struct fan_state *s, int ifindex, unsigned int mode)
{
	int i, j;

	for (i = 0; i < s->n; i++) {
		const struct link_info *l = &s->links[i];

		if (!fan_is_mine(l) || (int)l->fan_link != ifindex)
			continue;
		for (j = 0; j < l->nmaps; j++)
			if (l->maps[j].mode != mode)
				break;
		if (j == l->nmaps)
			return &s->links[i];
	}
	return NULL;
}

struct link_info *state_fan_with_map(struct fan_state *s, const struct fan_map_nl *m)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->links[i].is_fan && fan_has_map(&s->links[i], m))
			return &s->links[i];
	return NULL;
}

bool is_fanctl_alias(const char *alias)
{
	size_t n = strlen(FANCTL_ALIAS);

	return !strncmp(alias, FANCTL_ALIAS, n) && (alias[n] == ' ' || alias[n] == 0);
}

bool fan_is_mine(const struct link_info *l)
{
	return l->is_fan && is_fanctl_alias(l->alias);
}

/* The bridge fanctl made for this overlay and local underlay address. */
struct link_info *state_bridge_for(struct fan_state *s, uint32_t overlay, uint8_t olen,
				   uint32_t local, uint8_t ulen, struct fan_spec *spec)
{
	int i;

	for (i = 0; i < s->n; i++) {
		struct fan_spec sp;

		if (strcmp(s->links[i].kind, "bridge") || alias_parse(s->links[i].alias, &sp))
			continue;
		if (sp.overlay == overlay && sp.overlay_len == olen &&
		    sp.ul_addr == local && sp.underlay_len == ulen) {
			if (spec)
				*spec = sp;
			return &s->links[i];
		}
	}
	return NULL;
}

void state_free_fan_name(struct fan_state *s, char *out)
{
	unsigned int i;

	for (i = 0;; i++) {
		snprintf(out, IFNAMSIZ, "%s%u", FANCTL_DEV_PREFIX, i);
		if (!state_by_name(s, out))
			return;
	}
}
