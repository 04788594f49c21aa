#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Create, change and show ipoib_emu devices with their netlink attributes.

iproute2 cannot send link attributes for a kind it does not know, so this
speaks rtnetlink itself (stdlib only):

  ipoib_emu_link.py add NAME [fabric N] [mode datagram|connected]
                             [umtu 256..4096] [mtu N] [address LLADDR]
                             [cost_model whole-gso|wire-mtu]
  ipoib_emu_link.py set NAME [fabric N] [mode datagram|connected] [umtu N]
                             [cost_model whole-gso|wire-mtu]
  ipoib_emu_link.py show NAME
      # prints "fabric N mode M umtu N pkey P qpn Q cost_model C"

Errors print the kernel's extack message and exit 1.
The attribute numbers are those of ipoib_emu.h.
"""

import os
import socket
import struct
import sys

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
RTM_GETLINK = 18
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLMSG_ERROR = 2
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NETLINK_EXT_ACK = 11
NLA_F_NESTED = 0x8000

IFLA_ADDRESS = 1
IFLA_IFNAME = 3
IFLA_MTU = 4
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1
IFLA_INFO_DATA = 2

# ipoib_emu.h
IFLA_IPOIB_EMU_FABRIC = 1
IFLA_IPOIB_EMU_MODE = 2
IFLA_IPOIB_EMU_UMTU = 3
IFLA_IPOIB_EMU_PKEY = 4
IFLA_IPOIB_EMU_QPN = 5
IFLA_IPOIB_EMU_COST_MODEL = 6
MODES = {"datagram": 0, "connected": 1}
COST_MODELS = {"whole-gso": 0, "wire-mtu": 1}


def attr(kind, payload):
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * ((4 - length % 4) % 4)


def parse_attrs(buf):
    out = {}
    while len(buf) >= 4:
        length, kind = struct.unpack_from("=HH", buf)
        if length < 4:
            break
        out[kind & ~NLA_F_NESTED] = buf[4:length]
        buf = buf[(length + 3) & ~3:]
    return out


def request(msg_type, flags, body):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_ROUTE)
    try:
        sock.setsockopt(270, NETLINK_EXT_ACK, 1)  # SOL_NETLINK
    except OSError:
        pass
    sock.bind((0, 0))
    hdr = struct.pack("=IHHII", 16 + len(body), msg_type,
                      flags | NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    sock.send(hdr + body)
    reply = None
    while True:
        data = sock.recv(65536)
        off = 0
        while off + 16 <= len(data):
            length, mtype, mflags, _seq, _pid = struct.unpack_from("=IHHII", data, off)
            if length < 16:
                raise SystemExit("ipoib_emu_link: bad netlink reply")
            msg = data[off + 16:off + length]
            off += (length + 3) & ~3
            if mtype == NLMSG_ERROR:
                err = struct.unpack_from("=i", msg)[0]
                if err == 0:
                    sock.close()
                    return reply
                text = os.strerror(-err)
                if mflags & NLM_F_ACK_TLVS:
                    # the original request header follows the error
                    olen = struct.unpack_from("=I", msg, 4)[0]
                    capped = mflags & 0x100  # NLM_F_CAPPED
                    tlvs = parse_attrs(msg[4 + (16 if capped else (olen + 3) & ~3):])
                    if NLMSGERR_ATTR_MSG in tlvs:
                        text += ": " + tlvs[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
                sock.close()
                raise SystemExit("ipoib_emu_link: " + text)
            if mtype == RTM_NEWLINK:
                reply = msg


def ifinfo(index=0):
    return struct.pack("=BxHiII", socket.AF_UNSPEC, 0, index, 0, 0)


def parse_args(args):
    data = b""
    extra = b""
    while args:
        if len(args) < 2:
            raise SystemExit("ipoib_emu_link: missing value for " + args[0])
        key, val = args[0], args[1]
        args = args[2:]
        if key == "fabric":
            data += attr(IFLA_IPOIB_EMU_FABRIC, struct.pack("=I", int(val, 0)))
        elif key == "mode":
            if val not in MODES:
                raise SystemExit("ipoib_emu_link: mode is datagram or connected")
            data += attr(IFLA_IPOIB_EMU_MODE, struct.pack("=H", MODES[val]))
        elif key == "umtu":
            data += attr(IFLA_IPOIB_EMU_UMTU, struct.pack("=I", int(val, 0)))
        elif key == "cost_model":
            if val not in COST_MODELS:
                raise SystemExit("ipoib_emu_link: cost_model is whole-gso or wire-mtu")
            data += attr(IFLA_IPOIB_EMU_COST_MODEL, struct.pack("=B", COST_MODELS[val]))
        elif key == "mtu":
            extra += attr(IFLA_MTU, struct.pack("=I", int(val, 0)))
        elif key == "address":
            extra += attr(IFLA_ADDRESS, bytes(int(b, 16) for b in val.split(":")))
        else:
            raise SystemExit("ipoib_emu_link: unknown option " + key)
    return data, extra


def linkinfo(data):
    info = attr(IFLA_INFO_KIND, b"ipoib_emu\0")
    if data:
        info += attr(IFLA_INFO_DATA | NLA_F_NESTED, data)
    return attr(IFLA_LINKINFO | NLA_F_NESTED, info)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("add", "set", "show"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    cmd, name = argv[1], argv[2]
    ifname = attr(IFLA_IFNAME, name.encode() + b"\0")
    if cmd == "show":
        reply = request(RTM_GETLINK, 0, ifinfo() + ifname)
        attrs = parse_attrs(reply[16:])
        info = parse_attrs(attrs.get(IFLA_LINKINFO, b""))
        if info.get(IFLA_INFO_KIND, b"").rstrip(b"\0") != b"ipoib_emu":
            raise SystemExit("ipoib_emu_link: %s is not an ipoib_emu device" % name)
        d = parse_attrs(info.get(IFLA_INFO_DATA, b""))
        mode = struct.unpack("=H", d[IFLA_IPOIB_EMU_MODE][:2])[0]
        out = "fabric %u mode %s umtu %u pkey 0x%04x qpn 0x%06x" % (
            struct.unpack("=I", d[IFLA_IPOIB_EMU_FABRIC][:4])[0],
            "connected" if mode == 1 else "datagram",
            struct.unpack("=I", d[IFLA_IPOIB_EMU_UMTU][:4])[0],
            struct.unpack("=H", d[IFLA_IPOIB_EMU_PKEY][:2])[0],
            struct.unpack("=I", d[IFLA_IPOIB_EMU_QPN][:4])[0])
        if IFLA_IPOIB_EMU_COST_MODEL in d:
            cm = d[IFLA_IPOIB_EMU_COST_MODEL][0]
            names = {v: k for k, v in COST_MODELS.items()}
            out += " cost_model %s" % names.get(cm, str(cm))
        print(out)
        return 0
    data, extra = parse_args(argv[3:])
    if cmd == "add":
        request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                ifinfo() + ifname + extra + linkinfo(data))
    else:
        request(RTM_NEWLINK, 0, ifinfo() + ifname + extra + linkinfo(data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
