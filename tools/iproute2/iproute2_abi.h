/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of iproute2's ip(8) that a link_<kind>.so plugin depends on.
 *
 * ip dlopens $IP_LIB_DIR/link_<kind>.so for a link kind it does not know
 * and looks up "<kind>_link_util".  Neither struct link_util nor the
 * helpers below are a stable ABI: they are ip's internals (ip/ip_common.h,
 * include/json_print.h, include/color.h), exported from the binary with
 * -Wl,-export-dynamic.  What is declared here was checked against
 * iproute2's sources from v5.10.0 to IP_ABI_CHECKED_MAX: the layout and
 * the signatures are the same in every release of that range.
 * check-ip.sh refuses an ip outside it, or one that does not export every
 * symbol link_fan.so imports.
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

/* The newest iproute2 release whose sources this file was checked with. */
#define IP_ABI_CHECKED_MAX	"7.1"

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
