#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fan benchmark's report: raw results of bench-guest.sh -> tables.

  report.py RAWDIR OUTDIR

Writes OUTDIR/results.md (Markdown: the targets, then per underlay MTU and
ipoib_emu cost model (wire-mtu, whole-gso; "veth" on veth, "no-tso" in
connected mode) and for the scale phase one row per case and figure, with
the median, the min-max spread over the repetitions and the ratios to
routed and to ipip; cases that could not run say why; conntrack's cost),
OUTDIR/results.json (the same and every repetition's value) and
OUTDIR/chart.gp with its data files (gnuplot chart.gp > chart.png).
Ratios are of medians from the same run: under TCG only they mean anything.
"""

import json
import os
import statistics
import sys

CASES = ["native", "routed", "ipip", "vxlan", "fan", "fan-direct",
         "native+ct", "routed+ct", "ipip+ct", "vxlan+ct", "fan+ct",
         "fan-direct+ct", "fan+notrack", "fan+ct+notrack"]
FANS = ("fan", "fan-direct")
SCALE_CASES = ["routed", "ipip", "vxlan", "fan", "fan-direct"]
UNDERLAY = {"1500": "veth", "2044": "IPoIB datagram (emulated), IB MTU 2048",
            "4092": "IPoIB datagram (emulated), IB MTU 4096",
            "65520": "IPoIB connected (emulated)"}
# The cost models in the order they are shown; the first is the headline.
COST_MODELS = ["veth", "wire-mtu", "no-tso", "whole-gso"]
COST_DESC = {
    "veth": "veth (GSO packets cross whole, as on any veth)",
    "wire-mtu": "wire-mtu: a TSO packet is segmented at the wire into "
                "MTU-sized frames, each checksum-verified through the "
                "receiver's GRO (a real HCA with UD TSO; the headline)",
    "whole-gso": "whole-gso: a TSO packet crosses the wire whole, the "
                 "receiver pays once per 64 KB (the old model, for "
                 "comparison)",
    "no-tso": "connected mode has no TSO: the device never sees a GSO "
              "packet, the two cost models are one",
}
# name, label, unit, higher is better
METRICS = [
    ("tcp1", "TCP, 1 stream", "Mbit/s", True),
    ("tcp4", "TCP, 4 streams", "Mbit/s", True),
    ("rr_p50", "TCP RR latency p50", "us", False),
    ("rr_p99", "TCP RR latency p99", "us", False),
    ("pps", "UDP 64 B rate", "pkt/s", True),
    ("cpu", "CPU per GB (TCP, 1 stream)", "CPU s/GB", False),
]
# Per-host state of each case in the scale phase.
STATE = {
    "fan": "none (the map is arithmetic)",
    "ipip": "1 route",
    "routed": "1 route",
    "vxlan": "1 route + 1 neighbour + 1 FDB entry (with its dst cache)",
    "neigh": "1 underlay neighbour (every case: the outer next hop)",
}


def read_json(path):
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return None
    # Tools print one JSON object (iperf3 -J a multi-line one).
    start = text.find("{")
    if start < 0:
        return None
    try:
        return json.loads(text[start:])
    except ValueError:
        return None


def iperf_mbps(d):
    if not d or "end" not in d or "error" in d:
        return None
    return d["end"]["sum_received"]["bits_per_second"] / 1e6


def iperf_bytes_all(d):
    """Bytes of every interval, the omitted one too (the CPU window)."""
    return sum(i["sum"]["bytes"] for i in d.get("intervals", []))


def cpu_busy(path):
    """Busy jiffies (USER_HZ) between the two "cpu" lines of a .stat file."""
    try:
        with open(path) as f:
            lines = [l.split() for l in f if l.startswith("cpu ")]
    except OSError:
        return None
    if len(lines) != 2:
        return None
    a, b = ([int(x) for x in l[1:]] for l in lines)
    # user nice system idle iowait irq softirq steal
    busy = [0, 1, 2, 5, 6, 7]
    return sum(b[i] - a[i] for i in busy if i < len(a))


def read_xstats(path):
    vals = {}
    try:
        with open(path) as f:
            for line in f:
                k, v = line.split()
                vals[k] = int(v)
    except (OSError, ValueError):
        pass
    return vals


def xdelta(d, host):
    a = read_xstats(os.path.join(d, f"ul0-{host}.before"))
    b = read_xstats(os.path.join(d, f"ul0-{host}.after"))
    return {k: b[k] - a.get(k, 0) for k in b}


def conntrack_seen(d):
    """Entries in the +ct cases' conntrack tables, and whether the outer
    IPIP packets (protocol 4, "unknown 4") were tracked."""
    n, ipip = 0, False
    for h in ("h1", "h2"):
        try:
            with open(os.path.join(d, f"conntrack-{h}.txt")) as f:
                for line in f:
                    w = line.split()
                    if len(w) > 4 and w[0] == "ipv4":
                        n += 1
                        if w[2] == "unknown" and w[3] == "4":
                            ipip = True
        except OSError:
            return None
    return {"entries": n, "outer_ipip_tracked": ipip}


def load_case(cdir):
    vals = {m[0]: [] for m in METRICS}
    wire, ct = [], []
    for rep in sorted((r for r in os.listdir(cdir) if r.isdigit()), key=int):
        d = os.path.join(cdir, rep)
        t1 = read_json(os.path.join(d, "tcp1.json"))
        t4 = read_json(os.path.join(d, "tcp4.json"))
        rr = read_json(os.path.join(d, "rr.json"))
        pps = read_json(os.path.join(d, "pps.json"))
        v = iperf_mbps(t1)
        if v is not None:
            vals["tcp1"].append(v)
            busy = cpu_busy(os.path.join(d, "tcp1.stat"))
            nbytes = iperf_bytes_all(t1)
            if busy is not None and nbytes:
                vals["cpu"].append(busy / 100 / (nbytes / 1e9))
        v = iperf_mbps(t4)
        if v is not None:
            vals["tcp4"].append(v)
        if rr and rr.get("n"):
            vals["rr_p50"].append(rr["p50_us"])
            vals["rr_p99"].append(rr["p99_us"])
        if pps and pps.get("secs"):
            vals["pps"].append(pps["pps"])
        x1, x2 = xdelta(d, "h1"), xdelta(d, "h2")
        if x1:
            wire.append({"h1_" + k: v for k, v in x1.items()} |
                        {"h2_" + k: v for k, v in x2.items()})
        c = conntrack_seen(d)
        if c:
            ct.append(c)
    return vals, wire, ct


def load_matrix(raw):
    """{mtu: {cost_model: {case: {"values": {metric: [per repetition]},
    "wire": [counter deltas per repetition], "conntrack": [...]} or
    {"unsupported": reason}}}}"""
    out = {}
    base = os.path.join(raw, "matrix")
    if not os.path.isdir(base):
        return out
    for mtu in sorted(os.listdir(base), key=int):
        for cm in os.listdir(os.path.join(base, mtu)):
            for case in os.listdir(os.path.join(base, mtu, cm)):
                cdir = os.path.join(base, mtu, cm, case)
                why = os.path.join(cdir, "unsupported")
                if os.path.exists(why):
                    with open(why) as f:
                        entry = {"unsupported": f.read().strip() or "?"}
                else:
                    vals, wire, ct = load_case(cdir)
                    entry = {"values": vals, "wire": wire, "conntrack": ct}
                out.setdefault(mtu, {}).setdefault(cm, {})[case] = entry
    return out


def load_scale(raw):
    """{n: {case: [pps per repetition]}}, {n: {case: [hosts reached per
    repetition]}}, memory rows (configuration and first traffic), counts."""
    base = os.path.join(raw, "scale")
    pps, reached, mem, counts = {}, {}, [], []
    if not os.path.isdir(base):
        return pps, reached, mem, counts
    for n in os.listdir(base):
        if not n.isdigit():
            continue
        for case in os.listdir(os.path.join(base, n)):
            cdir = os.path.join(base, n, case)
            vals, got = [], []
            for f in sorted(os.listdir(cdir)):
                if not f.endswith(".json"):
                    continue
                d = read_json(os.path.join(cdir, f))
                try:
                    with open(os.path.join(cdir, f[:-5] + ".ul0")) as u:
                        t0, t1 = (int(x) for x in u.read().split())
                except (OSError, ValueError):
                    continue
                if d and d.get("secs"):
                    vals.append((t1 - t0) / d["secs"])
                    if "reached" in d:
                        got.append(d["reached"])
            pps.setdefault(n, {})[case] = vals
            reached.setdefault(n, {})[case] = got
    try:
        with open(os.path.join(base, "mem.txt")) as f:
            for line in f:
                n, case, kb, hosts = line.split()
                mem.append({"hosts": int(n), "case": case, "kb": int(kb),
                            "added": int(hosts), "what": "state"})
    except OSError:
        pass
    try:
        with open(os.path.join(base, "mem-traffic.txt")) as f:
            for line in f:
                n, case, kb, hosts = line.split()
                mem.append({"hosts": int(n), "case": case, "kb": int(kb),
                            "added": int(hosts), "what": "traffic"})
    except OSError:
        pass
    try:
        with open(os.path.join(base, "count.txt")) as f:
            for line in f:
                n, what, cnt = line.split()
                counts.append({"hosts": int(n), "what": what, "count": int(cnt)})
    except OSError:
        pass
    return pps, reached, mem, counts


def summarize(values):
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values),
            "max": max(values), "n": len(values), "values": values}


def ratio(a, b):
    if not a or not b or not b["median"]:
        return None
    return a["median"] / b["median"]


def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if unit in ("pkt/s",) or v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    raw, outdir = sys.argv[1:]
    meta = {}
    with open(os.path.join(raw, "meta.txt")) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v

    matrix = load_matrix(raw)
    res = {"meta": meta, "matrix": {}, "scale": {}, "memory": [], "targets": []}
    md = ["# Fan benchmark", ""]
    md.append(f"`{meta.get('command', 'make bench')}` on Linux {meta.get('kernel')}, "
              f"commit {meta.get('commit')}, {meta.get('date')}; "
              f"{meta.get('reps')} repetitions of {meta.get('secs')} s per figure, "
              f"cases interleaved; qemu TCG, {meta.get('cpus')} vCPUs on "
              f"{meta.get('host_cpus')} host cores ({meta.get('host_cpu')}); "
              f"{meta.get('iperf3')}; guest clock: {meta.get('clock', 'host')}. Wall time {meta.get('wall')}.")
    md.append("")
    md.append("Under TCG the absolute figures mean nothing; the ratios, from the same "
              "run, do. Median over the repetitions, spread = min-max. "
              "x routed / x ipip: the case's median over routed's / ipip's "
              "(for latency and CPU lower is better, so < 1 is better).")
    md.append("")

    targets = []
    tables = []
    ct_rows = []
    for mtu, models in matrix.items():
        res["matrix"][mtu] = {}
        for cm in sorted(models, key=lambda m: COST_MODELS.index(m)
                         if m in COST_MODELS else 99):
            cases = models[cm]
            res["matrix"][mtu][cm] = {}
            tables.append(f"## Underlay MTU {mtu} ({UNDERLAY.get(mtu, '?')}), "
                          f"cost model {cm}")
            tables.append("")
            tables.append(COST_DESC.get(cm, cm) + ".")
            wire = [w for c in cases.values() for w in c.get("wire", [])]
            if wire and cm != "veth":
                gso = sum(w.get("h1_tx_gso_packets", 0) for w in wire)
                seg = sum(w.get("h1_tx_gso_segmented", 0) for w in wire)
                frames = sum(w.get("h1_tx_wire_frames", 0) for w in wire)
                rxgso = sum(w.get("h2_rx_gso_packets", 0) for w in wire)
                tables.append(f"ipoib_emu counters over these runs: h1 sent {gso:,} "
                              f"GSO packets ({seg:,} segmented at the wire) in "
                              f"{frames:,} wire frames; h2 received {rxgso:,} "
                              "GSO packets whole.")
            tables.append("")
            tables.append("| figure | case | median | spread | x routed | x ipip | x vxlan |")
            tables.append("|---|---|--:|--:|--:|--:|--:|")
            vals = {c: e["values"] for c, e in cases.items() if "values" in e}
            for c, e in cases.items():
                if "unsupported" in e:
                    res["matrix"][mtu][cm][c] = {"unsupported": e["unsupported"]}
                else:
                    res["matrix"][mtu][cm][c] = {"wire": e["wire"],
                                                 "conntrack": e["conntrack"]}
            for m, label, unit, higher in METRICS:
                s_ = {c: summarize(vals.get(c, {}).get(m, [])) for c in CASES}
                for c in CASES:
                    if c not in vals:
                        continue
                    entry = s_[c]
                    r_routed, r_ipip = ratio(entry, s_["routed"]), ratio(entry, s_["ipip"])
                    r_vxlan = ratio(entry, s_["vxlan"])
                    res["matrix"][mtu][cm][c][m] = dict(
                        entry or {}, unit=unit, vs_routed=r_routed, vs_ipip=r_ipip,
                        vs_vxlan=r_vxlan)
                    spread = "n/a" if not entry else f"{fmt(entry['min'], unit)}-{fmt(entry['max'], unit)}"
                    name = f"**{c}**" if c in FANS else c
                    tables.append(f"| {label} ({unit}) | {name} | "
                                  f"{fmt(entry['median'] if entry else None, unit)} | {spread} | "
                                  f"{fmt_ratio(r_routed)} | {fmt_ratio(r_ipip)} | "
                                  f"{fmt_ratio(r_vxlan)} |")
                    base = c.split("+")[0] if c != c.split("+")[0] else None
                    if base and s_.get(base) and entry:
                        r = ratio(entry, s_[base])
                        ctseen = cases[c].get("conntrack") or []
                        ct_rows.append({"mtu": mtu, "cost_model": cm, "figure": label,
                                        "unit": unit, "case": base,
                                        "ct_case": c,
                                        "without": s_[base]["median"],
                                        "with": entry["median"], "ratio": r,
                                        "higher_is_better": higher,
                                        "entries": max((x["entries"] for x in ctseen), default=None),
                                        "outer_ipip_tracked": any(x["outer_ipip_tracked"] for x in ctseen)})
                # The targets (issue 15), under the headline cost model
                # of each MTU only: the first of the MTU's models.
                headline = cm == min(models, key=lambda x: COST_MODELS.index(x)
                                     if x in COST_MODELS else 99)
                if not headline:
                    continue
                fan, direct, routed, ipip = (s_["fan"], s_["fan-direct"],
                                             s_["routed"], s_["ipip"])
                # IPIP mode >= 1.0 x ipip in every figure.
                r = ratio(fan, ipip)
                if r is not None:
                    targets.append((f"fan (IPIP) {'>=' if higher else '<='} 1.0 x ipip",
                                    mtu, cm, label, r,
                                    r >= 1.0 if higher else r <= 1.0))
                # Direct mode at native speed where it applies (IPoIB).
                want = {"tcp1": 0.97, "tcp4": 0.97, "pps": 0.95}.get(m)
                r = ratio(direct, routed)
                if mtu != "1500" and r is not None:
                    if want:
                        targets.append((f"fan-direct >= {want} x routed", mtu, cm,
                                        label, r, r >= want))
                    elif m == "rr_p50":
                        targets.append(("fan-direct latency <= 1.05 x routed", mtu,
                                        cm, label, r, r <= 1.05))
            for c in CASES:
                if "unsupported" in cases.get(c, {}):
                    tables.append(f"| all | {c} | unsupported | | | | |")
            tables.append("")
            for c in CASES:
                if "unsupported" in cases.get(c, {}):
                    tables.append(f"{c}: unsupported here: {cases[c]['unsupported']}.")
                    tables.append("")

    if ct_rows:
        res["conntrack"] = ct_rows
        tables.append("## Conntrack: nf_conntrack active on both hosts, and fanctl's notrack")
        tables.append("")
        tables.append("CASE+ct is CASE with an nft rule matching `ct state` in "
                      "each host's forward chain (as Docker's iptables rules), so "
                      "every IPv4 packet of the host namespaces goes through "
                      "conntrack. this / base: the ratio of the medians, the base being the case without +ct and +notrack "
                      "(for latency and CPU > 1 is worse). Outer IPIP tracked: "
                      "an entry for protocol 4 between the hosts was found. "
                      "+notrack: with fanctl's notrack option (its rules "
                      "keep conntrack off the outer IPIP packets, in two "
                      "more netfilter chains): fan+ct against fan+ct+notrack "
                      "is what tracking the outer packets costs, fan against "
                      "fan+notrack what the chains cost where conntrack is "
                      "not active.")
        tables.append("")
        tables.append("| MTU | cost model | figure | case | base case (fan, routed, ...) | this case | this / base | ct entries | outer IPIP tracked |")
        ct_rows.sort(key=lambda r: (r["mtu"], COST_MODELS.index(r["cost_model"])
                                    if r["cost_model"] in COST_MODELS else 99,
                                    [x[1] for x in METRICS].index(r["figure"]),
                                    CASES.index(r["ct_case"])))
        tables.append("|---|---|---|---|--:|--:|--:|--:|---|")
        for r in ct_rows:
            tables.append(f"| {r['mtu']} | {r['cost_model']} | {r['figure']} ({r['unit']}) | "
                          f"{r['ct_case']} | {fmt(r['without'], r['unit'])} | "
                          f"{fmt(r['with'], r['unit'])} | {fmt_ratio(r['ratio'])} | "
                          f"{r['entries'] if r['entries'] is not None else 'n/a'} | "
                          f"{'yes' if r['outer_ipip_tracked'] else 'no'} |")
        tables.append("")

    # Scale.
    spps, sreached, mem, counts = load_scale(raw)
    if spps:
        ns = sorted(spps, key=int)
        tables.append("## Scale: sender packet rate to N distinct hosts")
        tables.append("")
        tables.append("64-byte UDP from c1 to N hosts spread over the /8 (each case on "
                      "its own /8, all the per-host state installed side by side); "
                      "the sink drops at ingress, so this is the sender's cost: "
                      "packets per second leaving h1's underlay device. Every "
                      "repetition sends to every one of the N hosts (it runs "
                      "longer than the set time if it must); reached: the "
                      "fewest hosts any repetition sent at least one datagram "
                      "to. Underlay: " + meta.get("scale_underlay", "?") + ".")
        tables.append("")
        tables.append("| hosts | case | median pkt/s | spread | x 1 host | x routed | x ipip | reached |")
        tables.append("|--:|---|--:|--:|--:|--:|--:|--:|")
        for n in ns:
            s = {c: summarize(spps[n].get(c, [])) for c in SCALE_CASES}
            for c in SCALE_CASES:
                if c not in spps[n]:
                    continue
                entry = s[c]
                one = summarize(spps.get(ns[0], {}).get(c, []))
                r1 = ratio(entry, one)
                rr, ri = ratio(entry, s["routed"]), ratio(entry, s["ipip"])
                got = sreached.get(n, {}).get(c, [])
                reached = min(got) if got else None
                res["scale"].setdefault(n, {})[c] = dict(
                    entry or {}, vs_first=r1, vs_routed=rr, vs_ipip=ri,
                    hosts=int(n), reached=reached, reached_per_rep=got)
                spread = "n/a" if not entry else f"{fmt(entry['min'], 'pkt/s')}-{fmt(entry['max'], 'pkt/s')}"
                name = f"**{c}**" if c in FANS else c
                tables.append(f"| {int(n):,} | {name} | "
                              f"{fmt(entry['median'] if entry else None, 'pkt/s')} | {spread} | "
                              f"{fmt_ratio(r1)} | {fmt_ratio(rr)} | {fmt_ratio(ri)} | "
                              f"{'n/a' if reached is None else f'{reached:,}'} |")
        tables.append("")
        # Every host reached in every repetition, and the rate kept.
        big = ns[-1]
        for fan in FANS:
            e = res["scale"][big].get(fan, {})
            if e.get("vs_first") is None:
                continue
            reached = e.get("reached")
            targets.append((f"{fan}: {int(big):,} hosts, every one reached, "
                            ">= 0.97 x 1 host", "scale",
                            meta.get("scale_cost_model", "-"),
                            f"UDP 64 B rate, reached {reached or 0:,}",
                            e["vs_first"],
                            e["vs_first"] >= 0.97 and reached == int(big)))

    if mem:
        last = max(r["hosts"] for r in mem)
        tables.append(f"## Kernel memory per remote host ({last:,} hosts)")
        tables.append("")
        tables.append("Slab + Percpu (/proc/meminfo) before and after adding the "
                      "per-host state (state), and before and after the first "
                      "traffic to the hosts added (traffic: routes cached, "
                      "exceptions, whatever sending creates), divided by the "
                      "hosts added. Every case, the fan included, also needs "
                      "the underlay neighbour entry of each remote host it "
                      "sends to (the outer next hop; for routed the gateway): "
                      "the neigh row, counted once for all and added in the "
                      "last column. The fan adds no state, so its state column "
                      "is 0 by construction and its traffic column is what it "
                      "costs. The deltas carry the noise of the slab caches "
                      "(some 100 kB), i.e. tens of bytes per host at 4,096 hosts.")
        tables.append("")
        tables.append("| case | state per remote host | state B/host | traffic B/host | total B/host | with the underlay neighbour |")
        tables.append("|---|---|--:|--:|--:|--:|")
        rows = {(r["case"], r["what"]): r for r in mem if r["hosts"] == last}

        def per_host(r):
            return r["kb"] * 1024 / r["added"] if r and r["added"] else None

        neigh = per_host(rows.get(("neigh", "state")))
        for c in ["fan", "routed", "ipip", "vxlan", "neigh"]:
            st = per_host(rows.get((c, "state")))
            if c == "fan":
                st = 0.0
            tr = per_host(rows.get((c, "traffic")))
            if st is None and tr is None:
                continue
            total = (st or 0) + (tr or 0)
            withn = None if c == "neigh" or neigh is None else total + neigh
            res["memory"].append({"case": c, "state": STATE.get(c),
                                  "state_bytes_per_host": st,
                                  "traffic_bytes_per_host": tr,
                                  "bytes_per_host": total,
                                  "with_underlay_neighbour": withn,
                                  "hosts": last})
            name = f"**{c}**" if c == "fan" else c
            tables.append(f"| {name} | {STATE.get(c, '')} | {fmt(st)} | {fmt(tr)} | "
                          f"{fmt(total)} | {fmt(withn)} |")
        tables.append("")
        if counts:
            c = {x["what"]: x["count"] for x in counts if x["hosts"] == last}
            tables.append(f"Sender's tables at {last:,} hosts: {c.get('routes', '?'):,} routes, "
                          f"{c.get('neigh', '?'):,} neighbours, "
                          f"{c.get('fdb', '?'):,} VXLAN FDB entries "
                          "(the fan's share of these: its one /8 route, and the "
                          "underlay neighbours every case shares).")
            tables.append("")
        res["counts"] = counts

    md.append("## Targets")
    md.append("")
    md.append("Ratio: the case's median over the other's, from this run "
              "(for latency and CPU lower is better). Each MTU's targets are "
              "judged under its headline cost model only: wire-mtu on the "
              "emulated IPoIB datagram fabric (the emulated HCA segments "
              "TSO packets at the wire, as real hardware does), no-tso in "
              "connected mode, veth at 1500 (no direct-mode target there: "
              "veth keeps GSO whole for every case). whole-gso figures are "
              "below for comparison with earlier runs.")
    md.append("")
    md.append("| target | MTU | cost model | figure | ratio | met |")
    md.append("|---|---|---|---|--:|---|")
    for name, mtu, cm, label, r, good in targets:
        md.append(f"| {name} | {mtu} | {cm} | {label} | {r:.2f} | {'yes' if good else '**no**'} |")
        res["targets"].append({"target": name, "mtu": mtu, "cost_model": cm,
                               "figure": label, "ratio": r, "met": good})
    md.append("")
    md.extend(tables)

    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    write_chart(res, outdir)


COLOURS = {"native": "#9467bd", "routed": "#2ca02c", "ipip": "#1f77b4",
           "vxlan": "#ff7f0e", "fan": "#d4a017", "fan-direct": "#8c564b",
           "native+ct": "#c5b0d5", "routed+ct": "#98df8a", "ipip+ct": "#aec7e8",
           "vxlan+ct": "#ffbb78", "fan+ct": "#f0d878", "fan-direct+ct": "#c49c94",
           "fan+notrack": "#bcbd22", "fan+ct+notrack": "#dbdb8d"}


def write_chart(res, outdir):
    """chart.gp: per MTU, each figure as a ratio to routed (higher is
    better: latency and CPU inverted); and the scale phase as a ratio to
    one host.  Only the cases measured get a column; colours are per case."""
    panels = []
    figs = [("tcp1", "TCP x1"), ("tcp4", "TCP x4"), ("rr_p50", "1/RR p50"),
            ("pps", "UDP pps"), ("cpu", "1/CPU per GB")]
    for mtu, cm, cases in ((mtu, cm, cases) for mtu, models in res["matrix"].items()
                           for cm, cases in models.items()):
        present = [c for c in CASES if c in cases and "unsupported" not in cases[c]]
        path = os.path.join(outdir, f"chart-{mtu}-{cm}.dat")
        with open(path, "w") as f:
            f.write("# figure " + " ".join(present) + "\n")
            for m, label in figs:
                row = []
                for c in present:
                    r = cases.get(c, {}).get(m, {}).get("vs_routed")
                    if r and m in ("rr_p50", "cpu"):
                        r = 1 / r
                    row.append(f"{r:.3f}" if r else "0")
                f.write(f"\"{label}\" " + " ".join(row) + "\n")
        panels.append((f"MTU {mtu} ({UNDERLAY.get(mtu, '?')}), {cm}: ratio to routed",
                       os.path.basename(path), present))
    if res["scale"]:
        present = [c for c in SCALE_CASES
                   if any(c in v for v in res["scale"].values())]
        path = os.path.join(outdir, "chart-scale.dat")
        with open(path, "w") as f:
            f.write("# hosts " + " ".join(present) + "\n")
            for n in sorted(res["scale"], key=int):
                row = []
                for c in present:
                    r = res["scale"][n].get(c, {}).get("vs_first")
                    row.append(f"{r:.3f}" if r else "0")
                hosts = "1 host" if int(n) == 1 else f"{int(n):,} hosts"
                f.write(f"\"{hosts}\" " + " ".join(row) + "\n")
        panels.append(("Scale: sender pps to N hosts, ratio to 1 host",
                       os.path.basename(path), present))
    rows = (len(panels) + 1) // 2
    cols = 2 if len(panels) > 1 else 1
    gp = [f"set terminal pngcairo size {700 * cols},{420 * rows} font 'sans,9'",
          f"cd '{outdir}'",
          f"set multiplot layout {rows},{cols}",
          "set style data histograms",
          "set style histogram clustered gap 1",
          "set style fill solid 0.8 border -1",
          "set boxwidth 0.9",
          "set yrange [0:*]",
          "set grid ytics",
          "set key outside bottom center horizontal",
          "set xtics nomirror",
          "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 front"]
    for title, data, present in panels:
        gp.append(f"set title \"{title}\"")
        plots = [f"'{data}' using {i + 2}{':xtic(1)' if i == 0 else ''} "
                 f"title '{c}' lc rgb '{COLOURS[c]}'"
                 for i, c in enumerate(present)]
        gp.append("plot " + ", \\\n\t".join(plots))
    gp.append("unset multiplot")
    with open(os.path.join(outdir, "chart.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")


if __name__ == "__main__":
    main()
