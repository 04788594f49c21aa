/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fanctl: configure fan networking (overlay over underlay, IPIP).
 * Shared declarations of the tool's modules.
 */
#ifndef FANCTL_H
#define FANCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>

#include <fan/fan_map.h>
#include <linux/if_fan.h>

/* Exit codes. */
#define EXIT_OK		0
#define EXIT_USAGE	1	/* usage, parse or validation error */
#define EXIT_SYSTEM	2	/* the kernel or the system refused */
#define EXIT_BUSY	3	/* down: a fan bridge has ports (containers); kept */

/* Route protocol of the overlay routes fanctl installs ("fan"). */
#define FANCTL_RTPROT		250
/* Prefix of the ifalias fanctl puts on what it creates. */
#define FANCTL_ALIAS		"fanctl"
#define FANCTL_RUNDIR		"/run/fanctl"
#define FANCTL_CONFIG		"/etc/network/fan"
#define FANCTL_DNSMASQ		"/usr/sbin/dnsmasq"
#define FANCTL_NFT_TABLE	"fanctl"
#define FANCTL_NFT_CHAIN	"postrouting"
#define FANCTL_DEV_PREFIX	"ftun"
#define FANCTL_MAX_LINE		1024
/* Seconds "up" and "down" wait for another fanctl's lock (run.c). */
#define FANCTL_LOCK_WAIT	60

/* How the underlay was named on the command line. */
enum underlay_kind {
	UL_ADDR,	/* 10.7.3.4/16 or 10.7.0.0/16 */
	UL_DEV,		/* ib0/16 */
	UL_DEFAULT,	/* default/16: device of the IPv4 default route */
};

/*
 * How a map reaches the owning host, as asked for: the kernel's modes
 * (enum fan_map_mode) and "auto", which picks direct on a flat underlay.
 */
enum fanctl_mode {
	FANCTL_MODE_IPIP = FAN_MAP_MODE_IPIP,
	FANCTL_MODE_DIRECT = FAN_MAP_MODE_DIRECT,
	FANCTL_MODE_AUTO,
};

struct fan_opts {
	bool dhcp;
	bool nat;
	bool notrack;	/* conntrack skips the outer IPIP packets */
	bool auto_;	/* config file: brought up by "up -a" (default) */
	bool off;	/* config file: skip this line */
	unsigned int host_reserve;
	unsigned int mtu;	/* 0: underlay MTU (- 20 for ipip) */
	char bridge[IFNAMSIZ];	/* empty: derived from the slice */
	enum fanctl_mode mode;	/* default ipip */
	bool mode_set;		/* given once already */
};

/* One fan as written by the user: OVERLAY UNDERLAY [options]. */
struct fan_spec {
	uint32_t overlay;	/* host order */
	uint8_t overlay_len;
	enum underlay_kind ul_kind;
	uint32_t ul_addr;	/* UL_ADDR: as written, host order */
	char ul_dev[IFNAMSIZ];	/* UL_DEV */
	uint8_t underlay_len;
	struct fan_opts opts;
};

/* A fan resolved against this host. */
struct fan_conf {
	struct fan_spec spec;
	struct fan_map_math map;	/* underlay = network address */
	uint32_t local;		/* this host's underlay address */
	int ul_ifindex;
	char ul_ifname[IFNAMSIZ];
	unsigned int ul_mtu;
	uint32_t slice;		/* network address of our slice */
	uint8_t slice_len;
	uint32_t bridge_addr;	/* slice + 1 */
	unsigned int mtu;	/* bridge MTU */
	char bridge[IFNAMSIZ];
	enum fan_map_mode mode;	/* the map's mode (auto resolved) */
	bool flat;		/* every underlay host on-link on ul_ifname */
};

/* ---- util.c ---- */
extern const char *progname;
void err_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void verbose_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern bool verbose;
/* Suppress err_msg (used while parsing our own markers). */
extern bool msg_quiet;
/* Prefix of error messages, e.g. "/etc/network/fan:3: " (NULL: none). */
extern const char *err_ctx;
/* Where messages go (NULL: stderr); the unit tests capture them. */
extern FILE *msg_file;
/* "a.b.c.d" into buf (>= 16 bytes); host-order input. */
const char *ip_str(uint32_t addr, char *buf);
/* "a.b.c.d/len" into buf (>= 19 bytes). */
const char *prefix_str(uint32_t addr, unsigned int len, char *buf);
#define IPSTR_LEN	INET_ADDRSTRLEN
#define PFXSTR_LEN	20
/* -j, -p before the command: JSON output, pretty (else on one line) */
extern bool json_output, json_pretty;
/* -w: seconds to wait for another fanctl's lock (0: do not wait) */
extern unsigned int lock_wait;
/* @s as a JSON string: escaped, and valid UTF-8 (U+FFFD for what is not). */
void json_str(FILE *f, const char *s);
/* Print the JSON text @s on one line, or with @pretty indented by 2. */
void json_print(const char *s, bool pretty, FILE *f);
/* The worse of two exit codes: 2 over 1 over 3 (a fan kept) over 0. */
int exit_worse(int a, int b);

/* ---- parse.c ---- */
/* All return 0 on success or -1 after printing an error naming @s. */
int parse_ipv4(const char *s, uint32_t *addr);
int parse_prefix(const char *s, uint32_t *addr, uint8_t *len, bool allow_host_bits);
int parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *out);
int parse_ifname(const char *s, char *out);
int parse_overlay(const char *s, struct fan_spec *spec);
int parse_underlay(const char *s, struct fan_spec *spec);
void fan_opts_init(struct fan_opts *o);
/* What a fan's words are parsed for: which options it takes. */
enum spec_use {
	SPEC_UP,	/* fanctl up (and the ifalias marker) */
	SPEC_CONFIG,	/* a config line: up's options, auto and off */
	SPEC_DOWN,	/* fanctl down: no option of the fan */
	SPEC_EXPORT,	/* docker, cni: host-reserve, bridge, mtu, mode */
	SPEC_INCUS,	/* incus: bridge, mtu, mode (the DHCP hands out) */
};
/* A command line of up, down, docker, cni or incus, as given. */
struct fan_args {
	struct fan_spec spec;	/* its options; the prefixes: spec_finish() */
	const char *overlay, *underlay;
	bool all, everything, force, help;
	const char *config, *iface;
	const char *cmd_opt;	/* the long name of the first of those, or NULL */
};
/*
 * Parse @argv (no program name): dashed options with getopt_long, then
 * OVERLAY, UNDERLAY and the fan's options as bare words.  An option that
 * @use does not take is an error.  Returns 0 or -1 (error printed).
 */
int parse_args(int argc, char **argv, enum spec_use use, struct fan_args *a);
/*
 * The dashed options of show, map and config (argv[0]: the command):
 * -h/--help, and -j/--json if @json is not NULL.  Returns the index of the
 * first other word (getopt_long moves them behind the options), or -1
 * after an error (printed).
 */
int cmd_getopt(int argc, char **argv, bool *help, bool *json);
/*
 * The @i-th option parse_args knows: its long name (NULL past the last),
 * its short form (0: none), whether it is a fan option (a bare word too),
 * and its users (bit 1 << enum spec_use).  For the unit tests.
 */
const char *option_info(size_t i, char *short_opt, bool *fan_word, unsigned int *uses);
/* Parse the overlay and underlay of @a into a->spec; 0 or -1. */
int spec_finish(struct fan_args *a);
/* parse_args() and spec_finish() of a fan's words, no command options. */
int parse_spec(int argc, char **argv, struct fan_spec *spec, enum spec_use use);
/*
 * Parse one config line.  Returns 1 for a spec, 0 for a blank or comment
 * line, -1 on error (printed with @file:@lineno).
 */
int parse_config_line(const char *line, const char *file, unsigned int lineno,
		      struct fan_spec *spec);
/* Split a line into words in place; returns count or -1 if > max. */
int split_words(char *line, char **words, int max);
/* Check the map of a spec (overlay vs underlay lengths); prints error. */
int spec_check_map(const struct fan_spec *spec);
/* Default bridge name for a slice: fan-250-3-4. */
void bridge_name(uint32_t slice, unsigned int slice_len, char *out);
/* Fill slice, bridge, bridge_addr of @c from map + local. */
int conf_derive(struct fan_conf *c);
/* Format the spec as the word list used in the ifalias marker. */
int spec_format(const struct fan_conf *c, char *buf, size_t len);
/* Parse an ifalias marker back ("fanctl O U [flags]"). */
int alias_parse(const char *alias, struct fan_spec *spec);
const char *underlay_str(const struct fan_spec *s, char *buf, size_t len);

/* ---- nl.c ---- */
struct nlmsghdr;
typedef int (*nl_cb_t)(const struct nlmsghdr *nlh, void *data);
int nl_open(void);
void nl_close(void);
/* Send @nlh (NLM_F_REQUEST|NLM_F_ACK added) and wait for the ack. */
int nl_talk(struct nlmsghdr *nlh, nl_cb_t cb, void *data);
/* Last extended-ack message from the kernel ("" if none). */
const char *nl_extack(void);
struct nlmsghdr *nl_msg(void *buf, uint16_t type, uint16_t flags);
/* Print "fanctl: WHAT: strerror (kernel: extack)". */
void nl_perror(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define NL_BUFSZ	(32 * 1024)

/* ---- link.c ---- */
struct fan_map_nl {
	uint32_t overlay;
	uint8_t overlay_len;
	uint32_t underlay;
	uint8_t underlay_len;
	uint8_t mode;		/* enum fan_map_mode; absent in a dump: ipip */
};

#define XSTATS_N	(FAN_XSTATS_MAX + 1)
struct link_info {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[32];
	char alias[256];
	unsigned int mtu;
	unsigned int flags;
	int master;
	/* fan only */
	bool is_fan;
	uint32_t fan_link;
	int nmaps;
	struct fan_map_nl maps[FAN_MAX_MAPS];	/* the kernel's limit per device */
	uint64_t rx_packets, tx_packets, rx_bytes, tx_bytes;
	uint64_t rx_dropped, tx_dropped, rx_errors, tx_errors;
	bool have_xstats;
	uint64_t xstats[XSTATS_N];
};

/* Dump all links; returns count (caller frees *out) or -errno. */
int link_dump(struct link_info **out);
int link_get(int ifindex, const char *name, struct link_info *li);
int link_set_up(int ifindex, bool up);
int link_delete(int ifindex);
int link_set_no_ipv6_ll(int ifindex);
int link_set_alias_mtu(int ifindex, const char *alias, unsigned int mtu);
int fan_create(const char *name, uint32_t link, const struct fan_map_nl *m);
int fan_map_change(int ifindex, const struct fan_map_nl *m, bool add);
/* @mac (6 bytes, may be NULL): the bridge's fixed address */
int bridge_create(const char *name, unsigned int mtu, const unsigned char *mac);
/*
 * The fixed address of a fan bridge: locally administered, from the
 * bridge's IPv4 address (02:fa:a:b:c:d), so that it neither follows the
 * lowest port's address nor changes when the fan is made again.
 */
void bridge_mac(uint32_t bridge_addr, unsigned char mac[6]);
void map_from_conf(const struct fan_conf *c, struct fan_map_nl *m);
bool fan_has_map(const struct link_info *li, const struct fan_map_nl *m);
/* The map of @li with @m's prefixes (whatever its mode), or NULL. */
const struct fan_map_nl *fan_find_map(const struct link_info *li, const struct fan_map_nl *m);
extern const char *const xstats_names[XSTATS_N];

/* ---- state.c ---- */
struct fan_state {
	struct link_info *links;
	int n;
};
int state_load(struct fan_state *s);
void state_free(struct fan_state *s);
struct link_info *state_by_name(struct fan_state *s, const char *name);
struct link_info *state_by_index(struct fan_state *s, int ifindex);
/* A fan device of fanctl's (ifalias marker) on @ifindex whose maps are all in @mode. */
struct link_info *state_fan_for_link(struct fan_state *s, int ifindex, unsigned int mode);
struct link_info *state_fan_with_map(struct fan_state *s, const struct fan_map_nl *m);
struct link_info *state_bridge_for(struct fan_state *s, uint32_t overlay, uint8_t olen,
				   uint32_t local, uint8_t ulen, struct fan_spec *spec);
bool is_fanctl_alias(const char *alias);
/* A fan device that fanctl made (its ifalias marker)? */
bool fan_is_mine(const struct link_info *l);
void state_free_fan_name(struct fan_state *s, char *out);

/* ---- run.c: the run directory and the lock ---- */
#include <sys/types.h>
/* Is @pid in our network namespace? */
bool same_netns(pid_t pid);
/* FANCTL_RUNDIR, or FANCTL_RUNDIR/netns-INODE outside the host's namespace */
const char *run_dir(void);
/* Create run_dir(); 0 or -errno (printed). */
int run_dir_make(void);
/* Remove a namespace's run_dir() if it is empty. */
void run_dir_tidy(void);
/*
 * Take fanctl's lock (flock on FANCTL_RUNDIR), waiting up to lock_wait
 * seconds (-w; FANCTL_LOCK_WAIT by default) for another fanctl; held
 * until exit.  0 or
 * -errno (printed).  Taking it again is a no-op.
 */
int fanctl_lock(void);

/* ---- record.c: the fans fanctl brought up (run_dir()/fans) ---- */
#include <limits.h>
struct fan_record {
	char bridge[IFNAMSIZ];
	int ifindex;		/* of the bridge fanctl made or adopted */
	char ul_dev[IFNAMSIZ];	/* the underlay device */
	char source[PATH_MAX];	/* the config file of "up -a"; "": command line */
	char marker[256];	/* the ifalias fanctl set on the bridge */
};
/* Read the record; returns the count (caller frees *out) or -1 (printed). */
int record_load(struct fan_record **out);
/* Write the record (n == 0: remove it); 0 or -1 (printed). */
int record_save(const struct fan_record *v, int n);
/*
 * Add or replace the entry of r->bridge; @keep_source: an entry already
 * there keeps its source.  0 or -1 (printed).
 */
int record_set(const struct fan_record *r, bool keep_source);
/* Remove the entry of @bridge; 0 or -1 (printed). */
int record_del(const char *bridge);
const struct fan_record *record_find(const struct fan_record *v, int n, const char *bridge);
struct fan_state;
struct link_info;
/* The bridge of @r if it is still there (same name, ifindex, kind), or NULL. */
struct link_info *record_bridge(struct fan_state *st, const struct fan_record *r);
/* Warn that @br's ifalias is no longer @r's marker. */
void record_warn_marker(const struct link_info *br, const struct fan_record *r);

/* ---- addr.c ---- */
struct addr_info {
	int ifindex;
	uint32_t local;
	uint32_t address;	/* IFA_ADDRESS: the peer, else = local */
	uint8_t prefixlen;
	bool secondary;
	bool noprefixroute;
};
int addr_dump(struct addr_info **out);
int addr_primary(int ifindex, uint32_t *addr);
int addr_add(int ifindex, uint32_t addr, uint8_t len, bool del);

/* ---- mode.c (pure: also used by the unit tests and fuzzers) ---- */
/* "ipip", "direct", "auto". */
const char *mode_name(enum fanctl_mode m);
/* A kernel map mode: "ipip", "direct" or "unknown". */
const char *map_mode_name(unsigned int m);
/* "ipip", "direct" or "auto" into *out; -1 after an error naming @s. */
int parse_mode(const char *s, enum fanctl_mode *out);
/* Bytes a map's mode adds to each packet on the underlay (IPIP: 20). */
unsigned int mode_overhead(enum fan_map_mode m);
/*
 * Is the underlay @net/@len flat on device @ifindex: does one of its IPv4
 * addresses in @v (an addr_dump) sit on a subnet holding all of @net/@len,
 * so that every host of it is on-link there?  @why (may be NULL): that
 * address, or NULL.
 */
bool underlay_flat(const struct addr_info *v, int n, int ifindex, uint32_t net,
		   uint8_t len, const struct addr_info **why);
/* The map mode for @asked: auto is direct if @flat, else ipip. */
enum fan_map_mode mode_pick(enum fanctl_mode asked, bool flat);
/*
 * Set c->flat and c->mode from the addresses @v of this host (the device,
 * c->ul_ifindex, and the map, c->map, resolved).
 */
void conf_mode(struct fan_conf *c, const struct addr_info *v, int n);
/*
 * Set c->mtu, the bridge MTU: the one asked for, else the underlay's
 * (c->ul_mtu) less the mode's overhead.  Returns EXIT_OK, or an exit code
 * after an error (asked above that, or an underlay MTU too small).
 */
int conf_mtu(struct fan_conf *c);

/* ---- route.c ---- */
int route_default_dev(int *ifindex);
/* Find the main-table route for prefix; returns 1 found (oif set), 0 none. */
int route_find(uint32_t dst, uint8_t len, int *oif);
int route_change(uint32_t dst, uint8_t len, int oif, uint32_t src, bool del);
/* Replace the route to @dst/@len by one through @oif with source @src. */
int route_replace(uint32_t dst, uint8_t len, int oif, uint32_t src);

/* ---- resolve.c ---- */
/* Resolve a spec on this host. Returns EXIT_OK or an exit code (printed). */
int fan_resolve(const struct fan_spec *spec, struct fan_conf *c);

/* ---- nat.c: the fan's nftables rules (libnftables) ---- */
/* Returns 1 if the rule(s) exist, 0 if not, <0 on error. */
int nat_rule_exists(const struct fan_conf *c);
int nat_add(const struct fan_conf *c);
int nat_del(const struct fan_conf *c);
int notrack_rules_exist(const struct fan_conf *c);
int notrack_add(const struct fan_conf *c);
int notrack_del(const struct fan_conf *c);
/* Every rule of the fan, in any chain. */
int nft_fan_del(const struct fan_conf *c);
int nat_flush_all(void);
/* Free libnftables' context (at exit). */
void nat_close(void);
void nat_comment(const struct fan_conf *c, char *buf, size_t len);

/* ---- dhcp.c ---- */
int dhcp_running(const char *bridge);
/* The pid of the supervisor of @bridge's dnsmasq, or 0. */
int dhcp_supervisor(const char *bridge);
int dhcp_start(const struct fan_conf *c);
int dhcp_stop(const char *bridge);
void dhcp_range(const struct fan_conf *c, uint32_t *first, uint32_t *last);
int dhcp_stop_all(void);

/* ---- sysctl ---- */
int ip_forward_get(void);
int ip_forward_set(int v);

/* ---- commands ---- */
int cmd_show(int argc, char **argv);
int cmd_map(int argc, char **argv);
int cmd_config(int argc, char **argv);
int cmd_docker(int argc, char **argv);
int cmd_cni(int argc, char **argv);
int cmd_incus(int argc, char **argv);
/* sync.c: the running fans as config lines; a config file made so */
int cmd_showconf(int argc, char **argv);
int cmd_syncconf(int argc, char **argv);

/* up.c / down.c building blocks */
int fan_up(const struct fan_spec *spec);
/* @source: the config file of "up -a" (recorded), NULL: the command line */
int fan_up_from(const struct fan_spec *spec, const char *source);
int fan_down_conf(const struct fan_conf *c, struct fan_state *st);
/* @force: also a fan whose bridge has ports, else EXIT_BUSY */
int fan_down(const struct fan_spec *spec, bool force);
int fan_down_everything(bool force);
/* down -a: the fan of a record entry, as recorded */
int fan_down_record(const struct fan_record *r, bool force);
/* Is the fan of @spec in the record as brought up by an "up -a"? */
bool spec_recorded(const struct fan_spec *spec, const struct fan_record *recs, int nrec);

/* config.c */
struct config_entry {
	struct fan_spec spec;
	unsigned int lineno;
};
/* Read a config file; returns count (caller frees) or -1 (errors printed,
 * all of them); *nerr set to the number of bad lines. */
int config_read(const char *path, struct config_entry **out, unsigned int *nerr);

/* up -a / down -a over the config; @iface: only fans on that device;
 * @force: down also fans whose bridge has ports */
int config_all(const char *path, const char *iface, bool up, bool force);

/* export.c (pure: also used by the unit tests) */
int docker_json(const struct fan_conf *c, char *buf, size_t len);
int cni_json(const struct fan_conf *c, char *buf, size_t len);
int incus_yaml(const struct fan_conf *c, char *buf, size_t len);
void docker_fixed_cidr(const struct fan_conf *c, uint32_t *net, uint8_t *len);

/* map.c: one line describing @addr in @m into buf; 1 if in it */
int map_explain(const struct fan_map_math *m, uint32_t addr, const char *dev, char *buf,
		size_t len);

/* main.c */
int help_for(const char *cmd, FILE *f);
#endif /* FANCTL_H */
