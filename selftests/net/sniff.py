#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the addresses of received IPv4 packets of one protocol.

  sniff.py [-i DEV] [-v] PROTO COUNT TIMEOUT

PROTO is a number or ipip/icmp/udp/tcp/esp.  A raw socket gets a copy of
each packet before the protocol handler runs; unlike tcpdump it needs no
packet timestamps, so it flips no static keys while traffic flows.  One
line per packet: "SRC > DST" and, for IPIP, ": INNER_SRC > INNER_DST", for
ESP, ": esp spi 0xSPI".  Exits 1 if fewer than COUNT packets arrived within
TIMEOUT seconds.

With -i DEV it reads what arrives on DEV with a packet socket instead
(IPv4 packets of PROTO received there, whether delivered locally or
forwarded), and adds the IPv4 protocol number: "SRC > DST proto N".

With -v each line ends with the (outer) header's TTL, TOS and DF bit:
" ttl N tos 0xNN df" (or "nodf").
"""

import socket
import struct
import sys
import time

PROTOS = {"icmp": 1, "ipip": 4, "tcp": 6, "udp": 17, "esp": 50}


def addrs(pkt):
    return socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20])


ETH_P_IP = 0x0800
PACKET_OUTGOING = 4


def open_dev(dev):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                         socket.htons(ETH_P_IP))
    sock.bind((dev, ETH_P_IP))
    return sock


def main():
    args = sys.argv[1:]
    dev = None
    if args[0] == "-i":
        dev, args = args[1], args[2:]
    verbose = args[0] == "-v"
    if verbose:
        args = args[1:]
    proto = PROTOS.get(args[0]) or int(args[0])
    count, timeout = int(args[1]), float(args[2])
    if dev:
        sock = open_dev(dev)
    else:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    end = time.monotonic() + timeout
    seen = 0
    print("listening", flush=True)
    while seen < count:
        left = end - time.monotonic()
        if left <= 0:
            return 1
        sock.settimeout(left)
        try:
            pkt, where = sock.recvfrom(65535)
        except socket.timeout:
            return 1
        if dev and (where[2] == PACKET_OUTGOING or pkt[9] != proto):
            continue
        src, dst = addrs(pkt)
        line = "%s > %s" % (src, dst)
        if dev:
            line += " proto %d" % pkt[9]
        ihl = (pkt[0] & 15) * 4
        if proto == 4:
            line += ": %s > %s" % addrs(pkt[ihl:])
        elif proto == 50:
            line += ": esp spi 0x%x" % struct.unpack_from("!I", pkt, ihl)[0]
        if verbose:
            line += " ttl %d tos 0x%02x %s" % (
                pkt[8], pkt[1], "df" if pkt[6] & 0x40 else "nodf")
        print(line, flush=True)
        seen += 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
