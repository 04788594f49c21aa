// SPDX-License-Identifier: GPL-2.0
/*
 * fanctl: configure fan networking (an overlay /8 mapped onto an underlay
 * /16, IPIP to the host the overlay address maps to).  Command dispatch
 * and help; see fanctl(8).
 */
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
	  "  OVERLAY            overlay prefix, e.g. 250.0.0.0/8\n"
	  "  UNDERLAY           ib0/16 (primary address of ib0), 10.7.3.4/16 (device\n"
	  "                     holding it), 10.7.0.0/16 (the local address in it) or\n"
	  "                     default/16 (device of the IPv4 default route)\n"
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
	  "  nat | no-nat       masquerade traffic leaving the overlay (default nat)\n"
	  "  notrack | no-notrack\n"
	  "                     keep conntrack off the outer IPIP packets between\n"
	  "                     the hosts (default no-notrack; ipip maps only)\n"
	  "  -a, --all          every fan of the config file not marked 'off'\n"
	  "  -c, --config FILE  config file for -a (default /etc/network/fan)\n"
	  "  --iface DEV        with -a: only fans whose underlay device is DEV (errors\n"
	  "                     in lines of other devices are only warnings)\n"
	  "Options may also be written --dhcp, --host-reserve=N, --bridge=NAME, ...\n" },
	{ "down",
	  "usage: fanctl down [-f] OVERLAY UNDERLAY\n"
	  "       fanctl down [-f] -a [-c FILE] [--iface DEV]\n"
	  "       fanctl down [-f] -e\n"
	  "\n"
	  "Take a fan down: dnsmasq, nftables rules, route, bridge and map (the fan\n"
	  "device goes with its last map).  A fan whose bridge has ports (containers)\n"
	  "is kept whole and the exit status is 3, unless --force.  A map another\n"
	  "fan shares (another local address) stays, as do fan devices fanctl did\n"
	  "not make.\n"
	  "  -f, --force        take it down even if its bridge has ports\n"
	  "  -a, --all          the fans up -a brought up from the config file (as\n"
	  "                     recorded, whatever the file says now), and those up\n"
	  "                     that it lists, unless another file's up -a did\n"
	  "  -c, --config FILE  config file for -a (default /etc/network/fan)\n"
	  "  --iface DEV        with -a: only fans whose underlay device is DEV\n"
	  "  -e, --everything   everything fanctl made, config or not\n" },
	{ "show",
	  "usage: fanctl show [--json]\n"
	  "\n"
	  "List the fans (bridge, overlay, underlay, slice, MTU, device, mode, flags;\n"
	  "mode auto:direct is what auto picked) and every fan device with its maps\n"
	  "and their modes, packet counters and drops by reason.\n"
	  "  -j, --json         machine-readable output (schema in fanctl(8))\n" },
	{ "map",
	  "usage: fanctl map ADDRESS...\n"
	  "       fanctl map ADDRESS OVERLAY UNDERLAY\n"
	  "\n"
	  "For an overlay address: the underlay host it lives on and its slice.\n"
	  "For an underlay address: the slice that host owns.  The first form uses\n"
	  "the maps of the fan devices; the second computes with the given map only.\n" },
	{ "config",
	  "usage: fanctl config [FILE]\n"
	  "\n"
	  "Check a config file (default /etc/network/fan): one fan per line,\n"
	  "'OVERLAY UNDERLAY [OPTION...]', '#' starts a comment; options as for up,\n"
	  "plus 'auto' (the default: up -a brings it up) and 'off' (skip the line);\n"
	  "'mode auto' is the mode option, not the word 'auto'.\n"
	  "Prints each fan as understood, and each error with its line number.\n" },
	{ "docker",
	  "usage: fanctl docker OVERLAY UNDERLAY [host-reserve N] [bridge NAME] [mtu N]\n"
	  "                     [mode MODE]\n"
	  "\n"
	  "Print the Docker daemon.json (bridge, mtu, fixed-cidr) for this host's slice.\n"
	  "UNDERLAY, MODE and the MTU as for up (mode direct: the underlay MTU); an\n"
	  "address not on this host needs 'mtu N'.\n" },
	{ "cni",
	  "usage: fanctl cni OVERLAY UNDERLAY [host-reserve N] [bridge NAME] [mtu N]\n"
	  "                  [mode MODE]\n"
	  "\n"
	  "Print a CNI conflist (bridge plugin on the fan bridge, host-local IPAM on\n"
	  "this host's slice).  UNDERLAY, MODE and the MTU as for up (mode direct: the\n"
	  "underlay MTU); an address not on this host needs 'mtu N'.\n" },
	{ NULL, NULL },
};

static const char main_help[] =
	"usage: fanctl [-v] COMMAND [ARGS]\n"
	"\n"
	"Fan networking: an overlay prefix mapped onto the underlay, IPIP (or, on a\n"
	"flat underlay, mode direct: no header) to the host an overlay address maps to.\n"
	"\n"
	"commands:\n"
	"  up OVERLAY UNDERLAY [OPTION...]   bring a fan up (or: up -a)\n"
	"  down OVERLAY UNDERLAY             take a fan down (or: down -a, down -e)\n"
	"  show [--json]                     list fans, devices and counters\n"
	"  map ADDRESS... | ADDRESS O U      which host/slice an address maps to\n"
	"  config [FILE]                     check /etc/network/fan\n"
	"  docker OVERLAY UNDERLAY           print a Docker daemon.json\n"
	"  cni OVERLAY UNDERLAY              print a CNI conflist\n"
	"  help [COMMAND]                    this text, or a command's\n"
	"\n"
	"  -v, --verbose      say what is done\n"
	"  -h, --help         help (also: fanctl COMMAND --help)\n"
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

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help") || !strcmp(a, "help");
}

/* up/down: -a/-e/-c/--iface forms, else a spec. */
static int cmd_updown(int argc, char **argv, bool up)
{
	const char *cmd = up ? "up" : "down", *config = FANCTL_CONFIG, *iface = NULL;
	bool all = false, everything = false, other = false, config_set = false;
	bool force = false;
	struct fan_spec spec;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		int start = i;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			help_for(cmd, stdout);
			return EXIT_OK;
		} else if (!up && (!strcmp(a, "-f") || !strcmp(a, "--force"))) {
			force = true;
			continue;	/* dropped from argv */
		} else if (!strcmp(a, "-a") || !strcmp(a, "--all")) {
			all = true;
		} else if (!up && (!strcmp(a, "-e") || !strcmp(a, "--everything"))) {
			everything = true;
		} else if (!strcmp(a, "-c") || !strcmp(a, "--config") || !strcmp(a, "--iface")) {
			if (i + 1 >= argc) {
				err_msg("option '%s' needs a value", a);
				return EXIT_USAGE;
			}
			if (a[2] == 'i') {
				iface = argv[++i];
			} else {
				config = argv[++i];
				config_set = true;
			}
		} else if (!strncmp(a, "--config=", 9)) {
			config = a + 9;
			config_set = true;
		} else if (!strncmp(a, "--iface=", 8)) {
			iface = a + 8;
		} else {
			other = true;
		}
		while (start <= i)
			argv[n++] = argv[start++];
	}
	argc = n;
	if (everything) {
		if (all || other || iface) {
			err_msg("down -e takes no other arguments");
			return EXIT_USAGE;
		}
		return fan_down_everything(force);
	}
	if (all) {
		if (other) {
			for (i = 0; i < argc; i++)
				if (argv[i][0] != '-' && (i == 0 || (strcmp(argv[i - 1], "-c") &&
						strcmp(argv[i - 1], "--config") &&
						strcmp(argv[i - 1], "--iface"))))
					break;
			err_msg("%s -a: unexpected argument '%s'", cmd, i < argc ? argv[i] : "?");
			return EXIT_USAGE;
		}
		return config_all(config, iface, up, force);
	}
	if (iface || config_set) {
		err_msg("%s: -c and --iface need -a", cmd);
		return EXIT_USAGE;
	}
	if (argc == 0) {
		help_for(cmd, stderr);
		return EXIT_USAGE;
	}
	if (parse_spec(argc, argv, &spec, false))
		return EXIT_USAGE;
	return up ? fan_up(&spec) : fan_down(&spec, force);
}

static int cmd_up_(int argc, char **argv)
{
	return cmd_updown(argc, argv, true);
}

static int cmd_down_(int argc, char **argv)
{
	return cmd_updown(argc, argv, false);
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} cmds[] = {
	{ "up", cmd_up_ },
	{ "down", cmd_down_ },
	{ "show", cmd_show },
	{ "map", cmd_map },
	{ "config", cmd_config },
	{ "docker", cmd_docker },
	{ "cni", cmd_cni },
	{ NULL, NULL },
};

int main(int argc, char **argv)
{
	int i = 1, c, ret;

	while (i < argc && argv[i][0] == '-') {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
			i++;
		} else if (is_help(argv[i])) {
			help_for(NULL, stdout);
			return EXIT_OK;
		} else {
			err_msg("unknown option '%s'", argv[i]);
			help_for(NULL, stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		help_for(NULL, stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[i], "help")) {
		if (i + 1 < argc) {
			if (help_for(argv[i + 1], stdout)) {
				err_msg("no such command '%s'", argv[i + 1]);
				return EXIT_USAGE;
			}
			return EXIT_OK;
		}
		help_for(NULL, stdout);
		return EXIT_OK;
	}
	for (c = 0; cmds[c].name; c++)
		if (!strcmp(cmds[c].name, argv[i]))
			break;
	if (!cmds[c].name) {
		err_msg("unknown command '%s'", argv[i]);
		help_for(NULL, stderr);
		return EXIT_USAGE;
	}
	ret = cmds[c].fn(argc - i - 1, argv + i + 1);
	nl_close();
	return ret;
}
