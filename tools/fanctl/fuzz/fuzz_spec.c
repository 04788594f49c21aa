// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz fanctl's command line and config line parsers: parse_spec() over
 * the input split into words (as argv), parse_config_line() over it as one
 * line, and alias_parse() over it as an ifalias marker.  A spec that
 * parses must pass the map check, print as words that parse back to the
 * same spec, and, when its underlay is an address, resolve (conf_derive)
 * to a slice and a bridge whose marker (spec_format) parses back to it.
 */
#include "fuzz.h"

static void check_derive(const struct fan_spec *s)
{
	struct fan_conf c;
	struct fan_spec back;
	char alias[FANCTL_MAX_LINE], name[IFNAMSIZ];

	memset(&c, 0, sizeof(c));
	c.spec = *s;
	c.local = s->ul_addr;
	if (conf_derive(&c))
		return;
	FUZZ_CHECK(fan_map_check(&c.map) == FAN_MAP_OK, "derived a bad map");
	FUZZ_CHECK(fan_host_part_valid(&c.map, fan_host_part(&c.map, c.local)), "bad host");
	FUZZ_CHECK(fan_underlay_of(&c.map, c.slice) == c.local, "slice %08x is not %08x's",
		   c.slice, c.local);
	FUZZ_CHECK(c.slice_len == fan_slice_len(&c.map) && c.bridge_addr == c.slice + 1,
		   "slice");
	FUZZ_CHECK(c.spec.opts.host_reserve + 2 < (1u << fan_container_bits(&c.map)),
		   "host-reserve %u leaves no address", c.spec.opts.host_reserve);
	FUZZ_CHECK(!parse_ifname(c.bridge, name), "bridge name '%s'", c.bridge);
	FUZZ_CHECK(!spec_format(&c, alias, sizeof(alias)), "marker too long");
	FUZZ_CHECK(!alias_parse(alias, &back), "marker '%s' does not parse", alias);
	FUZZ_CHECK(back.overlay == s->overlay && back.overlay_len == s->overlay_len &&
		   back.ul_kind == UL_ADDR && back.ul_addr == c.local &&
		   back.underlay_len == s->underlay_len &&
		   back.opts.host_reserve == s->opts.host_reserve &&
		   back.opts.nat == s->opts.nat && back.opts.dhcp == s->opts.dhcp &&
		   back.opts.mtu == s->opts.mtu && back.opts.mode == s->opts.mode,
		   "marker '%s' parses to another fan", alias);
}

static void check_spec(char **words, int n, bool config)
{
	struct fan_spec s, back;
	char buf[FANCTL_MAX_LINE], *w2[32];
	int n2;

	if (parse_spec(n, words, &s, config ? SPEC_CONFIG : SPEC_UP))
		return;
	FUZZ_CHECK(!spec_check_map(&s), "accepted spec fails the map check");
	FUZZ_CHECK(config || !s.opts.off, "'off' outside the config");
	n2 = fuzz_spec_words(&s, config, buf, sizeof(buf), w2);
	FUZZ_CHECK(n2 > 0 && !parse_spec(n2, w2, &back, config ? SPEC_CONFIG : SPEC_UP),
		   "canonical form does not parse");
	FUZZ_CHECK(fuzz_spec_equal(&s, &back), "canonical form parses to another spec");
	if (s.ul_kind == UL_ADDR)
		check_derive(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line, *copy, *words[32];
	struct fan_spec s;
	int n, r;

	if (size > FANCTL_MAX_LINE + 8)
		return 0;
	fuzz_quiet();
	line = fuzz_str(data, size);
	copy = strdup(line);
	if (!copy)
		abort();

	n = split_words(copy, words, 32);
	if (n >= 0) {
		check_spec(words, n, false);
		check_spec(words, n, true);
	}

	/* The same words as a config line: comments and blank lines aside,
	 * it must mean what parse_spec says.
	 */
	r = parse_config_line(line, "fuzz", 1, &s);
	FUZZ_CHECK(r >= -1 && r <= 1, "parse_config_line returned %d", r);
	if (r == 1 && !strchr(line, '#') && n > 0) {
		struct fan_spec s2;

		FUZZ_CHECK(!parse_spec(n, words, &s2, SPEC_CONFIG) && fuzz_spec_equal(&s, &s2),
			   "config line and words differ");
	}
	if (r == 0)
		FUZZ_CHECK(n == 0 || strchr(line, '#'), "words ignored");

	if (!alias_parse(line, &s))
		FUZZ_CHECK(s.ul_kind == UL_ADDR && !spec_check_map(&s), "bad marker accepted");
	free(copy);
	free(line);
	return 0;
}
