/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of iproute2's ip(8) that a link_<kind>.so plugin depends on.
 *
 * ip dlopens $IP_LIB_DIR/link_<kind>.so for a link kind it does not know
 * and looks up "<kind>_link_util".  Neither struct link_util nor the
 * helpers below are a stable ABI: they are ip's internals (ip/ip_common.h,
 * include/json_print.h, include/color.h), exported from the binary with
 * -Wl,-export-dynamic.  check-ip.sh refuses an ip whose release is
 * outside IP_ABI_CHECKED_MIN..IP_ABI_CHECKED_MAX, or one that does not
 * export every symbol link_fan.so imports.
 *
 * What was compared: struct link_util (ip/ip_common.h), the prototypes of
 * the ten functions declared below and enum output_type
 * (include/json_print.h), enum color_attr (include/color.h), struct
 * iplink_req's buf[1024] and how ip calls the four hooks (ip/iplink.c:
 * parse_opt inside the IFLA_INFO_DATA nest it opens; help; and
 * ip/ipaddress.c: print_opt with tb[maxattr + 1], print_xstats with
 * IFLA_INFO_XSTATS).  All are the same text in iproute2's git tags
 * v5.9.0, v5.10.0, v6.1.0 and v7.1.0, in its main branch at ee2a4a86
 * (2026-06-28, the newest at hand), and in Debian's iproute2 5.10.0-4
 * source (bullseye: its ip -V says 5.9.0, the version.h upstream's 5.10.0
 * tarball shipped with; none of Debian's patches touches these files).
 * For 7.3.0 (sid) no source was at hand: its ip binary was checked
 * instead (it exports every symbol below, and
 * selftests/net/fan_iproute2_suites.sh drives all four hooks with it).
 * (link_fan.so never reads what the print_color_* functions return.)
 *
 * Only the JSON/text printers are borrowed: they are what makes "ip -j"
 * and "ip -d" output one document.  Attributes are added and parsed here.
 */
#ifndef FAN_IPROUTE2_ABI_H
#define FAN_IPROUTE2_ABI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* The iproute2 releases (as ip -V says them) this file was checked with. */
#define IP_ABI_CHECKED_MIN	"5.9"
#define IP_ABI_CHECKED_MAX	"7.3"

/* ip/ip_common.h */
struct link_util {
	struct link_util	*next;
	const char		*id;
	int			maxattr;
	int			(*parse_opt)(struct link_util *lu, int argc,
					     char **argv, struct nlmsghdr *n);
	void			(*print_opt)(struct link_util *lu, FILE *f,
					     struct rtattr *tb[]);
	void			(*print_xstats)(struct link_util *lu, FILE *f,
						struct rtattr *xstats);
	void			(*print_help)(struct link_util *lu, int argc,
					      char **argv, FILE *f);
	int			(*parse_ifla_xstats)(struct link_util *lu,
						     int argc, char **argv);
	int			(*print_ifla_xstats)(struct nlmsghdr *n,
						     void *arg);
};

/*
 * How big ip's request buffer is, at least: every link kind of iproute2
 * adds its attributes with this bound (struct iplink_req's buf[1024]).
 */
#define IP_REQ_MAXLEN		1024

/* include/json_print.h */
enum output_type {
	PRINT_FP = 1,
	PRINT_JSON = 2,
	PRINT_ANY = 4,
};

/* include/color.h: the last of enum color_attr. */
#define IP_COLOR_NONE		6

bool is_json_context(void);
void open_json_object(const char *str);
void close_json_object(void);
void open_json_array(enum output_type type, const char *delim);
void close_json_array(enum output_type type, const char *delim);
void print_nl(void);
int print_color_string(enum output_type t, int color, const char *key,
		       const char *fmt, const char *value);
int print_color_uint(enum output_type t, int color, const char *key,
		     const char *fmt, unsigned int value);
int print_color_u64(enum output_type t, int color, const char *key,
		    const char *fmt, uint64_t value);
int print_color_bool(enum output_type t, int color, const char *key,
		     const char *fmt, bool value);

#endif /* FAN_IPROUTE2_ABI_H */
