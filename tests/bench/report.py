#!/usr/bin/env python3
"""Collects the benchmark's figures and writes them as bench/results.md.

report.py add FILE SECTION NAME UNIT OURS PEER_NAME PEER TARGET [NOTE]
    Appends one figure to FILE (JSON lines). OURS and PEER are the values
    of every round, separated by spaces (PEER_NAME and PEER empty when the
    figure has no peer). TARGET is empty, or one of
        ratio<=X    median(ours) / median(peer) at most X (ratio>=X: at
                    least X)
        ours<=X     median(ours) at most X (in UNIT)
        ours>=X     median(ours) at least X (in UNIT)

report.py how FILE SECTION TEXT
    Appends how the figures of SECTION are measured: what each side does,
    on which CPUs, warm or cold. The table prints it under the section's
    heading.

report.py md FILE OUT MODE LOAD_BEFORE
    Writes the table of FILE to OUT (markdown) with the machine, its CPUs,
    the date, the mode of the run and the load before and after it.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time


def nums(s):
    return [float(x) for x in s.split()] if s.strip() else []


def add(path, sec, name, unit, ours, pname, peer, target, note=""):
    rec = {"section": sec, "name": name, "unit": unit, "ours": nums(ours),
           "peer_name": pname, "peer": nums(peer), "target": target,
           "note": note}
    with open(path, "a") as f:
        f.write(json.dumps(rec) + "\n")


def how(path, sec, text):
    with open(path, "a") as f:
        f.write(json.dumps({"section": sec, "how": text}) + "\n")


def fmt(v, unit):
    if unit in ("s",):
        return "%.3f" % v
    if unit in ("ms",):
        return "%.1f" % v
    return "%.0f" % v if abs(v) >= 100 else "%.2f" % v


def spread(vals, unit):
    """min / median / max, or the one value."""
    if not vals:
        return "-"
    if len(vals) == 1:
        return fmt(vals[0], unit)
    return "%s / **%s** / %s" % (fmt(min(vals), unit),
                                 fmt(statistics.median(vals), unit),
                                 fmt(max(vals), unit))


def judge(rec):
    """(ratio text, verdict text) of one figure."""
    ours, peer, t = rec["ours"], rec["peer"], rec["target"]
    if not ours:
        return "-", "not measured"
    mo = statistics.median(ours)
    ratio = None
    if peer and statistics.median(peer) > 0:
        ratio = mo / statistics.median(peer)
    rtext = "%.2f" % ratio if ratio is not None else "-"
    if not t:
        return rtext, ""
    op = "<=" if "<=" in t else ">="
    kind, _, lim = t.partition(op)
    lim = float(lim)
    if kind == "ratio":
        if ratio is None:
            return rtext, "no peer figure"
        have, want = ratio, "ratio %s %g" % (op, lim)
    else:
        have, want = mo, "%s %g %s" % (op, lim, rec["unit"])
    ok = have <= lim if op == "<=" else have >= lim
    if ok:
        return rtext, "met (%s)" % want
    return rtext, "**gap**: %s against %s" % (
        ("%.2f" % have) if kind == "ratio" else fmt(have, rec["unit"]), want)


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = ", %.1f GiB RAM" % (kb / 1048576)
    except (OSError, ValueError, IndexError):
        pass
    return "%s, %d CPUs online, %d usable by the bench%s, Linux %s" % (
        model, os.cpu_count() or 0, len(os.sched_getaffinity(0)), mem,
        platform.release())


def load():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def revision():
    if os.environ.get("BENCH_REV"):
        return os.environ["BENCH_REV"]
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True).stdout.strip()
        return rev + (" with uncommitted changes" if dirty else "")
    except OSError:
        return "?"


def md(path, out, mode, load_before):
    recs = [json.loads(line) for line in open(path) if line.strip()]
    hows = {}
    for r in recs:
        if "how" in r:
            hows.setdefault(r["section"], []).append(r["how"])
    recs = [r for r in recs if "how" not in r]
    w = []
    w.append("# sealmail benchmark results\n")
    w.append("Written by `make bench` (tests/bench/run.sh); do not edit by "
             "hand.\n")
    w.append("- date: %s" % time.strftime("%Y-%m-%d %H:%M UTC",
                                          time.gmtime()))
    w.append("- machine: %s" % machine())
    w.append("- load average (1, 5, 15 min): %s before, %s after"
             % (load_before, load()))
    w.append("- mode: %s" % mode)
    w.append("- code measured: %s" % revision())
    w.append("")
    w.append("Each figure is min / **median** / max over its rounds, or "
             "over the runs of one process where its note says so; the "
             "ratio is sealmail's median over the peer's median (below 1.0: "
             "sealmail is faster, or smaller). A load average near or above "
             "the CPU count means other work shared the machine: such "
             "figures are indicative, not a quiet machine's.\n")
    sec = None
    for r in recs:
        if r["section"] != sec:
            sec = r["section"]
            w.append("\n## %s\n" % sec)
            for text in hows.get(sec, []):
                w.append("How it is measured: %s\n" % text)
            w.append("| figure | sealmail | peer | peer's figure | ratio "
                     "| target |")
            w.append("|---|---|---|---|---|---|")
        rtext, verdict = judge(r)
        name = r["name"] + " (%s)" % r["unit"]
        w.append("| %s | %s | %s | %s | %s | %s |" % (
            name, spread(r["ours"], r["unit"]), r["peer_name"] or "-",
            spread(r["peer"], r["unit"]) if r["peer_name"] else "-", rtext,
            verdict or "-"))
        if r["note"]:
            w.append("| | *%s* | | | | |" % r["note"].replace("|", "/"))
    with open(out, "w") as f:
        f.write("\n".join(w) + "\n")


def main():
    a = sys.argv
    if len(a) in (10, 11) and a[1] == "add":
        add(*a[2:])
    elif len(a) == 5 and a[1] == "how":
        how(*a[2:])
    elif len(a) == 6 and a[1] == "md":
        md(a[2], a[3], a[4], a[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
