// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: configure fan networking (an overlay /8 mapped onto an underlay
 * /16, IPIP to the host the overlay address maps to).  Command dispatch
 * and help; see fanctl(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fanctl.h"

struct help {
	const char *cmd;
	const char *text;
};

static const struct help helps[] = {
	{ "up",
	  "usage: fanctl up OVERLAY UNDERLAY [OPTION...]\n"
	  "       fanctl up -o OVERLAY -u UNDERLAY [--OPTION...]\n"
	  "       fanctl up -a [-c FILE] [--iface DEV]\n"
	  "\n"
	  "Bring a fan up: the fan device (ftunN) with the map, the slice bridge with\n"
	  "the slice's first address, the route to OVERLAY, ip_forward, NAT and dhcp.\n"
	  "Running it again is a no-op; a failure undoes everything it did.  The\n"
	  "bridge's MAC is fixed (02:fa and its address).  Waits for another fanctl\n"
	  "up or down to finish (a lock on /run/fanctl, 60 s at most).\n"
	  "\n"
	  "  OVERLAY            overlay prefix, e.g. 250.0.0.0/8; 250 is 250.0.0.0/8\n"
	  "  UNDERLAY           ib0/16 (primary address of ib0), 10.7.3.4/16 (device\n"
	  "                     holding it), 10.7.0.0/16 (the local address in it) or\n"
	  "                     default/16 (device of the IPv4 default route); without\n"
	  "                     a length (ib0, 10.7.3.4, default): /16\n"
	  "  -o, --overlay OVERLAY\n"
	  "  -u, --underlay UNDERLAY\n"
	  "                     the same, as options\n"
	  "  dhcp               run dnsmasq on the bridge (supervised: started again\n"
	  "                     if it dies)\n"
	  "  host-reserve N     addresses .1 to .N are not for containers (default 1)\n"
	  "  bridge NAME        bridge name (default fan-250-3-4 for 250.3.4.0/24)\n"
	  "  mtu N              bridge MTU (default and maximum: underlay MTU - 20,\n"
	  "                     or the underlay MTU in mode direct)\n"
	  "  mode MODE          how packets reach the owning host:\n"
	  "                     ipip    wrapped in IPv4 to it (the default; needs IPv4\n"
	  "                             routing between hosts; its receiver checks the\n"
	  "                             inner source)\n"
	  "                     direct  unchanged, to its hardware address (needs every\n"
	  "                             host of UNDERLAY on-link on the device; the sender\n"
	  "                             lets only its own slice out, so it trusts the\n"
	  "                             fabric and the hosts' root)\n"
	  "                     auto    direct if an address of the device is on a subnet\n"
	  "                             holding all of UNDERLAY, else ipip\n"
	  "  nat | no-nat | nonat\n"
	  "                     masquerade traffic leaving the overlay, or not\n"
	  "                     (default nat)\n"
	  "  notrack | no-notrack\n"
	  "                     keep conntrack off the outer IPIP packets between\n"
	  "                     the hosts (default no-notrack; ipip maps only)\n"
	  "  -a, --all          every fan of the config file not marked 'off'\n"
	  "  -c, --config FILE  config file for -a (default /etc/network/fan)\n"
	  "  --iface DEV        with -a: only fans whose underlay device is DEV (errors\n"
	  "                     in lines of other devices are only warnings)\n"
	  "  -h, --help         this text\n"
	  "Options may also be written --dhcp, --host-reserve=N, --bridge=NAME, ...\n" },
	{ "down",
	  "usage: fanctl down [-f] OVERLAY UNDERLAY\n"
	  "       fanctl down [-f] -o OVERLAY -u UNDERLAY\n"
	  "       fanctl down [-f] -a [-c FILE] [--iface DEV]\n"
	  "       fanctl down [-f] -e\n"
	  "\n"
	  "Take a fan down: dnsmasq, nftables rules, route, bridge and map (the fan\n"
	  "device goes with its last map).  A fan whose bridge has ports (containers)\n"
	  "is kept whole and the exit status is 3, unless --force.  A map another\n"
	  "fan shares (another local address) stays, as do fan devices fanctl did\n"
	  "not make.  OVERLAY and UNDERLAY as for up; up's options are not down's\n"
	  "(an error).\n"
	  "  -o, --overlay OVERLAY\n"
	  "  -u, --underlay UNDERLAY\n"
	  "                     OVERLAY and UNDERLAY, as options\n"
	  "  -f, --force        take it down even if its bridge has ports\n"
	  "  -a, --all          the fans up -a brought up from the config file (as\n"
	  "                     recorded, whatever the file says now), and those up\n"
	  "                     that it lists, unless another file's up -a did\n"
	  "  -c, --config FILE  config file for -a (default /etc/network/fan)\n"
	  "  --iface DEV        with -a: only fans whose underlay device is DEV\n"
	  "  -e, --everything   everything fanctl made, config or not\n"
	  "  -h, --help         this text\n" },
	{ "show",
	  "usage: fanctl show [-j]\n"
	  "\n"
	  "List the fans (bridge, overlay, underlay, slice, MTU, device, mode, flags;\n"
	  "mode auto:direct is what auto picked) and every fan device with its maps\n"
	  "and their modes, packet counters and drops by reason.\n"
	  "  -j, --json         machine-readable output (schema in fanctl(8)), on\n"
	  "                     one line (fanctl -p show -j: indented); also the\n"
	  "                     word json, and fanctl -j show\n"
	  "  -h, --help         this text\n" },
	{ "map",
	  "usage: fanctl map ADDRESS...\n"
	  "       fanctl map ADDRESS OVERLAY UNDERLAY\n"
	  "\n"
	  "For an overlay address: the underlay host it lives on and its slice.\n"
	  "For an underlay address: the slice that host owns.  The first form uses\n"
	  "the maps of the fan devices; the second computes with the given map only.\n"
	  "  -h, --help         this text\n" },
	{ "config",
	  "usage: fanctl config [FILE]\n"
	  "\n"
	  "Check a config file (default /etc/network/fan): one fan per line,\n"
	  "'OVERLAY UNDERLAY [OPTION...]', '#' starts a comment; the options of up,\n"
	  "and two of the file only:\n"
	  "  auto               up and down of the whole file include it (the default)\n"
	  "  off                up and down of the whole file leave it out\n"
	  "('mode auto' is the mode option, not the word auto.)\n"
	  "Prints each fan as understood, and each error with its line number.\n"
	  "  -h, --help         this text\n" },
	{ "docker",
	  "usage: fanctl docker OVERLAY UNDERLAY [host-reserve N] [bridge NAME] [mtu N]\n"
	  "                     [mode MODE]\n"
	  "\n"
	  "Print the Docker daemon.json (bridge, mtu, fixed-cidr) for this host's slice.\n"
	  "OVERLAY, UNDERLAY (also -o, -u), the options and the MTU as for up (mode\n"
	  "direct: the underlay MTU); up's other options are an error.  An address\n"
	  "not on this host needs 'mtu N'.\n"
	  "  -h, --help         this text\n" },
	{ "cni",
	  "usage: fanctl cni OVERLAY UNDERLAY [host-reserve N] [bridge NAME] [mtu N]\n"
	  "                  [mode MODE]\n"
	  "\n"
	  "Print a CNI conflist (bridge plugin on the fan bridge, host-local IPAM on\n"
	  "this host's slice).  OVERLAY, UNDERLAY (also -o, -u), the options and the\n"
	  "MTU as for up (mode direct: the underlay MTU); up's other options are an\n"
	  "error.  An address not on this host needs 'mtu N'.\n"
	  "  -h, --help         this text\n" },
	{ "incus",
	  "usage: fanctl incus OVERLAY UNDERLAY [bridge NAME] [mtu N] [mode MODE]\n"
	  "\n"
	  "Print an Incus (or LXD) profile: NIC eth0 bridged to the fan bridge, with\n"
	  "the fan's MTU.  Instances take their address by DHCP: 'fanctl up ... dhcp'.\n"
	  "OVERLAY, UNDERLAY (also -o, -u), the options and the MTU as for up (mode\n"
	  "direct: the underlay MTU); up's other options are an error.  An address\n"
	  "not on this host needs 'mtu N'.\n"
	  "  -h, --help         this text\n" },
	{ "showconf",
	  "usage: fanctl showconf\n"
	  "\n"
	  "Print the fans fanctl made as config lines (OVERLAY LOCAL/LEN and the\n"
	  "options they were brought up with), as wg showconf: lines that the\n"
	  "config file, and syncconf, bring up again.\n"
	  "  -h, --help         this text\n" },
	{ "syncconf",
	  "usage: fanctl syncconf FILE\n"
	  "\n"
	  "Make the running fans those of FILE (a config file), as wg syncconf: bring\n"
	  "up its fans not marked 'off', and take down fanctl's fans it does not\n"
	  "have or has with other options (then brought up as it says).  Nothing is\n"
	  "done if FILE has an error or one of its fans does not resolve here.  A fan\n"
	  "whose bridge has ports is kept (exit 3), as by down.\n"
	  "  -h, --help         this text\n" },
	{ NULL, NULL },
};

static const char main_help[] =
	"usage: fanctl [-v] [-j [-p]] COMMAND [ARGS]\n"
	"\n"
	"Fan networking: an overlay prefix mapped onto the underlay, IPIP (or, on a\n"
	"flat underlay, mode direct: no header) to the host an overlay address maps to.\n"
	"\n"
	"commands:\n"
	"  up OVERLAY UNDERLAY [OPTION...]   bring a fan up (or: up -a)\n"
	"  down OVERLAY UNDERLAY             take a fan down (or: down -a, down -e)\n"
	"  show [-j]                         list fans, devices and counters\n"
	"  map ADDRESS... | ADDRESS O U      which host/slice an address maps to\n"
	"  config [FILE]                     check /etc/network/fan\n"
	"  docker OVERLAY UNDERLAY           print a Docker daemon.json\n"
	"  cni OVERLAY UNDERLAY              print a CNI conflist\n"
	"  incus OVERLAY UNDERLAY            print an Incus profile\n"
	"  showconf                          the running fans as config lines\n"
	"  syncconf FILE                     make the running fans those of FILE\n"
	"  help [COMMAND]                    this text, or a command's\n"
	"\n"
	"  -v, --verbose      say what is done\n"
	"  -j, --json         JSON output (show), on one line\n"
	"  -p, --pretty       JSON output indented\n"
	"  -w, --wait SECONDS wait at most SECONDS for another fanctl (default 60;\n"
	"                     0: do not wait)\n"
	"  -h, --help         help (also: fanctl COMMAND -h, fanctl COMMAND help)\n"
	"\n"
	"Exit status: 0 ok, 1 usage or parse error, 2 the kernel or system refused,\n"
	"3 down kept a fan whose bridge has ports.\n";

int help_for(const char *cmd, FILE *f)
{
	const struct help *h;

	if (!cmd) {
		fputs(main_help, f);
		return 0;
	}
	for (h = helps; h->cmd; h++)
		if (!strcmp(h->cmd, cmd)) {
			fputs(h->text, f);
			return 0;
		}
	return -1;
}

/* up/down: -a/-e/-c/--iface forms, else a fan. */
static int cmd_updown(int argc, char **argv, bool up)
{
	const char *cmd = up ? "up" : "down";
	struct fan_args a;

	if (parse_args(argc - 1, argv + 1, up ? SPEC_UP : SPEC_DOWN, &a))
		return EXIT_USAGE;
	if (a.help) {
		help_for(cmd, stdout);
		return EXIT_OK;
	}
	if (a.everything) {
		if (a.all || a.overlay || a.iface || a.config) {
			err_msg("down -e takes no other arguments");
			return EXIT_USAGE;
		}
		return fan_down_everything(a.force);
	}
	if (a.all) {
		if (a.overlay) {
			err_msg("%s -a: unexpected argument '%s'", cmd, a.overlay);
			return EXIT_USAGE;
		}
		return config_all(a.config ? a.config : FANCTL_CONFIG, a.iface, up, a.force);
	}
	if (a.iface || a.config) {
		err_msg("%s: -c and --iface need -a", cmd);
		return EXIT_USAGE;
	}
	if (!a.overlay && !a.underlay) {
		help_for(cmd, stderr);
		return EXIT_USAGE;
	}
	if (spec_finish(&a))
		return EXIT_USAGE;
	return up ? fan_up(&a.spec) : fan_down(&a.spec, a.force);
}

static int cmd_up(int argc, char **argv)
{
	return cmd_updown(argc, argv, true);
}

static int cmd_down(int argc, char **argv)
{
	return cmd_updown(argc, argv, false);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "up", cmd_up },
	{ "down", cmd_down },
	{ "show", cmd_show },
	{ "map", cmd_map },
	{ "config", cmd_config },
	{ "docker", cmd_docker },
	{ "cni", cmd_cni },
	{ "incus", cmd_incus },
	{ "showconf", cmd_showconf },
	{ "syncconf", cmd_syncconf },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "wait", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	int o, c, ret;

	/* "+": the options before the command; the command reads its own */
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+hjpvw:", lopts, NULL)) != -1) {
		switch (o) {
		case 'v':
			verbose = true;
			break;
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_pretty = true;
			break;
		case 'w':
			/* prints "'X' is not a number in 0..3600" */
			if (parse_uint(optarg, 0, 3600, &lock_wait))
				return EXIT_USAGE;
			break;
		case 'h':
			help_for(NULL, stdout);
			return EXIT_OK;
		default:
			if (optopt)
				err_msg("unknown option '-%c'", optopt);
			else
				err_msg("unknown option '%s'", argv[optind - 1]);
			help_for(NULL, stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		help_for(NULL, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		if (optind + 2 < argc) {
			err_msg("help: unexpected argument '%s'", argv[optind + 2]);
			return EXIT_USAGE;
		}
		if (optind + 1 < argc) {
			if (help_for(argv[optind + 1], stdout)) {
				err_msg("no such command '%s'", argv[optind + 1]);
				return EXIT_USAGE;
			}
			return EXIT_OK;
		}
		help_for(NULL, stdout);
		return EXIT_OK;
	}
	for (c = 0; cmds[c].name; c++)
		if (!strcmp(cmds[c].name, argv[optind]))
			break;
	if (!cmds[c].name) {
		err_msg("unknown command '%s'", argv[optind]);
		help_for(NULL, stderr);
		return EXIT_USAGE;
	}
	/* "fanctl up help", as "ip link help" */
	if (argc - optind == 2 && !strcmp(argv[optind + 1], "help")) {
		help_for(cmds[c].name, stdout);
		return EXIT_OK;
	}
	/* argv[0] of a command is its name, as for getopt_long */
	ret = cmds[c].fn(argc - optind, argv + optind);
	nl_close();
	nat_close();
	return ret;
}
