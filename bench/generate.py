"""Write a synthetic `measure-event/v1` stream as JSON Lines, for benchmarks and demos.

    python bench/generate.py --events 100000 --seed 7 --out events.jsonl [--malformed-share 0.01]

Streams cohort by cohort (`synthetic.generate_events`), so a million events need no
more memory than a thousand; prints one summary line (to stderr when writing to stdout).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run from a checkout without installing
    sys.path.insert(0, str(ROOT))

from synthetic import encode_lines, generate_events  # noqa: E402


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="about this many events")
    parser.add_argument("--seed", type=int, default=7, help="same seed, same bytes")
    parser.add_argument("--out", required=True, help="JSON Lines file to write, or - for stdout")
    parser.add_argument(
        "--malformed-share",
        type=float,
        default=0.0,
        help="share of events followed by a malformed line (dead-letter path), e.g. 0.01",
    )
    parser.add_argument(
        "--problem-share", type=float, default=0.05, help="share of measures with a problem"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    counts: Counter[str] = Counter()
    began = time.perf_counter()
    events = generate_events(args.events, args.seed, problem_share=args.problem_share)
    lines = encode_lines(
        events, malformed_share=args.malformed_share, seed=args.seed, counts=counts
    )
    written = 0
    if args.out == "-":
        sink, report = sys.stdout.buffer, sys.stderr
        for line in lines:
            written += sink.write(line)
        sink.flush()
    else:
        report = sys.stdout
        with open(args.out, "wb") as sink:
            for line in lines:
                written += sink.write(line)
    seconds = time.perf_counter() - began
    malformed = sum(n for kind, n in counts.items() if kind.startswith("malformed:"))
    rate = counts["events"] / seconds if seconds else 0.0
    print(
        f"wrote {counts['events']} events + {malformed} malformed lines "
        f"({written / 1e6:.1f} MB) to {args.out} in {seconds:.2f} s "
        f"({rate:,.0f} events/s, seed {args.seed})",
        file=report,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
