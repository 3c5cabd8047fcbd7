"""``python -m bench`` runs every benchmark in :data:`BENCHMARKS`; ``python -m bench NAME [options]`` runs one.

Every benchmark module has ``main(argv: list[str]) -> None``: it parses its own options (all accept
``--quick``), runs, and prints a short table of its figures. Options given without a name go to every benchmark.
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = (
    "bench.lookup",
    "bench.dispatcher",
    "bench.fanout",
    "bench.imports",
    "bench.stats",
    "bench.load",
    "bench.plan",
)


def _short(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    known = {_short(module): module for module in BENCHMARKS}
    if argv and argv[0] in ("-h", "--help"):
        print(f"usage: python -m bench [{'|'.join(known)}] [options]   (options: python -m bench NAME --help)")
        return 0
    if argv and not argv[0].startswith("-"):
        if argv[0] not in known:
            print(f"unknown benchmark {argv[0]!r}; known: {', '.join(known)}", file=sys.stderr)
            return 2
        selected, options = [known[argv[0]]], argv[1:]
    else:
        selected, options = list(BENCHMARKS), argv
    for index, module in enumerate(selected):
        if index:
            print()
        importlib.import_module(module).main(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
