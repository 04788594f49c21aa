#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The fan benchmark's report: raw results of bench-guest.sh -> tables.

  report.py RAWDIR OUTDIR

Writes OUTDIR/results.md (Markdown: the targets, then per MTU and for the
scale phase one row per case and figure, with the median, the min-max
spread over the repetitions and the ratios to routed and to ipip),
OUTDIR/results.json (the same and every repetition's value) and
OUTDIR/chart.gp with its data files (gnuplot chart.gp > chart.png).
Ratios are of medians from the same run: under TCG only they mean anything.
"""

import json
import os
import statistics
import sys

CASES = ["native", "routed", "ipip", "vxlan", "fan"]
SCALE_CASES = ["routed", "ipip", "vxlan", "fan"]
UNDERLAY = {"1500": "veth", "2044": "IPoIB datagram (emulated)",
            "65520": "IPoIB connected (emulated)"}
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


def load_matrix(raw):
    """{mtu: {case: {metric: [values per repetition]}}}"""
    out = {}
    base = os.path.join(raw, "matrix")
    if not os.path.isdir(base):
        return out
    for mtu in sorted(os.listdir(base), key=int):
        for case in os.listdir(os.path.join(base, mtu)):
            cdir = os.path.join(base, mtu, case)
            vals = {m[0]: [] for m in METRICS}
            for rep in sorted(os.listdir(cdir), key=int):
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
            out.setdefault(mtu, {})[case] = vals
    return out


def load_scale(raw):
    """{n: {case: [pps per repetition]}}, memory rows, counts."""
    base = os.path.join(raw, "scale")
    pps, mem, counts = {}, [], []
    if not os.path.isdir(base):
        return pps, mem, counts
    for n in os.listdir(base):
        if not n.isdigit():
            continue
        for case in os.listdir(os.path.join(base, n)):
            cdir = os.path.join(base, n, case)
            vals = []
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
            pps.setdefault(n, {})[case] = vals
    try:
        with open(os.path.join(base, "mem.txt")) as f:
            for line in f:
                n, case, kb, hosts = line.split()
                mem.append({"hosts": int(n), "case": case, "kb": int(kb),
                            "added": int(hosts)})
    except OSError:
        pass
    try:
        with open(os.path.join(base, "count.txt")) as f:
            for line in f:
                n, what, cnt = line.split()
                counts.append({"hosts": int(n), "what": what, "count": int(cnt)})
    except OSError:
        pass
    return pps, mem, counts


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
    for mtu, cases in matrix.items():
        res["matrix"][mtu] = {}
        tables.append(f"## Underlay MTU {mtu} ({UNDERLAY.get(mtu, '?')})")
        tables.append("")
        tables.append("| figure | case | median | spread | x routed | x ipip | x vxlan |")
        tables.append("|---|---|--:|--:|--:|--:|--:|")
        for m, label, unit, higher in METRICS:
            s = {c: summarize(cases.get(c, {}).get(m, [])) for c in CASES}
            for c in CASES:
                if c not in cases:
                    continue
                entry = s[c]
                r_routed, r_ipip = ratio(entry, s["routed"]), ratio(entry, s["ipip"])
                r_vxlan = ratio(entry, s["vxlan"])
                res["matrix"][mtu].setdefault(c, {})[m] = dict(
                    entry or {}, unit=unit, vs_routed=r_routed, vs_ipip=r_ipip,
                    vs_vxlan=r_vxlan)
                spread = "n/a" if not entry else f"{fmt(entry['min'], unit)}-{fmt(entry['max'], unit)}"
                name = f"**{c}**" if c == "fan" else c
                tables.append(f"| {label} ({unit}) | {name} | "
                              f"{fmt(entry['median'] if entry else None, unit)} | {spread} | "
                              f"{fmt_ratio(r_routed)} | {fmt_ratio(r_ipip)} | "
                              f"{fmt_ratio(r_vxlan)} |")
            fan = s["fan"]
            if not fan:
                continue
            # The targets for this MTU and figure.
            if m != "rr_p99":
                for other, want in (("ipip", 1.0), ("vxlan", 1.2)):
                    r = ratio(fan, s[other])
                    if r is None:
                        continue
                    good = r >= want if higher else r <= 1 / want
                    targets.append((f"fan >= {want} x {other}", mtu, label,
                                    r if higher else 1 / r, good))
            if m in ("tcp1", "tcp4") and s["routed"]:
                r = ratio(fan, s["routed"])
                targets.append(("fan >= 0.9 x routed (stretch 0.97)", mtu, label,
                                r, r >= 0.9))
            if m == "rr_p50" and s["routed"]:
                r = ratio(fan, s["routed"])
                targets.append(("fan latency within 5% of routed", mtu, label,
                                r, r <= 1.05))
        tables.append("")

    # Scale.
    spps, mem, counts = load_scale(raw)
    if spps:
        ns = sorted(spps, key=int)
        tables.append("## Scale: sender packet rate to N distinct hosts")
        tables.append("")
        tables.append("64-byte UDP from c1 to N hosts spread over the /8 (each case on "
                      "its own /8, all the per-host state installed side by side); "
                      "the sink drops at ingress, so this is the sender's cost: "
                      "packets per second leaving h1's underlay device. "
                      "Underlay: " + meta.get("scale_underlay", "?") + ".")
        tables.append("")
        tables.append("| hosts | case | median pkt/s | spread | x 1 host | x routed | x ipip |")
        tables.append("|--:|---|--:|--:|--:|--:|--:|")
        for n in ns:
            s = {c: summarize(spps[n].get(c, [])) for c in SCALE_CASES}
            for c in SCALE_CASES:
                entry = s[c]
                one = summarize(spps.get(ns[0], {}).get(c, []))
                r1 = ratio(entry, one)
                rr, ri = ratio(entry, s["routed"]), ratio(entry, s["ipip"])
                res["scale"].setdefault(n, {})[c] = dict(
                    entry or {}, vs_first=r1, vs_routed=rr, vs_ipip=ri)
                spread = "n/a" if not entry else f"{fmt(entry['min'], 'pkt/s')}-{fmt(entry['max'], 'pkt/s')}"
                name = f"**{c}**" if c == "fan" else c
                tables.append(f"| {int(n):,} | {name} | "
                              f"{fmt(entry['median'] if entry else None, 'pkt/s')} | {spread} | "
                              f"{fmt_ratio(r1)} | {fmt_ratio(rr)} | {fmt_ratio(ri)} |")
        tables.append("")
        big = ns[-1]
        fan_big = res["scale"][big].get("fan", {})
        if fan_big.get("vs_first") is not None:
            targets.append((f"fan pps to {int(big):,} hosts within 5% of 1 host",
                            "scale", "UDP 64 B rate", fan_big["vs_first"],
                            fan_big["vs_first"] >= 0.95))
        for other in ("ipip", "vxlan"):
            r = fan_big.get("vs_" + other) if other == "ipip" else ratio(
                summarize(spps[big].get("fan", [])), summarize(spps[big].get("vxlan", [])))
            if r is not None:
                want = 1.0 if other == "ipip" else 1.2
                targets.append((f"fan >= {want} x {other}", "scale",
                                f"UDP 64 B rate, {int(big):,} hosts", r, r >= want))

    if mem:
        last = max(r["hosts"] for r in mem)
        tables.append(f"## Kernel memory per remote host ({last:,} hosts)")
        tables.append("")
        tables.append("Slab + Percpu (/proc/meminfo) before and after adding the "
                      "per-host state, divided by the hosts added.")
        tables.append("")
        tables.append("| case | state per remote host | bytes per host |")
        tables.append("|---|---|--:|")
        rows = [r for r in mem if r["hosts"] == last]
        tables.append(f"| **fan** | {STATE['fan']} | 0 |")
        res["memory"].append({"case": "fan", "state": STATE["fan"], "bytes_per_host": 0})
        for r in rows:
            b = r["kb"] * 1024 / r["added"] if r["added"] else None
            res["memory"].append({"case": r["case"], "state": STATE.get(r["case"]),
                                  "bytes_per_host": b, "hosts": r["hosts"],
                                  "added": r["added"], "kb": r["kb"]})
            tables.append(f"| {r['case']} | {STATE.get(r['case'], '')} | "
                          f"{fmt(b)} |")
        tables.append("")
        if counts:
            c = {x["what"]: x["count"] for x in counts if x["hosts"] == last}
            tables.append(f"Sender's tables at {last:,} hosts: {c.get('routes', '?'):,} routes, "
                          f"{c.get('neigh', '?'):,} neighbours, "
                          f"{c.get('fdb', '?'):,} VXLAN FDB entries "
                          "(the fan's share of these: its one /8 route).")
            tables.append("")
        res["counts"] = counts

    md.append("## Targets")
    md.append("")
    md.append("Ratio oriented so that >= the target is met (latency, CPU: the inverse).")
    md.append("")
    md.append("| target | MTU | figure | fan ratio | met |")
    md.append("|---|---|---|--:|---|")
    for name, mtu, label, r, good in targets:
        md.append(f"| {name} | {mtu} | {label} | {r:.2f} | {'yes' if good else '**no**'} |")
        res["targets"].append({"target": name, "mtu": mtu, "figure": label,
                               "ratio": r, "met": good})
    md.append("")
    md.extend(tables)

    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md))
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    write_chart(res, outdir)


COLOURS = {"native": "#9467bd", "routed": "#2ca02c", "ipip": "#1f77b4",
           "vxlan": "#ff7f0e", "fan": "#d4a017"}


def write_chart(res, outdir):
    """chart.gp: per MTU, each figure as a ratio to routed (higher is
    better: latency and CPU inverted); and the scale phase as a ratio to
    one host.  Only the cases measured get a column; colours are per case."""
    panels = []
    figs = [("tcp1", "TCP x1"), ("tcp4", "TCP x4"), ("rr_p50", "1/RR p50"),
            ("pps", "UDP pps"), ("cpu", "1/CPU per GB")]
    for mtu, cases in res["matrix"].items():
        present = [c for c in CASES if c in cases]
        path = os.path.join(outdir, f"chart-{mtu}.dat")
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
        panels.append((f"MTU {mtu} ({UNDERLAY.get(mtu, '?')}): ratio to routed",
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
