#!/usr/bin/env python3
"""Cross-check TierMem's LRU and Belady replays against libCacheSim on the same traces.

For each trace: export it with `tiermem trace export --to oracle-general` (one request per page
touched, object size = page size, with each request's next use), run libCacheSim's LRU and Belady
on it at DRAM sizes of 10%, 25% and 50% of the footprint, and compare the miss ratios with
`tiermem replay` (demand-only watermarks, PMEM paged: DRAM as a plain page cache).
Use traces without frees: the export drops alloc and free events (a cache of pages knows
nothing of them), while a replay takes freed pages out of DRAM.

Usage: scripts/libcachesim-crosscheck.py TRACE...   (needs `pip install libcachesim`)
Set TIERMEM to the tiermem binary (default .build/release/tiermem).
"""
import json
import os
import subprocess
import sys
import tempfile

import libcachesim as lcs

TIERMEM = os.environ.get("TIERMEM", ".build/release/tiermem")
SHARES = [0.10, 0.25, 0.50]


def tiermem(*args):
    return subprocess.run([TIERMEM, *args], check=True, capture_output=True, text=True).stdout


def tiermem_replay(trace, policy, dram_bytes):
    out = tiermem("replay", trace, "--policy", policy, "--tiers", f"dram:{dram_bytes};pmem:100%",
                  "--pmem", "paged", "--watermarks", "0,0,0", "--json")
    result = json.loads(out)
    return result["dramMisses"] / result["counters"]["accesses"]


def libcachesim_miss_ratio(path, cache_class, cache_bytes):
    reader = lcs.TraceReader(trace=path, trace_type=lcs.TraceType.ORACLE_GENERAL_TRACE)
    cache = cache_class(cache_size=cache_bytes)
    object_miss_ratio, _ = cache.process_trace(reader)
    return object_miss_ratio


def main(traces):
    worst = 0.0
    print("| trace | DRAM | LRU: TierMem | LRU: libCacheSim | Belady: TierMem (MIN with bypass) | Belady: libCacheSim |")
    print("|---|---|---|---|---|---|")
    for trace in traces:
        with tempfile.TemporaryDirectory() as scratch:
            exported = os.path.join(scratch, "trace.oracleGeneral")
            tiermem("trace", "export", trace, exported, "--to", "oracle-general")
            info = json.loads(tiermem("trace", "info", "--json", trace))
            pages, page_size = info["distinct_pages"], info["page_size"]
            for share in SHARES:
                dram_pages = max(1, int(pages * share))
                dram_bytes = dram_pages * page_size
                ours_lru = tiermem_replay(trace, "lru", dram_bytes)
                ours_belady = tiermem_replay(trace, "belady", dram_bytes)
                theirs_lru = libcachesim_miss_ratio(exported, lcs.LRU, dram_bytes)
                theirs_belady = libcachesim_miss_ratio(exported, lcs.Belady, dram_bytes)
                worst = max(worst, abs(ours_lru - theirs_lru))
                print(f"| {os.path.basename(trace)} | {share:.0%} ({dram_pages} pages) | {ours_lru:.4%} | {theirs_lru:.4%} "
                      f"| {ours_belady:.4%} | {theirs_belady:.4%} |")
    print(f"\nlargest LRU difference: {worst:.4%}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1:]))
