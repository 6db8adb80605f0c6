"""Generator speed: how long `beacon-gen generate --cli` takes for a large catalog.

Writes a catalog of 1,000 events with 8 fields each (strings, integers with
bounds, doubles, bools, an enum, optional fields, and a list on every fourth
event so both kinds of _emit are generated) into a temporary directory, runs
the generator on it in a fresh Python process several times (what a build
does), and prints the median wall time in seconds (and the median CPU time,
which a busy machine does not inflate).

  python3 bench/codegen_bench.py [--events N] [--runs N] [--json FILE]

With --json, the median is added to FILE (an existing JSON object, e.g. the
bench/results.json that beacon-bench writes) under "codegen_1000_events_s"
(the key names the event count; the CPU time under
"codegen_1000_events_cpu_s"), keeping every other key.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Tuple

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def catalog_text(events: int) -> str:
    """A valid catalog of `events` events, 8 fields each."""
    lines = [
        "beacon: 1",
        "catalog: gen_bench",
        "prefix: gb",
        "version: 1",
        "description: A large synthetic catalog for timing the generator.",
        "",
        "enums:",
        "  status:",
        "    description: How the step ended.",
        "    values:",
        "      ok: Succeeded.",
        "      retry: Will be retried.",
        "      failed: Failed for good.",
        "",
        "events:",
    ]
    for i in range(events):
        lines += [
            f"  area{i % 50}.step{i}:",
            f"    description: Synthetic step {i} finished.",
            "    category: system",
            "    fields:",
            "      step: {type: string, max_length: 64, description: Step label.}",
            "      shard: {type: string, max_length: 32, optional: true, description: Shard label.}",
            "      bytes: {type: int, min: 0, unit: bytes, description: Payload size.}",
            "      items: {type: uint, max: 100000, description: Items handled.}",
            "      elapsed: {type: double, min: 0, max: 3600000, unit: ms, description: Wall time.}",
            "      cached: {type: bool, description: Served from cache.}",
            "      status: {type: status}",
        ]
        if i % 4 == 3:
            lines.append("      sizes: {type: 'list<int>', max_items: 16, optional: true,"
                         " description: Chunk sizes.}")
        else:
            lines.append("      retries: {type: int, optional: true, min: 0, max: 10,"
                         " description: Retries so far.}")
    return "\n".join(lines) + "\n"


def time_generate(catalog: str, out_dir: str, root: str) -> Tuple[float, float]:
    """(wall seconds, CPU seconds) of one `python3 -m codegen generate --cli`
    from the tree at `root` into an empty out_dir."""
    shutil.rmtree(out_dir, ignore_errors=True)
    env = dict(os.environ, PYTHONPATH=os.path.abspath(root))
    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "codegen", "generate", catalog, "-o", out_dir,
                    "--cli", "--source-name", "gen_bench.yaml"], env=env, check=True,
                   cwd=os.path.dirname(catalog))  # not the cwd: `-m` would import from there
    wall = time.perf_counter() - start
    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    return wall, cpu


def measure(events: int = 1000, runs: int = 5, root: str = ROOT) -> Tuple[float, float]:
    """Medians (wall seconds, CPU seconds) of `runs` generator runs on an
    `events`-event catalog. The CPU time tells a busy machine (wall well
    above CPU) from a slower generator."""
    with tempfile.TemporaryDirectory(prefix="beacon-codegen-bench-") as tmp:
        catalog = os.path.join(tmp, "gen_bench.yaml")
        with open(catalog, "w", encoding="utf-8") as fh:
            fh.write(catalog_text(events))
        out_dir = os.path.join(tmp, "out")
        times = [time_generate(catalog, out_dir, root) for _ in range(runs)]
    return (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))


def add_result(path: str, key: str, value: float) -> None:
    """Sets `key` in the JSON object of `path` to `value`, keeping the file's
    other keys and its layout (beacon-bench writes one key per line)."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    results = json.loads(text)
    if not isinstance(results, dict):
        raise SystemExit(f"{path}: not a JSON object")
    entry = f'"{key}":{json.dumps(value)}'
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:\s*[^,\n}]+')
    if key in results:
        text = pattern.sub(lambda _: entry, text, count=1)
    else:
        end = text.rstrip().rfind("}")
        body = text[:end].rstrip()
        sep = "" if body.endswith("{") else ","
        text = f"{body}{sep}\n  {entry}\n}}\n"
    if json.loads(text).get(key) != value:
        raise SystemExit(f"{path}: could not record {key}")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--events", type=int, default=1000, help="events in the catalog (1000)")
    p.add_argument("--runs", type=int, default=5, help="generator runs; the median is reported (5)")
    p.add_argument("--json", metavar="FILE", help="add the result to this JSON object file")
    p.add_argument("--root", default=ROOT, metavar="DIR",
                   help="the tree whose codegen/ is timed (default: this checkout)")
    args = p.parse_args(argv)
    wall, cpu = measure(args.events, args.runs, args.root)
    key = f"codegen_{args.events}_events_s"
    print(f"generator: {args.events} events x 8 fields, median of {args.runs} runs: "
          f"{wall:.3f} s ({cpu:.3f} s CPU)")
    if args.json:
        add_result(args.json, key, round(wall, 3))
        add_result(args.json, f"codegen_{args.events}_events_cpu_s", round(cpu, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
