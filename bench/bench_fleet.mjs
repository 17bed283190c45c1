// bench_fleet.mjs: ingest into the ClickHouse store (docs/fleet.md) against the SQLite store,
// in one run, alternately: a real `looptrace serve` in a temporary directory on each store
// (ClickHouse: a real clickhouse-server from a temporary config, tests/fleet/clickhouse.mjs),
// fed PRODUCERS copies of one recorded trace at once over its Unix socket, as fast as it
// takes them. events/s: every record of every copy, from the first byte sent to the moment
// the API lists every session complete (polled every 10 ms); bytes/event: the SQLite file
// (with its WAL) after the daemon stopped, or ClickHouse's active parts of the database, over
// the records stored. Each figure is the median of --reps runs (range in brackets).
//
//   node bench/bench_fleet.mjs [--records N] [--producers P] [--reps R] [--json]
//        (LT_BIN_DIR: the build's bin/, default build/bin)
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 1000000), PRODUCERS = arg('--producers', 4);
const REPS = arg('--reps', 3);
process.env.LT_BIN_DIR ??= resolve('build/bin');
process.env.LT_ORACLE_DIR ??= resolve('tests/oracle');
const { Daemon, until } = await import('../tests/api/daemon.mjs');
const { ClickHouse, stream, traceOf, unavailable } = await import('../tests/fleet/clickhouse.mjs');
const BIN = process.env.LT_BIN_DIR;

const why = unavailable();
if (why) {
  console.error(`bench_fleet: ${why}`);
  process.exit(1);
}

const workloads = [
  { name: 'steps (4 tasks yielding)', args: [String(RECORDS)] },
  { name: 'marks (a line a step)', args: ['--marks', String(RECORDS)] },
];
for (const w of workloads) w.trace = traceOf(BIN, 'collector_load', w.args).bytes;

const ch = await ClickHouse.start();
let run = 0;

async function ingest(store, bytes) {
  const db = `bench_${++run}`;
  const d = await Daemon.start(store === 'clickhouse' ? ['--store', ch.url(db)] : []);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: PRODUCERS }, () => stream(d.sock, bytes)));
  const list = await until(async () => {
    const r = await d.get('/api/sessions');
    const l = r.status === 200 ? r.body.sessions : [];
    return l.length === PRODUCERS && l.every((s) => s.status === 'complete') && l;
  }, 'every copy stored', 600000);
  const seconds = (performance.now() - t0) / 1000;
  const events = list.reduce((n, s) => n + s.events, 0);
  await d.stop();
  let bytesOnDisk;
  if (store === 'sqlite') {
    bytesOnDisk = statSync(d.db).size;
    try { bytesOnDisk += statSync(`${d.db}-wal`).size; } catch { /* checkpointed */ }
  } else {
    bytesOnDisk = Number(await ch.query(
      `SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = '${db}'`));
    await ch.query(`DROP DATABASE ${db}`);
  }
  d.cleanup();
  return { events, rate: events / seconds, bpe: bytesOnDisk / events };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = [];
for (const w of workloads) {
  const by = { sqlite: [], clickhouse: [] };
  for (let rep = 0; rep < REPS; rep++)
    for (const store of rep % 2 ? ['clickhouse', 'sqlite'] : ['sqlite', 'clickhouse'])
      by[store].push(await ingest(store, w.trace));
  for (const store of ['sqlite', 'clickhouse']) {
    const rs = by[store], rates = rs.map((r) => r.rate), bpes = rs.map((r) => r.bpe);
    results.push({ workload: w.name, store, events: rs[0].events, rate: median(rates),
      rate_min: Math.min(...rates), rate_max: Math.max(...rates), bytes_per_event: median(bpes) });
  }
}
await ch.finish();

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 1));
} else {
  console.log(`ingest: ${PRODUCERS} producers at once, ${REPS} runs each, median [range]`);
  console.log('| workload | store | records | events/s | bytes/event |');
  console.log('|---|---|---:|---:|---:|');
  for (const r of results)
    console.log(`| ${r.workload} | ${r.store} | ${r.events} | ${(r.rate / 1e6).toFixed(2)} M ` +
      `[${(r.rate_min / 1e6).toFixed(2)}-${(r.rate_max / 1e6).toFixed(2)}] | ` +
      `${r.bytes_per_event.toFixed(1)} |`);
}
