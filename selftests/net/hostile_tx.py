#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Inject crafted IPIP packets into a fan host and check what became of them.

  hostile_tx.py [options] KIND...

The packets leave the attacker's underlay device through a packet socket
(SOCK_RAW, link-layer header built here, so every byte from the outer IP
header on is ours: truncated and malformed headers reach the victim as
they are).  For each packet the expected fate is worked out here, from a
model of what ip_rcv(), tunnel4 and the fan's receive path do:

  outer   the IP layer drops it before any tunnel handler (an IP MIB
          counter of the victim rises: InHdrErrors, InCsumErrors, ...)
  ignore  not the fan's: no fan counter moves, nothing is decapsulated
  drop R  the fan drops it and counts it under reason R (ethtool -S)
  decap   the fan decapsulates it (ftun0 rx_packets); then it is either
          delivered to the container or dropped by the victim's IP layer
          (an IP MIB counter) as ipip's packets would be

After each kind a canary (a legitimate echo request from a container of
the attacker's slice) goes the same way; once its reply comes back every
earlier packet has been handled (one CPU, FIFO queues), and the deltas of
the victim's counters must match the expectation exactly: every fan
counter, ftun0 rx_packets, the IP MIB counters named, and the IPv4 packets
the container received.  One line per check; exit 1 on any mismatch.

Namespaces are entered with setns(2), so one process sees the victim's
counters, the container's eth0 and the attacker's underlay at once.
"""

import argparse
import ctypes
import ipaddress
import os
import random
import socket
import struct
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fan_nl  # noqa: E402  (attr, nest, map_attr, parse_attrs, constants)

CLONE_NEWNET = 0x40000000
ETH_P_ALL, ETH_P_IP = 0x0003, 0x0800
ARPHRD_ETHER, ARPHRD_INFINIBAND = 1, 32
PACKET_IGNORE_OUTGOING = 23
SOL_PACKET = 263
IFLA_ADDRESS, IFLA_STATS64 = 1, 23
NLMSG_DONE = 3
IPPROTO_IPIP = 4
IP_MF, IP_DF = 0x2000, 0x4000
ICMP_ECHOREPLY, ICMP_ECHO, ICMP_TIME_EXCEEDED = 0, 8, 11
CANARY_ICMP_ID = 0xfa17
MARK = b"fan-hostile "

LIBC = ctypes.CDLL(None, use_errno=True)


def enter(ns):
    fd = os.open("/run/netns/" + ns, os.O_RDONLY)
    try:
        if LIBC.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, "setns %s: %s" % (ns, os.strerror(err)))
    finally:
        os.close(fd)


def a2b(text):
    return socket.inet_aton(text)


def b2i(raw):
    return struct.unpack("!I", raw)[0]


def i2b(val):
    return struct.pack("!I", val & 0xffffffff)


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def iphdr(src, dst, proto, plen, ttl=64, tos=0, ident=0, frag=0,
          opts=b"", ver=4, ihl=None, tot=None, check=None):
    """An IPv4 header; every field may be made wrong on purpose."""
    hlen = 20 + len(opts)
    if ihl is None:
        ihl = hlen // 4
    if tot is None:
        tot = hlen + plen
    h = struct.pack("!BBHHHBBH4s4s", (ver << 4) | (ihl & 15), tos,
                    tot & 0xffff, ident, frag, ttl, proto, 0, src, dst) + opts
    if check is None:
        check = cksum(h)
    return h[:10] + struct.pack("!H", check) + h[12:]


def icmp(itype, ident, seq, data=b""):
    msg = struct.pack("!BBHHH", itype, 0, 0, ident, seq) + data
    return msg[:2] + struct.pack("!H", cksum(msg)) + msg[4:]


class Fan:
    """The victim's map set, with the fan's math (include/fan/fan_map.h)."""

    def __init__(self, maps, strict=True):
        self.maps = [(ipaddress.IPv4Network(o), ipaddress.IPv4Network(u))
                     for o, u in maps]
        self.strict = strict

    @staticmethod
    def within(net, addr):
        return ipaddress.IPv4Address(addr) in net

    def find(self, idst):
        for o, u in self.maps:
            if self.within(o, idst):
                return o, u
        return None

    @staticmethod
    def slice_of(o, u, host):
        hbits = 32 - u.prefixlen
        slen = o.prefixlen + hbits
        part = b2i(host) & ((1 << hbits) - 1)
        base = int(o.network_address) | (part << (32 - slen))
        return ipaddress.IPv4Network((base, slen))

    @staticmethod
    def host_ok(u, host):
        part = b2i(host) & ((1 << (32 - u.prefixlen)) - 1)
        return part not in (0, (1 << (32 - u.prefixlen)) - 1)

    @staticmethod
    def underlay_of(o, u, dst):
        shift = u.prefixlen - o.prefixlen
        low = b2i(dst) & ((1 << (32 - o.prefixlen)) - 1)
        return i2b(int(u.network_address) | (low >> shift))

    def owned(self, osrc, isrc):
        for o, u in self.maps:
            if not self.within(u, osrc) or not self.host_ok(u, osrc):
                continue
            if self.within(self.slice_of(o, u, osrc), isrc):
                return True
        return False

    def verdict(self, outer, inner):
        """What the fan does with a well-formed outer header and INNER:
        "ignore", "decap" or the name of the drop counter."""
        osrc, odst, otos = outer[12:16], outer[16:20], outer[1]
        if len(inner) < 20:
            return "ignore"         # tunnel4: pskb_may_pull(20) fails
        idst, isrc = inner[16:20], inner[12:16]
        m = self.find(idst)
        if m is None or not self.within(m[1], osrc):
            return "ignore"         # next handler (ipip.ko, tunnel4)
        o, u = m
        ver, ihl = inner[0] >> 4, inner[0] & 15
        if ver != 4 or ihl < 5 or len(inner) < ihl * 4:
            return "rx_malformed"
        tot = struct.unpack("!H", inner[2:4])[0]
        if tot < ihl * 4 or tot > len(inner):
            return "rx_malformed"
        cpart = b2i(idst) & ((1 << (32 - o.prefixlen - (32 - u.prefixlen))) - 1)
        cbits = 32 - o.prefixlen - (32 - u.prefixlen)
        if (ipaddress.IPv4Address(idst).is_multicast or
                idst == b"\xff\xff\xff\xff" or cpart == (1 << cbits) - 1 or
                self.underlay_of(o, u, idst) != odst):
            return "rx_bad_dst"
        if self.strict and not self.owned(osrc, isrc):
            return "rx_spoofed"
        if otos & 3 == 3 and inner[1] & 3 == 0:
            return "rx_ecn"         # CE on the outside, not-ECT inside
        return "decap"


class Netlink:
    """RTM_GETLINK / changelink on one persistent NETLINK_ROUTE socket."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.sock.setsockopt(fan_nl.SOL_NETLINK, fan_nl.NETLINK_EXT_ACK, 1)
        self.seq = 0

    def request(self, mtype, flags, ifname, payload=b""):
        self.seq += 1
        body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0)
        body += fan_nl.attr(fan_nl.IFLA_IFNAME, ifname.encode() + b"\0")
        body += payload
        hdr = struct.pack("=IHHII", 16 + len(body), mtype,
                          fan_nl.NLM_F_REQUEST | fan_nl.NLM_F_ACK | flags,
                          self.seq, 0)
        self.sock.send(hdr + body)
        replies = []
        while True:
            data = self.sock.recv(65536)
            while data:
                mlen, mt, _, seq, _ = struct.unpack_from("=IHHII", data)
                msg, data = data[16:mlen], data[(mlen + 3) & ~3:]
                if seq != self.seq:
                    continue
                if mt == fan_nl.NLMSG_ERROR:
                    err = -struct.unpack_from("=i", msg)[0]
                    if err:
                        raise OSError(err, "netlink %d on %s: %s" % (
                            mtype, ifname, os.strerror(err)))
                    return replies
                replies.append(msg)

    def link(self, ifname):
        msg = self.request(fan_nl.RTM_GETLINK, 0, ifname)[0]
        hatype = struct.unpack_from("=H", msg, 2)[0]
        return hatype, fan_nl.parse_attrs(msg[16:])

    def counters(self, ifname):
        _, top = self.link(ifname)
        out = {"rx_packets": struct.unpack_from("=Q", top[IFLA_STATS64][0])[0]}
        info = fan_nl.parse_attrs(top[fan_nl.IFLA_LINKINFO][0])
        xs = fan_nl.parse_attrs(info.get(fan_nl.IFLA_INFO_XSTATS, [b""])[0])
        for i, name in enumerate(fan_nl.XSTATS):
            if name:
                out[name] = struct.unpack("=Q", xs[i][0])[0] if i in xs else 0
        return out

    def maps(self, ifname, op, overlay, underlay):
        atype = {"add": fan_nl.IFLA_FAN_MAP_ADD,
                 "del": fan_nl.IFLA_FAN_MAP_DEL}[op]
        data = fan_nl.nest(atype, fan_nl.map_attr(overlay, underlay))
        payload = fan_nl.nest(fan_nl.IFLA_LINKINFO,
                              fan_nl.attr(fan_nl.IFLA_INFO_KIND, b"fan\0"),
                              fan_nl.nest(fan_nl.IFLA_INFO_DATA, data))
        self.request(fan_nl.RTM_NEWLINK, 0, ifname, payload)


class Mib:
    """The victim's /proc/net/snmp and /proc/net/netstat, opened in its
    namespace and re-read later through the same descriptors."""

    def __init__(self):
        self.fds = [os.open("/proc/self/net/" + f, os.O_RDONLY)
                    for f in ("snmp", "netstat")]

    def read(self):
        out = {}
        for fd in self.fds:
            text = b""
            while True:
                chunk = os.pread(fd, 65536, len(text))
                if not chunk:
                    break
                text += chunk
            lines = text.decode().splitlines()
            for head, vals in zip(lines[::2], lines[1::2]):
                sect, names = head.split(":", 1)
                for n, v in zip(names.split(), vals.split(":", 1)[1].split()):
                    out["%s.%s" % (sect, n)] = int(v)
        return out


class Run:
    def __init__(self, args):
        self.a = args
        self.fan = Fan([(args.overlay, args.underlay)])
        self.victim = a2b(args.victim_addr)
        self.me = a2b(args.attacker_addr)
        self.target = a2b(args.container_addr)
        self.friend = a2b(args.friend_addr)
        self.ident = random.randrange(1, 0x8000)
        self.canary_seq = 0
        self.canaries = 0       # canary packets sent (each decapsulated)
        self.failed = False
        self.lines = []
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

        enter(args.victim_ns)
        self.nl = Netlink()
        self.mib = Mib()
        hatype, top = self.nl.link(args.dev)
        self.dst_hw = top[IFLA_ADDRESS][0]
        self.nl.counters(args.fan)      # fails early if ftun0 is missing

        enter(args.container_ns)
        self.c1 = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                socket.htons(ETH_P_IP))
        self.c1.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        self.c1.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.c1.bind(("eth0", ETH_P_IP))

        enter(args.attacker_ns)
        hatype, top = self.nl_local_link(args.dev)
        self.src_hw = top[IFLA_ADDRESS][0]
        self.hatype = hatype
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        self.tx.bind((args.dev, 0))
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                                socket.htons(ETH_P_IP))
        self.rx.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        self.rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
        self.rx.bind((args.dev, ETH_P_IP))
        for s in (self.c1, self.rx):
            s.setblocking(False)

    @staticmethod
    def nl_local_link(ifname):
        return Netlink().link(ifname)

    # ---- sending -------------------------------------------------------

    def l2(self):
        if self.hatype == ARPHRD_INFINIBAND:
            # ipoib's header_ops->create: the 20-byte pseudo header with
            # the destination, then the 4-byte encapsulation header.
            return self.dst_hw + struct.pack("!HH", ETH_P_IP, 0)
        return self.dst_hw + self.src_hw + struct.pack("!H", ETH_P_IP)

    def send_l3(self, data):
        self.tx.send(self.l2() + data)

    def next_id(self):
        self.ident = self.ident % 0xffff + 1
        return self.ident

    def outer(self, inner, src=None, dst=None, ttl=64, tos=0, frag=0,
              ident=None):
        h = iphdr(src or self.me, dst or self.victim, IPPROTO_IPIP,
                  len(inner), ttl=ttl, tos=tos, frag=frag,
                  ident=self.next_id() if ident is None else ident)
        return h + inner

    def inner(self, src=None, dst=None, itype=ICMP_ECHOREPLY, ttl=64, tos=0,
              data=None, **kw):
        """An inner IPv4 ICMP packet; by default an echo reply, which the
        container takes without answering."""
        ident = self.next_id()
        payload = icmp(itype, 0x4242, ident, data if data is not None
                       else MARK + b"%d" % ident)
        return iphdr(src or self.friend, dst or self.target, 1, len(payload),
                     ttl=ttl, tos=tos, ident=ident, **kw) + payload

    # ---- receiving -----------------------------------------------------

    @staticmethod
    def drain(sock):
        pkts = []
        while True:
            try:
                pkts.append(sock.recv(65535))
            except BlockingIOError:
                return pkts

    def canary(self):
        """A legitimate echo request; wait for the container to get it and
        for its reply to come back over the fan.  Returns what the
        container and the attacker's underlay received up to then, minus
        the canary and its reply."""
        self.canary_seq += 1
        seq = self.canary_seq
        req = icmp(ICMP_ECHO, CANARY_ICMP_ID, seq, MARK + b"canary")
        inner = iphdr(self.friend, self.target, 1, len(req)) + req
        got_c1, got_ul = [], []
        seen_req = seen_rep = False
        end = time.monotonic() + 5
        sent = 0
        while time.monotonic() < end and not (seen_req and seen_rep):
            if sent == 0 or (time.monotonic() > end - 2.5 and sent == 1):
                self.send_l3(self.outer(inner))
                self.canaries += 1
                sent += 1
            time.sleep(0.02)
            for p in self.drain(self.c1):
                if is_canary(p, ICMP_ECHO, seq):
                    seen_req = True
                else:
                    got_c1.append(p)
            for p in self.drain(self.rx):
                ip_in = ipip_inner(p)
                if ip_in and is_canary(ip_in, ICMP_ECHOREPLY, seq):
                    seen_rep = True
                else:
                    got_ul.append(p)
        if not (seen_req and seen_rep):
            self.check("canary %d: container got it, reply came back" % seq,
                       "yes yes", "%s %s" % ("yes" if seen_req else "no",
                                             "yes" if seen_rep else "no"))
        time.sleep(0.05)
        got_c1 += [p for p in self.drain(self.c1)
                   if not is_canary(p, ICMP_ECHO, seq)]
        got_ul += [p for p in self.drain(self.rx)
                   if not is_canary(ipip_inner(p) or b"", ICMP_ECHOREPLY, seq)]
        return got_c1, got_ul

    # ---- checking ------------------------------------------------------

    def say(self, line):
        self.lines.append(line)

    def check(self, what, want, got):
        ok = want == got
        self.say("  %-52s want %-6s got %-6s%s" % (
            what, want, got, "" if ok else "  <-- MISMATCH"))
        if not ok:
            self.failed = True

    def snapshot(self):
        return self.nl.counters(self.a.fan), self.mib.read()

    def run_kind(self, kind):
        """Send a kind's packets and compare the counters' deltas with the
        fates predicted for them."""
        fn = getattr(self, "kind_" + kind)
        self.lines = []
        self.canary()
        before = self.snapshot()
        plan = fn()             # sends; returns the expectation
        canaries = self.canaries
        c1, ul = self.canary()
        after = self.snapshot()
        # The closing canary was decapsulated too.
        plan["decap"] = plan.get("decap", 0) + self.canaries - canaries
        total = plan.pop("sent")
        notes = plan.pop("notes", "")
        print("%s: %d packets%s" % (kind, total, notes and " (%s)" % notes))
        for line in self.lines:
            print(line)
        self.lines = []
        fan_b, mib_b = before
        fan_a, mib_a = after
        quiet = []
        for name in fan_nl.XSTATS:
            if not name:
                continue
            want, got = plan.get(name, 0), fan_a[name] - fan_b[name]
            if want == got == 0:
                quiet.append(name)
            else:
                self.check("fan " + name, want, got)
        self.say("  fan %s: +0 as expected" % " ".join(quiet))
        self.check("fan rx_packets (decapsulated, with the canary)",
                   plan.get("decap", 0),
                   fan_a["rx_packets"] - fan_b["rx_packets"])
        for name, want in sorted(plan.get("mib", {}).items()):
            self.check(name, want, mib_a.get(name, 0) - mib_b.get(name, 0))
        self.check("IPv4 packets the container received",
                   plan.get("deliver", 0), len(c1))
        if len(c1) != plan.get("deliver", 0):
            for p in c1[:10]:
                self.say("    container got: %s" % describe(p))
        check_ul = plan.get("check_ul")
        if check_ul:
            check_ul(ul)
        return not self.failed

    def expect(self, plan, outer, inner):
        """Send OUTER+INNER; add the fan's verdict to PLAN."""
        v = self.fan.verdict(outer, inner)
        if v == "decap":
            plan["decap"] = plan.get("decap", 0) + 1
        elif v != "ignore":
            plan[v] = plan.get(v, 0) + 1
        plan["sent"] = plan.get("sent", 0) + 1
        self.send_l3(outer + inner)
        return v

    def send_inner(self, plan, inner, **kw):
        o = self.outer(inner, **kw)
        return self.expect(plan, o[:20], o[20:])

    # ---- the kinds -----------------------------------------------------

    def kind_outer_trunc(self):
        """Broken outer headers: ip_rcv() drops them, the fan never sees
        them (as for any protocol)."""
        plan = {"sent": 0}
        hdr, trunc, csum = 0, 0, 0
        good = self.outer(self.inner())
        for n in range(1, 20):                  # shorter than a header
            self.send_l3(good[:n])
            hdr += 1
        for ver in range(16):                   # not IPv4
            if ver != 4:
                self.send_l3(bytes([ver << 4 | 5]) + good[1:])
                hdr += 1
        for ihl in range(5):                    # IHL < 5
            h = iphdr(self.me, self.victim, 4, len(good) - 20, ihl=ihl)
            self.send_l3(h + good[20:])
            hdr += 1
        for ihl in range(6, 16):                # IHL past the packet end
            h = iphdr(self.me, self.victim, 4, 0, ihl=ihl, tot=20)
            self.send_l3(h)
            hdr += 1
        for tot in range(0, 20, 3):             # total length < IHL
            h = iphdr(self.me, self.victim, 4, 0, tot=tot)
            self.send_l3(h + good[20:])
            hdr += 1
        for extra in (1, 2, 7, 100, 65535 - len(good)):   # longer than sent
            h = iphdr(self.me, self.victim, 4, len(good) - 20 + extra)
            self.send_l3(h + good[20:])
            trunc += 1
        for flip in (1, 0x100, 0x8000, 0xffff):  # bad header checksum
            h = iphdr(self.me, self.victim, 4, len(good) - 20)
            c = struct.unpack("!H", h[10:12])[0] ^ flip
            if flip == 0xffff and c in (0, 0xffff):
                c = 0x1234
            self.send_l3(h[:10] + struct.pack("!H", c) + h[12:] + good[20:])
            csum += 1
        plan["sent"] = hdr + trunc + csum
        plan["mib"] = {"Ip.InHdrErrors": hdr + csum,
                       "IpExt.InTruncatedPkts": trunc,
                       "IpExt.InCsumErrors": csum}
        plan["notes"] = "%d bad header, %d truncated, %d bad checksum" % (
            hdr, trunc, csum)
        return plan

    def kind_inner_trunc(self):
        """Truncated inner headers and inner lengths that lie."""
        plan = {}
        full = self.inner()
        for n in range(0, 20):                  # tunnel4 drops: < 20 bytes
            self.send_inner(plan, full[:n])
        for ihl in range(6, 16):                # options past the end
            h = iphdr(self.friend, self.target, 1, 0, ihl=ihl, tot=20)
            self.send_inner(plan, h)
        body = full[20:]
        for tot in list(range(0, 20)) + [len(full) + 1, len(full) + 8,
                                         1500, 65535]:
            h = iphdr(self.friend, self.target, 1, 0, tot=tot)
            self.send_inner(plan, h + body)
        return plan

    def kind_bad_ihl(self):
        """Every IHL: < 5 is malformed; 6..15 with broken options is
        decapsulated (the fan, like ipip, leaves options to IP) and then
        dropped by IP input; 6..15 with NOP options is delivered."""
        plan = {"mib": {"Ip.InHdrErrors": 0}}
        payload = icmp(ICMP_ECHOREPLY, 0x4242, 1, MARK + b"ihl")
        for ihl in range(0, 5):
            for tot in (ihl * 4, 20, 20 + len(payload)):
                h = iphdr(self.friend, self.target, 1, len(payload), ihl=ihl,
                          tot=tot, ident=self.next_id())
                self.send_inner(plan, h + payload)
        for ihl in range(6, 16):
            # Record route with length 1: ip_options_compile() fails.
            opts = bytes([7, 1]) + b"\0" * ((ihl - 5) * 4 - 2)
            h = iphdr(self.friend, self.target, 1, len(payload), opts=opts,
                      ident=self.next_id())
            if self.send_inner(plan, h + payload) == "decap":
                plan["mib"]["Ip.InHdrErrors"] += 1
        for ihl in range(6, 16):
            opts = b"\x01" * ((ihl - 5) * 4 - 1) + b"\0"
            h = iphdr(self.friend, self.target, 1, len(payload), opts=opts,
                      ident=self.next_id())
            if self.send_inner(plan, h + payload) == "decap":
                plan["deliver"] = plan.get("deliver", 0) + 1
        return plan

    def kind_not_ipv4(self):
        """Inner version != 4 (the bytes where an IPv4 destination would
        be point into the overlay, so the fan does look at them)."""
        plan = {}
        good = self.inner()
        for ver in range(16):
            if ver == 4:
                continue
            for ihl in (5, 6, 15):
                self.send_inner(plan, bytes([ver << 4 | ihl]) + good[1:])
        # IPv6 headers: source bytes 8..11 = an overlay address: claimed
        # and malformed; otherwise not the fan's.
        for tail in (self.target, a2b("250.9.200.7"), a2b("192.0.2.1"),
                     a2b("0.0.0.0")):
            v6 = struct.pack("!IHBB", 6 << 28, 8, 58, 64)
            v6 += b"\x20\x01\x0d\xb8" * 2 + tail + b"\0\0\0\1"
            v6 += b"\xfe\x80" + b"\0" * 13 + b"\1"
            v6 += struct.pack("!BBHHH", 128, 0, 0, 1, 1)
            self.send_inner(plan, v6)
        return plan

    def kind_fragments(self):
        """Inner fragments are not the fan's business: like ipip it
        decapsulates them and the container reassembles (and answers).
        Broken fragment trains are forwarded too, and the container's
        reassembly throws them away."""
        plan = {"deliver": 0}
        datagrams = 0
        for size, parts in ((64, 2), (200, 3), (400, 4), (1000, 2),
                            (1200, 5), (96, 12)):
            ident = self.next_id()
            req = icmp(ICMP_ECHO, CANARY_ICMP_ID + 1, ident,
                       (MARK * 200)[:size])
            step = max(8, (len(req) // parts) & ~7)
            offs = list(range(0, len(req), step))
            if size == 400:
                offs.reverse()                  # out of order
            for off in offs:
                chunk = req[off:off + step]
                mf = IP_MF if off + step < len(req) else 0
                h = iphdr(self.friend, self.target, 1, len(chunk),
                          ident=ident, frag=mf | off // 8)
                if self.send_inner(plan, h + chunk) == "decap":
                    plan["deliver"] += 1
            datagrams += 1
        # Hostile trains: overlapping, past 64 KiB, only a tail, tiny.
        ident = self.next_id()
        for off, mf, data in ((0, IP_MF, b"A" * 64), (8, 0, b"B" * 64),
                              (8184, 0, b"C" * 80),
                              (100, 0, b"D" * 16),
                              (0, IP_MF, b"E" * 8), (1, IP_MF, b"F" * 8)):
            h = iphdr(self.friend, self.target, 1, len(data), ident=ident,
                      frag=mf | off)
            if self.send_inner(plan, h + data) == "decap":
                plan["deliver"] += 1
        want = datagrams

        def replies(ul):
            n = sum(1 for p in ul if is_echo(ipip_inner(p),
                                              CANARY_ICMP_ID + 1))
            self.check("echo replies to reassembled datagrams", want, n)
        plan["check_ul"] = replies
        plan["notes"] = "%d datagrams in fragments + 6 broken fragments" % (
            datagrams)
        return plan

    def kind_ttl(self):
        """Inner TTL 0 and 1: decapsulated, then the forwarding stack (not
        the fan) drops them and answers time exceeded, back over the fan.
        Outer TTL 0 and 1: the packet is addressed to this host, the TTL
        does not matter, the inner packet is delivered."""
        plan = {"mib": {"Ip.InHdrErrors": 0}, "deliver": 0}
        base = b2i(self.friend) & ~0xff
        for i in range(16):
            # A distinct source each, so the ICMP rate limit per
            # destination does not hide them all.
            src = i2b(base | (100 + i))
            if self.send_inner(plan, self.inner(src=src, ttl=i % 2)) == "decap":
                plan["mib"]["Ip.InHdrErrors"] += 1
        for ttl in (0, 1, 0, 1):
            if self.send_inner(plan, self.inner(), ttl=ttl) == "decap":
                plan["deliver"] += 1

        def exceeded(ul):
            n = sum(1 for p in ul if (ipip_inner(p) or b"\0" * 21)[20:21] ==
                    bytes([ICMP_TIME_EXCEEDED]))
            self.say("  time exceeded messages back over the fan: %d of 16 "
                     "(ICMP rate limits may eat some)" % n)
            self.check("time exceeded came back", True, n >= 1)
        plan["check_ul"] = exceeded
        return plan

    def kind_bad_dst(self):
        """Inner destinations that are not a container of this host: the
        slice broadcast and other hosts' slices (the fan is no relay) are
        dropped as rx_bad_dst; destinations outside every overlay (limited
        broadcast, multicast, loopback, the underlay) are not the fan's
        packets at all."""
        plan = {}
        rnd = random.Random(6)
        t = b2i(self.target)
        dsts = [i2b(t | 0xff)]                  # slice broadcast
        while len(dsts) < 40:                   # other hosts' slices
            d = i2b(0xfa000000 | rnd.randrange(1 << 24))
            if d[1:3] != self.target[1:3]:
                dsts.append(d)
        dsts += [a2b(x) for x in ("250.0.0.1", "250.255.255.1",
                                  "250.3.255.1", "250.255.4.1")]
        dsts += [a2b(x) for x in ("255.255.255.255", "224.0.0.1",
                                  "239.1.2.3", "127.0.0.1", "0.0.0.0",
                                  "10.7.3.4", "10.7.255.255", "251.3.4.2",
                                  "249.255.255.255", "192.0.2.1")]
        for d in dsts:
            self.send_inner(plan, self.inner(dst=d))
        return plan

    def kind_spoofed(self):
        """Inner sources the sending host does not own: rx_spoofed.  Also
        an outer source forged as another fan host together with an inner
        source of that host's slice: accepted, because IPIP carries no
        proof of origin (Documentation/security.rst)."""
        plan = {"deliver": 0}
        rnd = random.Random(7)
        me = b2i(self.friend) & ~0xff
        srcs = [self.target, a2b("250.3.4.1"), a2b("127.0.0.1"),
                a2b("0.0.0.0"), a2b("255.255.255.255"), a2b("10.7.3.4"),
                a2b("10.7.9.200"), a2b("8.8.8.8"), a2b("224.0.0.1"),
                a2b("250.9.201.1"), a2b("250.9.199.255"), a2b("250.0.0.0")]
        while len(srcs) < 48:
            s = i2b(0xfa000000 | rnd.randrange(1 << 24))
            if b2i(s) & ~0xff != me:
                srcs.append(s)
        for s in srcs:
            self.send_inner(plan, self.inner(src=s))
        # Other (pretended) underlay hosts, each with a wrong inner source.
        for _ in range(16):
            host = i2b(0x0a070000 | rnd.randrange(1, 0xfffe))
            if host in (self.victim, self.me):
                continue
            wrong = i2b(b2i(self.friend) ^ 0x00010000)
            self.send_inner(plan, self.inner(src=wrong), src=host)
        # The forged outer source with a matching inner one: delivered.
        for i in range(4):
            host = a2b("10.7.77.%d" % (10 + i))
            src = a2b("250.77.%d.9" % (10 + i))
            if self.send_inner(plan, self.inner(src=src),
                               src=host) == "decap":
                plan["deliver"] += 1
        plan["notes"] = "last 4: forged outer source, accepted by design"
        return plan

    def kind_foreign(self):
        """Outer sources outside the underlay: never the fan's packets (IP
        drops martians; tunnel4 or ipip.ko take the rest)."""
        plan = {}
        rnd = random.Random(8)
        srcs = [a2b(x) for x in ("10.8.0.1", "10.6.255.254", "192.0.2.1",
                                 "172.16.0.1", "0.0.0.0", "127.0.0.1",
                                 "224.0.0.1", "255.255.255.255", "250.3.4.9")]
        while len(srcs) < 32:
            s = i2b(rnd.randrange(1 << 32))
            if s[:2] != self.victim[:2]:
                srcs.append(s)
        for s in srcs:
            self.send_inner(plan, self.inner(), src=s)
        return plan

    def kind_ecn(self):
        """Outer CE over a not-ECT inner packet cannot be passed on:
        rx_ecn.  Outer ECT over not-ECT, and CE over ECT, are delivered
        (the latter with CE copied inside)."""
        plan = {"deliver": 0}
        for otos, itos in ((3, 0), (3, 0x10), (0xbb, 0xb8), (3, 4),
                           (1, 0), (2, 0), (2, 0x10),
                           (3, 1), (3, 2), (3, 3), (0, 2)):
            if self.send_inner(plan, self.inner(tos=itos),
                               tos=otos) == "decap":
                plan["deliver"] += 1
        return plan

    def kind_outer_fragments(self):
        """IPIP sent in outer fragments: the host reassembles them before
        the fan sees them (a non-linear skb), in order or not."""
        plan = {"deliver": 0}
        n = 0
        for first, rev in ((8, False), (16, False), (24, True), (48, False),
                           (8, True), (504, False)):
            inner = self.inner(data=MARK * 60)
            ident = self.next_id()
            cut = [0, first] + list(range(first + 256, len(inner), 256))
            pieces = []
            for i, off in enumerate(cut):
                end = cut[i + 1] if i + 1 < len(cut) else len(inner)
                mf = IP_MF if end < len(inner) else 0
                h = iphdr(self.me, self.victim, IPPROTO_IPIP, end - off,
                          ident=ident, frag=mf | off // 8)
                pieces.append(h + inner[off:end])
            if rev:
                pieces.reverse()
            for p in pieces:
                self.send_l3(p)
            plan["sent"] = plan.get("sent", 0) + len(pieces)
            v = self.fan.verdict(pieces[0][:20], inner)
            if v == "decap":
                plan["decap"] = plan.get("decap", 0) + 1
                plan["deliver"] += 1
            n += 1
        plan["mib"] = {"Ip.ReasmOKs": n}
        plan["notes"] = "%d datagrams" % n
        return plan

    def kind_garbage(self):
        """Random inner headers: the fate of each is predicted by the
        model of the fan's checks, and must match counter for counter.
        Inner checksums are wrong on purpose, so whatever the fan passes
        is dropped by IP input."""
        plan = {"mib": {"IpExt.InCsumErrors": 0}}
        rnd = random.Random(int(self.a.seed))
        overlay_hosts = [self.target, i2b(b2i(self.target) | 0xff),
                         a2b("250.9.200.7")]
        for i in range(400):
            n = rnd.choice((rnd.randrange(0, 20), rnd.randrange(20, 28),
                            rnd.randrange(20, 120)))
            b = bytearray(rnd.randbytes(n))
            if n >= 20:
                r = rnd.random()
                if r < 0.7:
                    b[16:20] = rnd.choice(overlay_hosts)
                if r < 0.5:
                    b[0] = 0x40 | rnd.choice((5, 5, 5, rnd.randrange(16)))
                    b[2:4] = struct.pack("!H", rnd.choice(
                        (n, n, rnd.randrange(0, n + 4), rnd.randrange(65536))))
                if r < 0.3:
                    b[12:16] = rnd.choice((self.friend, self.target,
                                           rnd.randbytes(4)))
                ihl = (b[0] & 15) * 4
                if b[0] >> 4 == 4 and ihl >= 20 and n >= ihl:
                    b[10:12] = b"\0\0"
                    c = cksum(bytes(b[:ihl])) ^ 1
                    b[10:12] = struct.pack("!H", c)
            o = self.outer(bytes(b))
            if self.expect(plan, o[:20], o[20:]) == "decap":
                plan["mib"]["IpExt.InCsumErrors"] += 1
        plan["notes"] = "seed %s" % self.a.seed
        return plan

    def kind_removed_map(self):
        """A second map (251.0.0.0/8 over the same underlay) is added:
        packets to the victim's slice of it are delivered.  The map is
        removed and the same packets, sent right after the kernel's
        answer, are not the fan's any more."""
        o2, u2 = "251.0.0.0/8", self.a.underlay
        dst = i2b(b2i(self.target) + 0x01000000)
        src = i2b(b2i(self.friend) + 0x01000000)
        self.nl.maps(self.a.fan, "add", o2, u2)
        self.fan.maps.append((ipaddress.IPv4Network(o2),
                              ipaddress.IPv4Network(u2)))
        plan = {"deliver": 0}
        for _ in range(16):
            if self.send_inner(plan, self.inner(src=src, dst=dst)) == "decap":
                plan["deliver"] += 1
        self.nl.maps(self.a.fan, "del", o2, u2)
        self.fan.maps.pop()
        for _ in range(32):
            self.send_inner(plan, self.inner(src=src, dst=dst))
        plan["notes"] = "16 while the map exists, 32 after its removal"
        return plan


def ipip_inner(pkt):
    if len(pkt) < 40 or pkt[9] != IPPROTO_IPIP:
        return None
    return pkt[(pkt[0] & 15) * 4:]


def is_echo(pkt, ident):
    if not pkt or len(pkt) < 28 or pkt[9] != 1:
        return False
    ihl = (pkt[0] & 15) * 4
    return pkt[ihl] == ICMP_ECHOREPLY and \
        struct.unpack("!H", pkt[ihl + 4:ihl + 6])[0] == ident


def is_canary(pkt, itype, seq):
    if len(pkt) < 28 or pkt[9] != 1:
        return False
    ihl = (pkt[0] & 15) * 4
    t, _, _, ident, s = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
    return t == itype and ident == CANARY_ICMP_ID and s == seq


def describe(pkt):
    if len(pkt) < 20:
        return pkt.hex()
    return "%s > %s proto %d len %d id %d: %s" % (
        socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20]), pkt[9],
        len(pkt), struct.unpack("!H", pkt[4:6])[0], pkt[20:40].hex())


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--victim-ns", required=True)
    p.add_argument("--attacker-ns", required=True)
    p.add_argument("--container-ns", required=True)
    p.add_argument("--dev", default="ul0", help="underlay device (both)")
    p.add_argument("--fan", default="ftun0", help="the victim's fan device")
    p.add_argument("--overlay", default="250.0.0.0/8")
    p.add_argument("--underlay", default="10.7.0.0/16")
    p.add_argument("--victim-addr", default="10.7.3.4")
    p.add_argument("--attacker-addr", default="10.7.9.200")
    p.add_argument("--container-addr", default="250.3.4.2")
    p.add_argument("--friend-addr", default="250.9.200.7",
                   help="a container of the attacker's slice")
    p.add_argument("--seed", default=str(os.getpid()))
    p.add_argument("kinds", nargs="+")
    a = p.parse_args()
    run = Run(a)
    rc = 0
    for k in a.kinds:
        run.failed = False
        try:
            ok = run.run_kind(k)
        except Exception:               # report it, go on with the next
            run.lines.append(traceback.format_exc().rstrip())
            ok = False
        for line in run.lines:
            print(line)
        run.lines = []
        print("%s: %s" % (k, "ok" if ok else "FAIL"), flush=True)
        if not ok:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
