"""The gateway's read audit under concurrent writers: the group commit against one
transaction per operation (issue 13).

    /work/venv/bin/python -m bench.read_audit                       # 32 writers, page-sized
    /work/venv/bin/python -m bench.read_audit --writers 1 --rows 3  # one at a time, a lookup

``--writers`` tasks each append ``--operations`` read entries of ``--rows`` records through
:class:`~gateway.service_layer.read_audit_writer.ReadAuditWriter` on a fresh gateway database
(SQLite with ``synchronous=FULL``, as the gateway runs), each waiting for its commit as a
request does. It runs twice, alternately: batched (the gateway's writer) and unbatched (the
same writer with batches of one: a transaction per operation, as before the group commit),
and prints per mode the median and p90 time an operation waits for its audit, the entries per
second, and entries per transaction. The chain is verified after each run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from gateway.adapters.database import open_database
from gateway.adapters.migrations import upgrade
from gateway.federation.directory import NikDirectoryKey
from gateway.inbox.audit import verify_gateway_chain
from gateway.service_layer.read_audit import record_reads
from gateway.service_layer.read_audit_writer import MAX_BATCH, ReadAuditWriter
from schema.roles import Principal, Role

KEY = NikDirectoryKey.from_secret("bench-read-audit-secret-0123456789abcdef")
STAFF = Principal("bench:kemensos", Role.KEMENSOS)


async def run(path: Path, *, batch: int, writers: int, operations: int, rows: int
              ) -> dict[str, float]:
    database = open_database(f"sqlite:///{path}")
    await upgrade(database)
    writer = ReadAuditWriter(database, max_batch=batch)
    records = [("member", f"32.73:{i}") for i in range(rows)]
    waits: list[float] = []

    async def one_writer(number: int) -> None:
        for i in range(operations):
            started = time.perf_counter()
            await record_reads(writer, KEY, STAFF, records, [], operation_name=f"W{number}",
                               query=f"{{ page {i} }}")
            waits.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(one_writer(n) for n in range(writers)))
    elapsed = time.perf_counter() - started
    report = await verify_gateway_chain(database)
    await database.dispose()
    if not report.ok or report.head_seq != writers * operations:
        raise SystemExit(f"the chain does not verify: {report}")
    ordered = sorted(waits)
    return {"median": statistics.median(waits), "p90": ordered[int(0.9 * (len(ordered) - 1))],
            "rate": len(waits) / elapsed, "batch": writer.entries / writer.transactions}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--writers", type=int, default=32, help="concurrent operations")
    parser.add_argument("--operations", type=int, default=40, help="entries per writer")
    parser.add_argument("--rows", type=int, default=250,
                        help="records per entry (a page of 50 households: ~250)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each mode, alternating")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(f"{args.writers} writers × {args.operations} entries of {args.rows} records, "
          "SQLite synchronous=FULL")
    print("| mode | run | wait median ms | p90 ms | entries/s | entries per transaction |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="siks-read-audit-") as folder:
        for number in range(1, args.runs + 1):
            for mode, batch in (("batched", MAX_BATCH), ("one per transaction", 1)):
                path = Path(folder) / f"{mode[:3]}-{number}.sqlite"
                result = asyncio.run(run(path, batch=batch, writers=args.writers,
                                         operations=args.operations, rows=args.rows))
                print(f"| {mode} | {number} | {result['median'] * 1000:,.2f} | "
                      f"{result['p90'] * 1000:,.2f} | {result['rate']:,.0f} | "
                      f"{result['batch']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
