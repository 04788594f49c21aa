#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile RTM_NEWLINK/RTM_DELLINK requests for the "fan" link kind.

  nlfuzz.py fuzz --seed N --count N --time SEC [--min-count N] --dev NAME...
            [--out FILE]
  nlfuzz.py race --seed N --time SEC --dev NAME --keep O/o U/u [--reader]

fuzz: sends up to --count requests (for --time seconds, but at least
--min-count requests however long they take) of the kinds in
CATEGORIES: creates, changelinks and deletes with well-formed and malformed
IFLA_INFO_DATA.  Every request goes through a model of what the kernel must
do with it, built from the bytes sent: the netlink policy (strict, as
fan_validate re-checks it), the map checks and the map-set semantics of
kernel/netlink.c.  A request the model refuses must be refused (errno, and
an extack message when the fan or the policy refused it); one it accepts
must be accepted; after each request the target device is read back with
RTM_GETLINK and must hold exactly the model's state (a refused request
changes nothing).  --dev names fan devices that exist already (fanctl's);
the fuzz creates fz0..fz7 beside them, deletes them at the end and puts the
--dev devices back as they were.  Prints "count CATEGORY TOTAL ACCEPTED
REFUSED MISMATCHES ERRNOS MS_PER_REQUEST" lines and exits 1 on any
mismatch.

race: changelink on --dev in a loop (add, delete and replace maps around
--keep, which is never removed; ttl, tos, strict), as one of several racing
processes; every request must succeed or be refused with EEXIST/ENOENT and
an extack message.  --reader only reads the device back and checks that
--keep is there and no two maps overlap.
"""

import argparse
import errno
import ipaddress
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fan_nl as nl  # noqa: E402

RTM_DELLINK = 17
NLA_F_NET_BYTEORDER = 1 << 14
NLA_TYPE_MASK = 0x3fff
FLAGS_CREATE = 0x400 | 0x200	# NLM_F_CREATE | NLM_F_EXCL

CATEGORIES = ["create", "change", "bad-type", "bad-length", "bad-nest",
              "duplicate", "huge-list", "conflict", "bad-prefix", "link",
              "random", "mutated", "dellink"]

# The policies of kernel/netlink.c: type -> (kind, max value or None).
U8, U32, BE32, NESTED = "u8", "u32", "be32", "nested"
DATA_POLICY = {
    nl.IFLA_FAN_LINK: (U32, None), nl.IFLA_FAN_TTL: (U8, None),
    nl.IFLA_FAN_TOS: (U8, None), nl.IFLA_FAN_PMTUDISC: (U8, 1),
    nl.IFLA_FAN_STRICT: (U8, 1), nl.IFLA_FAN_MAPS: (NESTED, None),
    nl.IFLA_FAN_MAP_ADD: (NESTED, None), nl.IFLA_FAN_MAP_DEL: (NESTED, None),
}
MAP_POLICY = {
    nl.IFLA_FAN_MAP_OVERLAY: (BE32, None),
    nl.IFLA_FAN_MAP_OVERLAY_LEN: (U8, 32),
    nl.IFLA_FAN_MAP_UNDERLAY: (BE32, None),
    nl.IFLA_FAN_MAP_UNDERLAY_LEN: (U8, 32),
    nl.IFLA_FAN_MAP_MODE: (U8, 1),
}
MAP_REQUIRED = (nl.IFLA_FAN_MAP_OVERLAY, nl.IFLA_FAN_MAP_OVERLAY_LEN,
                nl.IFLA_FAN_MAP_UNDERLAY, nl.IFLA_FAN_MAP_UNDERLAY_LEN)
MODE_DIRECT = 1
EXACT_LEN = {U8: 1, U32: 4, BE32: 4}
FAN_MAX_MAPS = 16
PARAMS = ((nl.IFLA_FAN_TTL, "ttl"), (nl.IFLA_FAN_TOS, "tos"),
          (nl.IFLA_FAN_PMTUDISC, "pmtudisc"), (nl.IFLA_FAN_STRICT, "strict"))


class Refused(Exception):
    """The model refuses a request: WHY, and whether extack must say so."""

    def __init__(self, why, extack=True):
        super().__init__(why)
        self.extack = extack


# ---- the map math (include/fan/fan_map.h) ----

def mask(length):
    return (0xffffffff << (32 - length)) & 0xffffffff if length else 0


def map_error(m):
    o, olen, u, ulen = m
    if not 1 <= olen <= 30:
        return "overlay prefix length"
    if not 1 <= ulen <= 30:
        return "underlay prefix length"
    if o & ~mask(olen) & 0xffffffff:
        return "overlay host bits"
    if u & ~mask(ulen) & 0xffffffff:
        return "underlay host bits"
    if olen >= ulen:
        return "overlay not shorter"
    if ulen - olen < 2:
        return "slice too small"
    return None


def overlap(a, b):
    length = min(a[1], b[1])
    return ((a[0] ^ b[0]) & mask(length)) == 0


def overlay_overlaps_underlay(a, b):
    """Does the overlay of map A share an address with B's underlay?"""
    return overlap(a[:2], b[2:])


# fan_overlay_reserved(): no overlay may hold "this network", loopback or
# multicast addresses.
RESERVED = ((0x00000000, 8, "0.0.0.0/8"), (0x7f000000, 8, "127.0.0.0/8"),
            (0xe0000000, 4, "224.0.0.0/4"))


def map_text(m):
    return "%s/%d %s/%d" % (ipaddress.IPv4Address(m[0]), m[1],
                            ipaddress.IPv4Address(m[2]), m[3])


# ---- the model: what the kernel must make of the bytes sent ----

def walk(buf):
    """nla_for_each_attr: [(type with flags, payload)] and what remains."""
    out, off, rem = [], 0, len(buf)
    while rem >= 4:
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or alen > rem:
            break
        out.append((atype, buf[off + 4:off + alen]))
        step = (alen + 3) & ~3
        off += step
        rem -= step
    return out, rem


def strict_parse(buf, policy, where):
    """nla_validate/nla_parse with NL_VALIDATE_STRICT; last one wins."""
    attrs, rem = walk(buf)
    tb = {}
    for atype, payload in attrs:
        t = atype & NLA_TYPE_MASK
        if t not in policy:
            raise Refused("%s: unknown attribute type %d" % (where, t))
        kind, top = policy[t]
        nested = bool(atype & nl.NLA_F_NESTED)
        if kind == NESTED and not nested:
            raise Refused("%s: attribute %d: NLA_F_NESTED missing" % (where, t))
        if kind != NESTED and nested:
            raise Refused("%s: attribute %d: NLA_F_NESTED not expected" % (where, t))
        if kind in EXACT_LEN and len(payload) != EXACT_LEN[kind]:
            raise Refused("%s: attribute %d: length %d" % (where, t, len(payload)))
        if kind == NESTED and 0 < len(payload) < 4:
            raise Refused("%s: attribute %d: nest of %d bytes" % (where, t, len(payload)))
        if top is not None and payload[0] > top:
            raise Refused("%s: attribute %d: %d out of range" % (where, t, payload[0]))
        tb[t] = payload
    if rem > 0:
        raise Refused("%s: %d trailing bytes" % (where, rem))
    return tb


def parse_map_list(buf, where, modes=None):
    """fan_parse_map_list(); the maps' modes (if sent) go into MODES."""
    attrs, rem = walk(buf)
    maps = []
    for atype, payload in attrs:
        if atype & NLA_TYPE_MASK != nl.IFLA_FAN_MAP:
            raise Refused("%s: element of type %d" % (where, atype & NLA_TYPE_MASK))
        if len(maps) == FAN_MAX_MAPS:
            raise Refused("%s: more than %d maps" % (where, FAN_MAX_MAPS))
        if not atype & nl.NLA_F_NESTED:
            raise Refused("%s: map without NLA_F_NESTED" % where)
        tb = strict_parse(payload, MAP_POLICY, where + " map")
        if any(t not in tb for t in MAP_REQUIRED):
            raise Refused("%s: map lacks attributes %s" % (where, sorted(set(MAP_REQUIRED) - set(tb))))
        m = (struct.unpack(">I", tb[nl.IFLA_FAN_MAP_OVERLAY])[0],
             tb[nl.IFLA_FAN_MAP_OVERLAY_LEN][0],
             struct.unpack(">I", tb[nl.IFLA_FAN_MAP_UNDERLAY])[0],
             tb[nl.IFLA_FAN_MAP_UNDERLAY_LEN][0])
        err = map_error(m)
        if err:
            raise Refused("%s: map %s: %s" % (where, map_text(m), err))
        maps.append(m)
        if modes is not None:
            modes[m] = tb[nl.IFLA_FAN_MAP_MODE][0] if nl.IFLA_FAN_MAP_MODE in tb else 0
    if rem != 0:
        raise Refused("%s: %d bytes left in the list" % (where, rem))
    return maps


LIST_NAMES = {nl.IFLA_FAN_MAPS: "maps", nl.IFLA_FAN_MAP_ADD: "add",
              nl.IFLA_FAN_MAP_DEL: "del"}


def parse_linkinfos(linkinfos):
    """The IFLA_INFO_DATA the kernel uses (None: none), validated."""
    # rtnetlink takes the last IFLA_LINKINFO, and in it the last
    # IFLA_INFO_DATA; every IFLA_INFO_DATA in it must pass the strict policy.
    datas = [p for t, p in walk(linkinfos[-1])[0]
             if t & NLA_TYPE_MASK == nl.IFLA_INFO_DATA]
    if not datas:
        return None
    for i, payload in enumerate(datas):
        if 0 < len(payload) < 4:	# rtnetlink's IFLA_LINKINFO policy: no extack
            raise Refused("IFLA_INFO_DATA of %d bytes" % len(payload), extack=False)
        tb = strict_parse(payload, DATA_POLICY, "data#%d" % i)
    # fan_validate(): a TOS is 1 (inherit) or a DSCP (ECN bits clear).
    if nl.IFLA_FAN_TOS in tb and tb[nl.IFLA_FAN_TOS][0] != 1 and \
            tb[nl.IFLA_FAN_TOS][0] & 3:
        raise Refused("tos %d has ECN bits" % tb[nl.IFLA_FAN_TOS][0])
    # The map lists stay raw: fan_build_set() parses them, after the
    # device-level checks of newlink and changelink.
    lists = {t: tb[t] for t in LIST_NAMES if t in tb}
    return tb, lists


class Dev:
    def __init__(self, name, ifindex, link, params, maps, modes=None):
        self.name, self.ifindex, self.link = name, ifindex, link
        self.params, self.maps = dict(params), list(maps)
        # The maps' modes, where not IPIP.
        self.modes = {m: v for m, v in (modes or {}).items() if v and m in self.maps}

    def state(self):
        return (self.link, tuple(sorted(self.params.items())), tuple(self.maps),
                tuple(sorted(self.modes.items())))

    def copy(self):
        return Dev(self.name, self.ifindex, self.link, self.params, self.maps,
                   self.modes)


def build_set(cur, lists, modes):
    """fan_build_set(): the new map list, or None if maps do not change.
    Each list is parsed where the kernel parses it, in this order: MAPS,
    DEL (then applied), ADD; the modes of MAPS and ADD go into MODES."""
    if not lists:
        return None if cur is not None else []
    if nl.IFLA_FAN_MAPS in lists:
        work = parse_map_list(lists[nl.IFLA_FAN_MAPS], "maps", modes)
    else:
        work = list(cur or [])
    if nl.IFLA_FAN_MAP_DEL in lists:
        for m in parse_map_list(lists[nl.IFLA_FAN_MAP_DEL], "del"):
            if m not in work:
                raise Refused("map to delete not found: " + map_text(m))
            i = work.index(m)
            work[i] = work[-1]
            work.pop()
    if nl.IFLA_FAN_MAP_ADD in lists:
        for m in parse_map_list(lists[nl.IFLA_FAN_MAP_ADD], "add", modes):
            if m in work:
                raise Refused("map already exists: " + map_text(m))
            work.append(m)
    if len(work) > FAN_MAX_MAPS:
        raise Refused("%d maps" % len(work))
    # fan_map_set_check()
    for i, a in enumerate(work):
        for r, rlen, text in RESERVED:
            if overlap(a[:2], (r, rlen)):
                raise Refused("overlay %s overlaps %s" % (map_text(a), text))
        for j, b in enumerate(work):
            if overlay_overlaps_underlay(a, b):
                raise Refused("overlay of %s overlaps the underlay of %s" % (
                    map_text(a), map_text(b)))
            if j < i and overlap(a, b):
                raise Refused("overlapping overlays %s, %s" % (map_text(a), map_text(b)))
    return work


def on_link(m, addrs):
    """Is underlay prefix of M inside the subnet of one of ADDRS?"""
    return any(plen <= m[3] and ((a ^ m[2]) & mask(plen)) == 0
               for a, plen in addrs)


class Model:
    def __init__(self, devs, addrs=None):
        self.devs = {d.name: d for d in devs}
        self.addrs = addrs or {}	# ifindex -> [(address, prefix length)]

    def check_direct(self, dev, modes):
        """fan_map_set_check_direct()."""
        for m in dev.maps:
            if modes.get(m) != MODE_DIRECT:
                continue
            if not dev.link:
                raise Refused("direct map %s without a link" % map_text(m))
            if not on_link(m, self.addrs.get(dev.link, [])):
                raise Refused("direct map %s not on-link" % map_text(m))

    def check_net(self, maps, self_name):
        for other in self.devs.values():
            if other.name == self_name:
                continue
            for a in maps:
                for b in other.maps:
                    if overlap(a, b):
                        raise Refused("overlaps %s of %s" % (map_text(b), other.name))
                    if overlay_overlaps_underlay(a, b) or \
                            overlay_overlaps_underlay(b, a):
                        raise Refused("%s and %s of %s: an overlay overlaps an underlay" % (
                            map_text(a), map_text(b), other.name))

    def newlink(self, name, linkinfos, create, ifindexes):
        """Returns the device's new state (a Dev) or raises Refused."""
        parsed = parse_linkinfos(linkinfos) if linkinfos else None
        tb, lists = parsed if parsed else ({}, {})
        modes = {}
        if create:
            if name in self.devs:
                raise Refused("device exists", extack=False)
            link = struct.unpack("=I", tb[nl.IFLA_FAN_LINK])[0] \
                if nl.IFLA_FAN_LINK in tb else 0
            if link and link not in ifindexes:
                raise Refused("underlay %d not found" % link)
            if link and any(d.ifindex == link for d in self.devs.values()):
                raise Refused("underlay %d is a fan device" % link)
            dev = Dev(name, None, link,
                      {"ttl": 0, "tos": 1, "pmtudisc": 1, "strict": 1}, [])
            cur = None
        else:
            dev = self.devs[name].copy()
            if parsed is None:	# no IFLA_INFO_DATA: no changelink
                return dev
            if nl.IFLA_FAN_LINK in tb and \
                    struct.unpack("=I", tb[nl.IFLA_FAN_LINK])[0] != dev.link:
                raise Refused("the underlay cannot be changed")
            cur = dev.maps
        maps = build_set(cur, lists, modes)
        if maps is not None:
            self.check_net(maps, name)
            # A map sent in MAPS or ADD has the mode sent; kept ones keep theirs.
            new = {} if nl.IFLA_FAN_MAPS in lists else dict(dev.modes)
            new.update(modes)
            dev.maps = maps
            dev.modes = {m: v for m, v in new.items() if v and m in maps}
            self.check_direct(dev, dev.modes)
        for t, key in PARAMS:
            if t in tb:
                dev.params[key] = tb[t][0]
        return dev


# ---- talking to the kernel ----

def linkinfo(*datas, kind=b"fan\0"):
    return nl.nest(nl.IFLA_LINKINFO, nl.attr(nl.IFLA_INFO_KIND, kind),
                   *(raw_attr(nl.IFLA_INFO_DATA | nl.NLA_F_NESTED, d) for d in datas))


def raw_attr(atype, payload, pad=True):
    out = struct.pack("=HH", 4 + len(payload), atype) + payload
    return out + b"\0" * ((4 - len(payload) % 4) % 4 if pad else 0)


def read_dev(name):
    """(ifindex, Dev) from RTM_GETLINK, or (None, errno)."""
    err, _, replies = nl.request(nl.RTM_GETLINK, 0, name)
    if err:
        return None, err
    for mtype, msg in replies:
        if mtype != 16:		# RTM_NEWLINK
            continue
        ifindex = struct.unpack_from("=BxHiII", msg)[2]
        top = nl.parse_attrs(msg[16:])
        info = nl.parse_attrs(top.get(nl.IFLA_LINKINFO, [b""])[0])
        data = nl.parse_attrs(info.get(nl.IFLA_INFO_DATA, [b""])[0])
        params = {key: data[t][0][0] for t, key in PARAMS if t in data}
        maps = []
        modes = {}
        for m in nl.parse_attrs(data.get(nl.IFLA_FAN_MAPS, [b""])[0]).get(nl.IFLA_FAN_MAP, []):
            f = nl.parse_attrs(m)
            maps.append((struct.unpack(">I", f[nl.IFLA_FAN_MAP_OVERLAY][0])[0],
                         f[nl.IFLA_FAN_MAP_OVERLAY_LEN][0][0],
                         struct.unpack(">I", f[nl.IFLA_FAN_MAP_UNDERLAY][0])[0],
                         f[nl.IFLA_FAN_MAP_UNDERLAY_LEN][0][0]))
            modes[maps[-1]] = f.get(nl.IFLA_FAN_MAP_MODE, [b"\0"])[0][0]
        link = struct.unpack("=I", data[nl.IFLA_FAN_LINK][0])[0] \
            if nl.IFLA_FAN_LINK in data else None
        return ifindex, Dev(name, ifindex, link, params, maps, modes)
    return None, errno.ENODATA


def describe(dev):
    return "link %s %s maps [%s]" % (dev.link, " ".join(
        "%s %s" % kv for kv in sorted(dev.params.items())),
        ", ".join(map_text(m) for m in dev.maps))


def ipv4_addrs():
    """ifindex -> [(address, prefix length)] of this namespace's devices."""
    out = subprocess.run(["ip", "-j", "-4", "addr", "show"], check=True,
                         capture_output=True, text=True).stdout
    addrs = {}
    for link in json.loads(out):
        for a in link.get("addr_info", []):
            addrs.setdefault(link["ifindex"], []).append(
                (int(ipaddress.IPv4Address(a["local"])), a["prefixlen"]))
    return addrs


# ---- generators ----

def pfx(text):
    a, _, length = text.partition("/")
    return int(ipaddress.IPv4Address(a)), int(length)


OVERLAYS = [pfx(p) for p in ("250.0.0.0/8", "251.0.0.0/8", "251.128.0.0/9",
                             "252.0.0.0/8", "240.0.0.0/4", "100.64.0.0/10",
                             "249.0.0.0/8", "253.0.0.0/8", "254.0.0.0/16",
                             "248.0.0.0/6", "10.0.0.0/8")]
UNDERLAYS = [pfx(p) for p in ("10.7.0.0/16", "10.8.0.0/16", "192.0.2.0/24",
                              "172.16.0.0/12", "10.0.0.0/9", "10.7.3.0/26")]


def u8(v):
    return struct.pack("B", v & 0xff)


class Gen:
    def __init__(self, rng, model, ifindexes):
        self.r = rng
        self.model = model
        self.ifindexes = ifindexes

    # building blocks: lists of attribute byte strings
    def map_fields(self, m):
        o, olen, u, ulen = m
        return [nl.attr(nl.IFLA_FAN_MAP_OVERLAY, struct.pack(">I", o)),
                nl.attr(nl.IFLA_FAN_MAP_OVERLAY_LEN, u8(olen)),
                nl.attr(nl.IFLA_FAN_MAP_UNDERLAY, struct.pack(">I", u)),
                nl.attr(nl.IFLA_FAN_MAP_UNDERLAY_LEN, u8(ulen))]

    def map_nest(self, m, fields=None):
        fields = self.map_fields(m) if fields is None else fields
        self.r.shuffle(fields)
        return nl.nest(nl.IFLA_FAN_MAP, *fields)

    def map_list(self, atype, maps):
        return nl.nest(atype, *(self.map_nest(m) for m in maps))

    def pool_map(self):
        if self.r.random() < 0.8:
            return self.r.choice(OVERLAYS) + self.r.choice(UNDERLAYS)
        olen = self.r.randint(1, 28)
        ulen = self.r.randint(olen + 2, 30)
        return (self.r.getrandbits(32) & mask(olen), olen,
                self.r.getrandbits(32) & mask(ulen), ulen)

    def existing_map(self):
        maps = [m for d in self.model.devs.values() for m in d.maps]
        return self.r.choice(maps) if maps else self.pool_map()

    def params(self):
        out = []
        if self.r.random() < 0.4:
            out.append(nl.attr(nl.IFLA_FAN_TTL, u8(self.r.choice([0, 1, 64, 255]))))
        if self.r.random() < 0.4:
            out.append(nl.attr(nl.IFLA_FAN_TOS, u8(self.r.choice([0, 1, 0x10, 0xfc]))))
        if self.r.random() < 0.3:
            out.append(nl.attr(nl.IFLA_FAN_PMTUDISC, u8(self.r.randint(0, 1))))
        if self.r.random() < 0.3:
            out.append(nl.attr(nl.IFLA_FAN_STRICT, u8(self.r.randint(0, 1))))
        return out

    def valid_data(self, target):
        """Well-formed IFLA_INFO_DATA attributes (the model may still refuse)."""
        out = self.params()
        if target is None:
            if self.r.random() < 0.5:
                out.append(nl.attr(nl.IFLA_FAN_LINK, struct.pack("=I", self.ifindexes.get("ul0", 1))))
            if self.r.random() < 0.8:
                out.append(self.map_list(nl.IFLA_FAN_MAPS, [
                    self.pool_map() for _ in range(self.r.randint(0, 2))]))
        else:
            if self.r.random() < 0.2:
                out.append(nl.attr(nl.IFLA_FAN_LINK, struct.pack("=I", target.link)))
            choice = self.r.random()
            if choice < 0.3:
                out.append(self.map_list(nl.IFLA_FAN_MAPS, [
                    self.pool_map() for _ in range(self.r.randint(0, 3))]))
            if 0.2 < choice < 0.7:
                out.append(self.map_list(nl.IFLA_FAN_MAP_ADD, [self.pool_map()]))
            if 0.5 < choice < 0.9:
                dels = [self.r.choice(target.maps)] if target.maps and \
                    self.r.random() < 0.8 else [self.pool_map()]
                out.append(self.map_list(nl.IFLA_FAN_MAP_DEL, dels))
        self.r.shuffle(out)
        return out

    def garbage(self, n=None):
        n = self.r.randint(1, 12) if n is None else n
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def bad_attr(self, kind):
        """One malformed attribute of KIND, for the data or a map."""
        r = self.r
        in_map = r.random() < 0.5
        if kind == "bad-type":
            t = r.choice([0, 9, 10, 31, 0x3fff, r.randint(9, 0x3fff)])
            if in_map:
                t = r.choice([t, 5, 6])
                return "map", nl.attr(t, r.choice([b"", b"\1", b"\0\0\0\1"]))
            if r.random() < 0.3:	# a list element that is not IFLA_FAN_MAP
                m = self.map_nest(self.pool_map())
                wrong = struct.pack("=HH", len(m), r.choice([0, 2, 3, 0x3fff]) | nl.NLA_F_NESTED)
                return "data", nl.nest(nl.IFLA_FAN_MAPS, wrong + m[4:])
            return "data", nl.attr(t, self.garbage(r.choice([0, 1, 4])))
        # bad-length: a known attribute with the wrong payload size
        if in_map:
            t, good = r.choice([(1, 4), (2, 1), (3, 4), (4, 1)])
        else:
            t, good = r.choice([(1, 4), (2, 1), (3, 1), (4, 1), (5, 1)])
        n = r.choice([x for x in range(0, 9) if x != good])
        return ("map" if in_map else "data"), nl.attr(t, bytes(n))

    def with_bad(self, target, where, bad):
        """Valid data with BAD put in the data or in one of its maps."""
        data = self.valid_data(target)
        if where == "data":
            data.insert(self.r.randint(0, len(data)), bad)
            return [data]
        fields = self.map_fields(self.pool_map())
        fields.insert(self.r.randint(0, 4), bad)
        data.append(nl.nest(self.r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD]),
                            nl.nest(nl.IFLA_FAN_MAP, *fields)))
        return [data]

    def bad_nest(self, target):
        r = self.r
        m = self.pool_map()
        fields = self.map_fields(m)
        how = r.randrange(8)
        if how == 0:	# nest without NLA_F_NESTED (list or map)
            inner = b"".join(fields)
            if r.random() < 0.5:
                lst = nl.attr(nl.IFLA_FAN_MAPS, nl.nest(nl.IFLA_FAN_MAP, *fields))
            else:
                lst = nl.nest(nl.IFLA_FAN_MAPS, nl.attr(nl.IFLA_FAN_MAP, inner))
            return [[lst]]
        if how == 1:	# NLA_F_NESTED on a scalar
            t = r.choice([nl.IFLA_FAN_TTL, nl.IFLA_FAN_STRICT])
            return [[nl.attr(t | nl.NLA_F_NESTED, u8(1))]]
        if how == 2:	# a map nest whose length runs past its list
            mp = nl.nest(nl.IFLA_FAN_MAP, *fields)
            longer = struct.pack("=HH", len(mp) + r.choice([4, 8, 100]),
                                 nl.IFLA_FAN_MAP | nl.NLA_F_NESTED) + mp[4:]
            return [[nl.nest(nl.IFLA_FAN_MAPS, longer)]]
        if how == 3:	# a truncated map: its last field cut short
            mp = nl.nest(nl.IFLA_FAN_MAP, *fields)
            cut = mp[:-r.choice([1, 2, 3, 4, 5])]
            cut = struct.pack("=HH", len(cut), nl.IFLA_FAN_MAP | nl.NLA_F_NESTED) + cut[4:]
            return [[nl.nest(nl.IFLA_FAN_MAPS, cut)]]
        if how == 4:	# trailing garbage in the data, a list or a map
            g = self.garbage(r.randint(1, 3))
            where = r.randrange(3)
            if where == 0:
                return [self.valid_data(target) + [g]]
            if where == 1:
                return [[nl.nest(nl.IFLA_FAN_MAPS, self.map_nest(m) + g)]]
            return [[nl.nest(nl.IFLA_FAN_MAPS, nl.nest(nl.IFLA_FAN_MAP, *fields, g))]]
        if how == 5:	# attribute header with nla_len < 4
            hdr = struct.pack("=HH", r.randint(0, 3), r.randint(1, 8)) + self.garbage(4)
            return [self.valid_data(target) + [hdr]]
        if how == 6:	# IFLA_INFO_DATA of 1..3 bytes, or empty
            return [[self.garbage(r.randint(0, 3))]]
        # nested garbage: random bytes inside a list or a map
        g = self.garbage(r.randint(4, 24))
        if r.random() < 0.5:
            return [[nl.nest(r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD,
                                       nl.IFLA_FAN_MAP_DEL]), g)]]
        return [[nl.nest(nl.IFLA_FAN_MAPS, nl.nest(nl.IFLA_FAN_MAP, g))]]

    def duplicate(self, target):
        r = self.r
        how = r.randrange(5)
        if how == 0:	# a parameter twice, different values
            t = r.choice([nl.IFLA_FAN_TTL, nl.IFLA_FAN_TOS, nl.IFLA_FAN_STRICT])
            return [self.valid_data(target) + [nl.attr(t, u8(r.randint(0, 1))),
                                               nl.attr(t, u8(r.randint(0, 1)))]]
        if how == 1:	# a list twice
            t = r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD])
            return [[self.map_list(t, [self.pool_map()]), self.map_list(t, [self.pool_map()])]]
        if how == 2:	# a map field twice
            m, m2 = self.pool_map(), self.pool_map()
            fields = self.map_fields(m) + [r.choice(self.map_fields(m2))]
            return [[nl.nest(nl.IFLA_FAN_MAPS, nl.nest(nl.IFLA_FAN_MAP, *fields))]]
        if how == 3:	# the same map twice in one list
            m = self.pool_map()
            t = r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD, nl.IFLA_FAN_MAP_DEL])
            return [[self.map_list(t, [m, m])]]
        # IFLA_INFO_DATA twice: the kernel uses the last one
        datas = [self.valid_data(target), self.valid_data(target)]
        if r.random() < 0.6:
            bad = nl.attr(r.choice([0, 9, 40]), b"\0\0\0\0") if r.random() < 0.5 \
                else nl.attr(nl.IFLA_FAN_TTL, b"\1\0\0\0")
            datas[r.randrange(2)].append(bad)
        return datas

    def huge(self, target):
        k = self.r.choice([15, 16, 17, 24, 40, 200])
        maps = [((200 + i) << 24, 8, 10 << 24 | 7 << 16, 16) if i < 50 else
                ((200 << 24) | (i << 16), 16, 10 << 24 | 7 << 16, 24) for i in range(k)]
        t = nl.IFLA_FAN_MAPS if target is None or self.r.random() < 0.6 \
            else nl.IFLA_FAN_MAP_ADD
        return [[self.map_list(t, maps)]]

    def conflict(self, target):
        r = self.r
        ex = self.existing_map()
        how = r.randrange(5)
        if how == 0:	# overlapping overlays in one list
            o, olen = r.choice(OVERLAYS)
            sub = (o | (r.getrandbits(32) & ~mask(olen) & mask(olen + 1)), olen + 1)
            return [[self.map_list(nl.IFLA_FAN_MAPS, [(o, olen) + (10 << 24 | 7 << 16, 16),
                                                      sub + (10 << 24 | 8 << 16, 16)])]]
        if how == 1:	# another device's overlay, or one around it
            olen = max(1, ex[1] - r.randint(0, 2))
            m = (ex[0] & mask(olen), olen, 10 << 24 | 9 << 16, 16)
            return [[self.map_list(r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD]), [m])]]
        if how == 2 and target is not None and target.maps:	# add what is there
            return [[self.map_list(nl.IFLA_FAN_MAP_ADD, [r.choice(target.maps)])]]
        if how == 3:	# delete what is not there
            return [[self.map_list(nl.IFLA_FAN_MAP_DEL, [self.pool_map()])]]
        # replace and add an overlapping one in the same request
        m = self.pool_map()
        return [[self.map_list(nl.IFLA_FAN_MAPS, [m]),
                 self.map_list(nl.IFLA_FAN_MAP_ADD, [(m[0], m[1], 10 << 24 | 9 << 16, 16)])]]

    def bad_prefix(self, target):
        r = self.r
        o, olen, u, ulen = self.pool_map()
        how = r.randrange(6)
        if how == 0:
            o |= 1 << r.randrange(32 - olen)		# host bits
        elif how == 1:
            u |= 1 << r.randrange(32 - ulen)
        elif how == 2:
            olen = r.choice([0, 31, 32, 33, 64, 255])
        elif how == 3:
            ulen = r.choice([0, 31, 32, 33, 128, 255])
        elif how == 4:
            olen, ulen = ulen, olen			# overlay not shorter
        else:
            ulen = min(olen + 1, 30)		# slice too small
            u &= mask(ulen)
        fields = self.map_fields((o, olen, u, ulen))
        t = r.choice([nl.IFLA_FAN_MAPS, nl.IFLA_FAN_MAP_ADD, nl.IFLA_FAN_MAP_DEL])
        return [[nl.nest(t, nl.nest(nl.IFLA_FAN_MAP, *fields))]]

    def link(self, target):
        r = self.r
        fans = [d.ifindex for d in self.model.devs.values()]
        choices = [0, 1, self.ifindexes.get("ul0", 1), 0xffff, 0xffffffff] + fans
        data = [nl.attr(nl.IFLA_FAN_LINK, struct.pack("=I", r.choice(choices)))]
        if r.random() < 0.5:
            data.append(self.map_list(nl.IFLA_FAN_MAPS, [self.pool_map()]))
        return [data]

    def random(self, target):
        return [[self.garbage(self.r.randint(0, 96))]]

    def mutated(self, target):
        buf = bytearray(b"".join(self.valid_data(target)) or
                        self.map_list(nl.IFLA_FAN_MAPS, [self.pool_map()]))
        for _ in range(self.r.randint(1, 4)):
            how = self.r.randrange(5)
            i = self.r.randrange(len(buf)) if buf else 0
            if how == 0 and buf:
                buf[i] ^= 1 << self.r.randrange(8)
            elif how == 1 and buf:
                buf[i] = self.r.getrandbits(8)
            elif how == 2:
                buf[i:i] = self.garbage(self.r.randint(1, 4))
            elif how == 3 and buf:
                del buf[i:i + self.r.randint(1, 4)]
            else:
                buf = buf[:i]
        return [[bytes(buf)]]


def fuzz(args):
    rng = random.Random(args.seed)
    devs = []
    for name in args.dev:
        ifindex, dev = read_dev(name)
        if ifindex is None:
            sys.exit("nlfuzz: cannot read %s: %s" % (name, errno.errorcode.get(dev, dev)))
        devs.append(dev)
    initial = {d.name: d.copy() for d in devs}
    model = Model(devs, ipv4_addrs())
    ifindexes = {name: idx for idx, name in socket.if_nameindex()}
    gen = Gen(rng, model, ifindexes)
    stats = {c: [0, 0, 0, 0] for c in CATEGORIES}	# total ok refused bad
    errnos = {c: {} for c in CATEGORIES}
    spent = {c: 0.0 for c in CATEGORIES}
    mismatches = []
    names = ["fz%d" % i for i in range(8)]
    start = time.monotonic()
    n = 0

    def mismatch(i, cat, text):
        mismatches.append("#%d %s: %s" % (i, cat, text))

    def tally(cat, err):
        # Count one request of CAT as accepted, or refused with its errno.
        stats[cat][0] += 1
        if err:
            stats[cat][2] += 1
            key = errno.errorcode.get(err, err)
            errnos[cat][key] = errnos[cat].get(key, 0) + 1
        else:
            stats[cat][1] += 1

    while n < args.count and (n < args.min_count or
                              time.monotonic() - start < args.time):
        n += 1
        cat = rng.choice(CATEGORIES)
        t0 = time.monotonic()
        free = [x for x in names if x not in model.devs]
        if cat == "create" or not model.devs:
            create = True
        elif cat in ("change", "dellink"):
            create = False
        else:
            create = rng.random() < 0.35
        if cat == "dellink":
            victims = [x for x in model.devs if x not in initial]
            name = rng.choice(victims + ["fz-none"])
        elif create:
            if not free:
                cat = "dellink"
                name = rng.choice([x for x in model.devs if x not in initial])
            else:
                name = rng.choice(free) if rng.random() < 0.95 or not model.devs \
                    else rng.choice(list(model.devs))
        else:
            name = rng.choice(list(model.devs))
        target = None if create or cat == "dellink" else model.devs[name]

        if cat == "dellink":
            err, text, _ = nl.request(RTM_DELLINK, 0, name)
            want = 0 if name in model.devs else errno.ENODEV
            tally(cat, err)
            bad = err != want
            if bad:
                mismatch(n, cat, "delete %s: errno %s, expected %s" % (name, err, want))
            idx, got = read_dev(name)
            if idx is not None:
                mismatch(n, cat, "%s still there after delete" % name)
                bad = True
                model.devs[name] = got
            else:
                model.devs.pop(name, None)
            stats[cat][3] += bad
            spent[cat] += time.monotonic() - t0
            continue

        if cat in ("create", "change"):
            datas = [gen.valid_data(target)]
        elif cat in ("bad-type", "bad-length"):
            datas = gen.with_bad(target, *gen.bad_attr(cat))
        else:
            datas = getattr(gen, {"bad-nest": "bad_nest", "huge-list": "huge",
                                  "bad-prefix": "bad_prefix"}.get(cat, cat))(target)
        datas = [b"".join(d) for d in datas]
        infos = [linkinfo(*datas)]
        if cat == "duplicate" and rng.random() < 0.2:	# IFLA_LINKINFO twice
            infos.insert(0, linkinfo(gen.garbage(8)))
        payload = b"".join(infos)
        # The model sees each IFLA_LINKINFO's content, as the kernel does.
        contents = [i[4:] for i in infos]

        try:
            want = model.newlink(name, contents, create, set(ifindexes.values()) |
                                 {d.ifindex for d in model.devs.values()})
            why = None
        except Refused as e:
            want, why = None, e
        err, text, _ = nl.request(nl.RTM_NEWLINK, FLAGS_CREATE if create else 0,
                                  name, payload)
        tally(cat, err)
        bad = False
        op = "create" if create else "change"
        if why is None and err:
            mismatch(n, cat, "%s %s refused (%s: %s), model accepts: %s; data %s" % (
                op, name, errno.errorcode.get(err, err), text, describe(want),
                payload.hex()))
            bad = True
        elif why is not None and not err:
            mismatch(n, cat, "%s %s accepted, model refuses (%s); data %s" % (
                op, name, why, payload.hex()))
            bad = True
        elif why is not None and why.extack and not text:
            mismatch(n, cat, "%s %s refused (%s) without an extack message (model: %s)" % (
                op, name, errno.errorcode.get(err, err), why))
            bad = True
        # Read back: the model's new state, or the old one if refused.
        idx, got = read_dev(name)
        expect = want if not err else model.devs.get(name)
        if not err and why is not None:
            pass		# applied against the model: already reported
        elif expect is None:
            if idx is not None:
                mismatch(n, cat, "%s exists after a refused create" % name)
                bad = True
        elif idx is None:
            mismatch(n, cat, "%s cannot be read back: %s" % (name, got))
            bad = True
        elif got.state() != expect.state():
            mismatch(n, cat, "%s %s: read back %s, expected %s; data %s" % (
                op, name, describe(got), describe(expect), payload.hex()))
            bad = True
        # Follow the kernel, so one mismatch does not cascade.
        if idx is not None:
            model.devs[name] = got
        else:
            model.devs.pop(name, None)
        if bad:
            stats[cat][3] += 1
        spent[cat] += time.monotonic() - t0

    secs = time.monotonic() - start
    # Put things back: the devices we made go, the others get their state.
    for name in [x for x in model.devs if x not in initial]:
        err, text, _ = nl.request(RTM_DELLINK, 0, name)
        if err:
            mismatches.append("cleanup: delete %s: %s %s" % (name, err, text))
    for name, dev in initial.items():
        data = [nl.attr(t, u8(dev.params[key])) for t, key in PARAMS]
        data.append(gen.map_list(nl.IFLA_FAN_MAPS, dev.maps))
        err, text, _ = nl.request(nl.RTM_NEWLINK, 0, name, linkinfo(b"".join(data)))
        idx, got = read_dev(name)
        if err or idx is None or got.state() != dev.state():
            mismatches.append("restore %s: %s %s: %s" % (
                name, err, text, describe(got) if idx else got))

    total = sum(s[0] for s in stats.values())
    print("seed %d: %d requests in %.1f s (%.0f/s)" % (args.seed, total, secs, total / secs))
    for c in CATEGORIES:
        s = stats[c]
        print("count %s %d %d %d %d %s %.1fms" % (c, s[0], s[1], s[2], s[3], ",".join(
            "%s:%d" % kv for kv in sorted(errnos[c].items())) or "-",
            1000 * spent[c] / max(s[0], 1)))
    for m in mismatches[:40]:
        print("MISMATCH " + m)
    if len(mismatches) > 40:
        print("MISMATCH ... %d more" % (len(mismatches) - 40))
    return 1 if mismatches else 0


def race(args):
    rng = random.Random(args.seed)
    keep = pfx(args.keep[0]) + pfx(args.keep[1])
    extra = [((o << 24), 8, keep[2], keep[3]) for o in (251, 252, 253, 254)]
    start = time.monotonic()
    ok = reads = 0
    refused = {}
    failures = []
    gen = Gen(rng, None, {})
    while time.monotonic() - start < args.time and len(failures) < 10:
        if args.reader:
            ifindex, dev = read_dev(args.dev)
            reads += 1
            if ifindex is None:
                failures.append("read: %s" % errno.errorcode.get(dev, dev))
                continue
            if keep not in dev.maps:
                failures.append("%s lost: %s" % (map_text(keep), describe(dev)))
            for i, a in enumerate(dev.maps):
                if map_error(a) or any(overlap(a, b) for b in dev.maps[:i]):
                    failures.append("bad map set: %s" % describe(dev))
            continue
        op = rng.randrange(4)
        if op == 0:
            data = [gen.map_list(nl.IFLA_FAN_MAP_ADD, [rng.choice(extra)])]
        elif op == 1:
            data = [gen.map_list(nl.IFLA_FAN_MAP_DEL, [rng.choice(extra)])]
        elif op == 2:
            data = [gen.map_list(nl.IFLA_FAN_MAPS, [keep] + rng.sample(extra, rng.randint(0, 4)))]
        else:
            data = [nl.attr(nl.IFLA_FAN_TTL, u8(rng.choice([0, 8, 64]))),
                    nl.attr(nl.IFLA_FAN_TOS, u8(rng.choice([0, 1]))),
                    nl.attr(nl.IFLA_FAN_STRICT, u8(rng.randint(0, 1)))]
        err, text, _ = nl.request(nl.RTM_NEWLINK, 0, args.dev, linkinfo(b"".join(data)))
        if not err:
            ok += 1
        elif err in (errno.EEXIST, errno.ENOENT) and text:
            key = errno.errorcode[err]
            refused[key] = refused.get(key, 0) + 1
        else:
            failures.append("op %d: %s: %s" % (op, errno.errorcode.get(err, err), text))
    print("race %s: %d ok, %d refused (%s), %d reads, %d failures" % (
        "reader" if args.reader else "writer", ok, sum(refused.values()),
        ",".join("%s:%d" % kv for kv in sorted(refused.items())) or "-", reads,
        len(failures)))
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fuzz")
    f.add_argument("--seed", type=int, required=True)
    f.add_argument("--count", type=int, default=3000)
    f.add_argument("--time", type=float, default=40)
    f.add_argument("--min-count", type=int, default=0)
    f.add_argument("--dev", nargs="*", default=[])
    r = sub.add_parser("race")
    r.add_argument("--seed", type=int, required=True)
    r.add_argument("--time", type=float, default=10)
    r.add_argument("--dev", required=True)
    r.add_argument("--keep", nargs=2, required=True)
    r.add_argument("--reader", action="store_true")
    args = p.parse_args()
    return fuzz(args) if args.cmd == "fuzz" else race(args)


if __name__ == "__main__":
    sys.exit(main())
