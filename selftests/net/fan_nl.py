#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Send hand-made RTM_NEWLINK requests for the "fan" link kind.

fanctl validates before it talks to the kernel, so the kernel's own checks
(extack messages, unknown attributes, atomic map changes) are tested with
requests built here, attribute by attribute.

  fan_nl.py add NAME [link DEV] [ttl N] [tos N] [pmtudisc N] [strict N]
                     [map O/o U/u [mode M]]... [attr TYPE HEX]...
                     [mapattr TYPE HEX]
  fan_nl.py change NAME [same options] [maps O/o U/u [mode M]]...
                        [add O/o U/u [mode M]]... [del O/o U/u]...
  fan_nl.py get NAME        print the fan attributes and counters

"mode M" right after a map sets that map's IFLA_FAN_MAP_MODE: ipip,
direct or a number (absent: no attribute, which the kernel takes as ipip).

Prints "ok" or "error: ERRNO: extack message"; exit 0 ok, 2 refused.
"""

import errno
import ipaddress
import os
import socket
import struct
import sys

RTM_NEWLINK, RTM_GETLINK = 16, 18
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 1, 4, 0x200, 0x400
NLMSG_ERROR = 2
SOL_NETLINK, NETLINK_EXT_ACK = 270, 11
NLMSGERR_ATTR_MSG = 1
NLM_F_CAPPED, NLM_F_ACK_TLVS = 0x100, 0x200
IFLA_IFNAME, IFLA_LINKINFO = 3, 18
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_XSTATS = 1, 2, 3
NLA_F_NESTED = 1 << 15

# include/uapi/linux/if_fan.h
(IFLA_FAN_LINK, IFLA_FAN_TTL, IFLA_FAN_TOS, IFLA_FAN_PMTUDISC, IFLA_FAN_STRICT,
 IFLA_FAN_MAPS, IFLA_FAN_MAP_ADD, IFLA_FAN_MAP_DEL) = range(1, 9)
IFLA_FAN_MAP = 1
(IFLA_FAN_MAP_OVERLAY, IFLA_FAN_MAP_OVERLAY_LEN, IFLA_FAN_MAP_UNDERLAY,
 IFLA_FAN_MAP_UNDERLAY_LEN, IFLA_FAN_MAP_MODE) = range(1, 6)
MODES = {"ipip": 0, "direct": 1}
MODE_NAMES = {v: k for k, v in MODES.items()}
XSTATS = ["", "", "tx_no_map", "tx_bad_host", "tx_to_self", "tx_no_route",
          "tx_not_ipv4", "tx_frag_needed", "rx_spoofed", "rx_malformed",
          "rx_bad_dst", "rx_ecn", "rx_policy", "tx_forged", "rx_plain",
          "err_not_relayed"]


def attr(atype, payload):
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    pad = b"\0" * ((4 - len(payload) % 4) % 4)
    return hdr + payload + pad


def nest(atype, *children):
    return attr(atype | NLA_F_NESTED, b"".join(children))


def prefix(text):
    addr, _, plen = text.partition("/")
    return ipaddress.IPv4Address(addr).packed, int(plen)


def map_attr(overlay, underlay, extra=b"", mode=None):
    o, olen = prefix(overlay)
    u, ulen = prefix(underlay)
    if mode is not None:
        extra = attr(IFLA_FAN_MAP_MODE, struct.pack("B", mode)) + extra
    return nest(IFLA_FAN_MAP,
                attr(IFLA_FAN_MAP_OVERLAY, o),
                attr(IFLA_FAN_MAP_OVERLAY_LEN, struct.pack("B", olen)),
                attr(IFLA_FAN_MAP_UNDERLAY, u),
                attr(IFLA_FAN_MAP_UNDERLAY_LEN, struct.pack("B", ulen)),
                extra)


def parse_attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, atype = struct.unpack_from("=HH", buf)
        if alen < 4:
            break
        out.setdefault(atype & 0x3fff, []).append(buf[4:alen])
        buf = buf[(alen + 3) & ~3:]
    return out


def request(msg_type, flags, ifname, payload=b""):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
    body += attr(IFLA_IFNAME, ifname.encode() + b"\0") + payload
    hdr = struct.pack("=IHHII", 16 + len(body), msg_type,
                      NLM_F_REQUEST | NLM_F_ACK | flags, 1, 0)
    sock.send(hdr + body)
    replies = []
    while True:
        data = sock.recv(65536)
        while data:
            mlen, mtype, mflags, _, _ = struct.unpack_from("=IHHII", data)
            msg = data[16:mlen]
            data = data[(mlen + 3) & ~3:]
            if mtype == NLMSG_ERROR:
                err = -struct.unpack_from("=i", msg)[0]
                text = ""
                if mflags & NLM_F_ACK_TLVS:
                    # After the errno: the echoed request (only its header
                    # when NLM_F_CAPPED), then the extack TLVs.
                    echoed = 16 if mflags & NLM_F_CAPPED else \
                        struct.unpack_from("=I", msg, 4)[0]
                    tlvs = parse_attrs(msg[4 + ((echoed + 3) & ~3):])
                    if NLMSGERR_ATTR_MSG in tlvs:
                        text = tlvs[NLMSGERR_ATTR_MSG][0].rstrip(b"\0")
                        text = text.decode()
                return err, text, replies
            replies.append((mtype, msg))


def options(args):
    """Parse NAME-less options into IFLA_INFO_DATA attributes."""
    data = []
    lists = {"map": [], "maps": [], "add": [], "del": []}
    mapextra = b""
    i = 0
    while i < len(args):
        key = args[i]
        if key == "link":
            idx = socket.if_nametoindex(args[i + 1])
            data.append(attr(IFLA_FAN_LINK, struct.pack("=I", idx)))
            i += 2
        elif key in ("ttl", "tos", "pmtudisc", "strict"):
            atype = {"ttl": IFLA_FAN_TTL, "tos": IFLA_FAN_TOS,
                     "pmtudisc": IFLA_FAN_PMTUDISC,
                     "strict": IFLA_FAN_STRICT}[key]
            data.append(attr(atype, struct.pack("B", int(args[i + 1]))))
            i += 2
        elif key in lists:
            overlay, underlay, mode = args[i + 1], args[i + 2], None
            i += 3
            if i + 1 < len(args) and args[i] == "mode":
                mode = MODES.get(args[i + 1])
                if mode is None:
                    mode = int(args[i + 1])
                i += 2
            lists[key].append((overlay, underlay, mode))
        elif key == "attr":
            data.append(attr(int(args[i + 1]), bytes.fromhex(args[i + 2])))
            i += 3
        elif key == "mapattr":
            mapextra += attr(int(args[i + 1]), bytes.fromhex(args[i + 2]))
            i += 3
        else:
            sys.exit("fan_nl: unknown option %s" % key)
    for key, atype in (("map", IFLA_FAN_MAPS), ("maps", IFLA_FAN_MAPS),
                       ("add", IFLA_FAN_MAP_ADD), ("del", IFLA_FAN_MAP_DEL)):
        if lists[key]:
            data.append(nest(atype, *(map_attr(o, u, mapextra, mode)
                                      for o, u, mode in lists[key])))
    return nest(IFLA_LINKINFO, attr(IFLA_INFO_KIND, b"fan\0"),
                nest(IFLA_INFO_DATA, *data))


def show(ifname):
    err, text, replies = request(RTM_GETLINK, 0, ifname)
    if err:
        return err, text
    for mtype, msg in replies:
        top = parse_attrs(msg[16:])
        info = parse_attrs(top.get(IFLA_LINKINFO, [b""])[0])
        data = parse_attrs(info.get(IFLA_INFO_DATA, [b""])[0])
        for atype, name, fmt in ((IFLA_FAN_LINK, "link", "=I"),
                                 (IFLA_FAN_TTL, "ttl", "B"),
                                 (IFLA_FAN_TOS, "tos", "B"),
                                 (IFLA_FAN_PMTUDISC, "pmtudisc", "B"),
                                 (IFLA_FAN_STRICT, "strict", "B")):
            if atype in data:
                print(name, struct.unpack(fmt, data[atype][0])[0])
        for m in parse_attrs(data.get(IFLA_FAN_MAPS, [b""])[0]).get(
                IFLA_FAN_MAP, []):
            f = parse_attrs(m)
            line = "map %s/%d %s/%d" % (
                ipaddress.IPv4Address(f[IFLA_FAN_MAP_OVERLAY][0]),
                f[IFLA_FAN_MAP_OVERLAY_LEN][0][0],
                ipaddress.IPv4Address(f[IFLA_FAN_MAP_UNDERLAY][0]),
                f[IFLA_FAN_MAP_UNDERLAY_LEN][0][0])
            # IPIP, the default, as before; other modes by name.
            mode = f.get(IFLA_FAN_MAP_MODE, [b"\0"])[0][0]
            if mode:
                line += " mode %s" % MODE_NAMES.get(mode, mode)
            print(line)
        xs = parse_attrs(info.get(IFLA_INFO_XSTATS, [b""])[0])
        for atype, vals in sorted(xs.items()):
            if atype < len(XSTATS) and XSTATS[atype]:
                print(XSTATS[atype], struct.unpack("=Q", vals[0])[0])
    return 0, ""


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd, ifname, rest = argv[1], argv[2], argv[3:]
    if cmd == "add":
        err, text, _ = request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                               ifname, options(rest))
    elif cmd == "change":
        err, text, _ = request(RTM_NEWLINK, 0, ifname, options(rest))
    elif cmd == "get":
        err, text = show(ifname)
    else:
        sys.exit(__doc__)
    if err:
        print("error: %s: %s" % (errno.errorcode.get(err, err), text))
        return 2
    if cmd != "get":
        print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
