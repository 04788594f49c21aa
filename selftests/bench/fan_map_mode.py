#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read back how each map of a fan device reaches the owning host.

  fan_map_mode.py DEV

Prints one line per map of DEV: "OVERLAY/LEN UNDERLAY/LEN MODE", MODE
"ipip" or "direct" as the kernel reports IFLA_FAN_MAP_MODE inside the
map's IFLA_FAN_MAP nest (include/uapi/linux/if_fan.h on the direct
branch), "ipip" if the attribute is absent (a fan.ko without direct
mode).  The bench sets the mode with selftests/net/fan_nl.py (or fanctl)
and believes only what this reads back.  Exit 1 if DEV is not a fan.
"""

import errno
import ipaddress
import socket
import struct
import sys

RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST = 1
NLMSG_ERROR = 2
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA = 1, 2
IFLA_FAN_MAPS = 6
IFLA_FAN_MAP = 1
(IFLA_FAN_MAP_OVERLAY, IFLA_FAN_MAP_OVERLAY_LEN, IFLA_FAN_MAP_UNDERLAY,
 IFLA_FAN_MAP_UNDERLAY_LEN, IFLA_FAN_MAP_MODE) = range(1, 6)
MODES = {0: "ipip", 1: "direct"}


def attr(atype, payload):
    return struct.pack("=HH", 4 + len(payload), atype) + payload + \
        b"\0" * ((4 - len(payload) % 4) % 4)


def parse_attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, atype = struct.unpack_from("=HH", buf)
        if alen < 4:
            break
        out.setdefault(atype & 0x3fff, []).append(buf[4:alen])
        buf = buf[(alen + 3) & ~3:]
    return out


def getlink(ifname):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    body += attr(IFLA_IFNAME, ifname.encode() + b"\0")
    sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETLINK,
                          NLM_F_REQUEST, 1, 0) + body)
    data = sock.recv(65536)
    sock.close()
    mlen, mtype = struct.unpack_from("=IH", data)
    if mtype == NLMSG_ERROR:
        err = -struct.unpack_from("=i", data, 16)[0]
        raise SystemExit("fan_map_mode: %s: %s" % (ifname, errno.errorcode.get(err, err)))
    return data[16:mlen]


def main(argv):
    if len(argv) != 2:
        sys.exit(__doc__)
    msg = getlink(argv[1])
    top = parse_attrs(msg[16:])
    info = parse_attrs(top.get(IFLA_LINKINFO, [b""])[0])
    if info.get(IFLA_INFO_KIND, [b""])[0].rstrip(b"\0") != b"fan":
        print("fan_map_mode: %s is not a fan device" % argv[1], file=sys.stderr)
        return 1
    data = parse_attrs(info.get(IFLA_INFO_DATA, [b""])[0])
    for m in parse_attrs(data.get(IFLA_FAN_MAPS, [b""])[0]).get(IFLA_FAN_MAP, []):
        f = parse_attrs(m)
        mode = 0
        if IFLA_FAN_MAP_MODE in f:
            mode = f[IFLA_FAN_MAP_MODE][0][0]
        print("%s/%d %s/%d %s" % (
            ipaddress.IPv4Address(f[IFLA_FAN_MAP_OVERLAY][0]),
            f[IFLA_FAN_MAP_OVERLAY_LEN][0][0],
            ipaddress.IPv4Address(f[IFLA_FAN_MAP_UNDERLAY][0]),
            f[IFLA_FAN_MAP_UNDERLAY_LEN][0][0],
            MODES.get(mode, "mode-%d" % mode)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
