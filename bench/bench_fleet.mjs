// bench_fleet.mjs: ingest into the ClickHouse store (docs/fleet.md) against the SQLite store,
// in one run, alternately: a real `looptrace serve` in a temporary directory on each store
// (ClickHouse: a real clickhouse-server from a temporary config, tests/fleet/clickhouse.mjs),
// fed PRODUCERS copies of one recorded trace at once over its Unix socket, as fast as it
// takes them. events/s: every record of every copy, from the first byte sent to the moment
// the API lists every session complete (polled every 50 ms); bytes/event: the SQLite file
// (with its WAL) after the daemon stopped, or ClickHouse's active parts of the database, over
// the records stored; CPU: seconds the daemon (and clickhouse-server) used per million
// records, from /proc, which a loaded machine leaves meaningful. Each figure is the median
// of --reps runs (range in brackets).
//
//   node bench/bench_fleet.mjs [--records N] [--producers P] [--reps R] [--json]
//        (LT_BIN_DIR: the build's bin/, default build/bin)
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const RECORDS = arg('--records', 1000000), PRODUCERS = arg('--producers', 4);
const REPS = arg('--reps', 3);
process.env.LT_BIN_DIR ??= resolve('build/bin');
process.env.LT_ORACLE_DIR ??= resolve('tests/oracle');
const { Daemon } = await import('../tests/api/daemon.mjs');
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

// CPU seconds process pid has used (user + system, /proc/PID/stat; 100 ticks a second).
function cpu(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); /* from field 3, state */
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function ingest(store, bytes) {
  const db = `bench_${++run}`;
  const d = await Daemon.start(store === 'clickhouse' ? ['--store', ch.url(db)] : []);
  const t0 = performance.now(), d0 = cpu(d.proc.pid), c0 = cpu(ch.proc.pid);
  await Promise.all(Array.from({ length: PRODUCERS }, () => stream(d.sock, bytes)));
  // done: no producer connected and nothing waiting to be stored (GET /api/status, which
  // asks the store nothing: polling the session list would load ClickHouse), then listed
  let list;
  for (;;) { /* every 50 ms: the list is a query of ClickHouse, which polling would load */
    const l = (await d.get('/api/sessions')).body.sessions ?? [];
    if (l.length === PRODUCERS && l.every((x) => x.status === 'complete')) {
      list = l;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  const daemonCpu = cpu(d.proc.pid) - d0;
  const chCpu = store === 'clickhouse' ? cpu(ch.proc.pid) - c0 : 0;
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
  return { events, rate: events / seconds, bpe: bytesOnDisk / events,
    cpu: (daemonCpu + chCpu) / (events / 1e6), chcpu: chCpu / (events / 1e6) };
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
      rate_min: Math.min(...rates), rate_max: Math.max(...rates), bytes_per_event: median(bpes),
      cpu_s_per_m: median(rs.map((r) => r.cpu)),
      clickhouse_cpu_s_per_m: median(rs.map((r) => r.chcpu)) });
  }
}
await ch.finish();

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(results, null, 1));
} else {
  console.log(`ingest: ${PRODUCERS} producers at once, ${REPS} runs each, median [range]`);
  console.log('| workload | store | records | events/s | bytes/event | CPU s per M records ' +
    '(daemon + ClickHouse) | of it ClickHouse |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of results)
    console.log(`| ${r.workload} | ${r.store} | ${r.events} | ${(r.rate / 1e6).toFixed(2)} M ` +
      `[${(r.rate_min / 1e6).toFixed(2)}-${(r.rate_max / 1e6).toFixed(2)}] | ` +
      `${r.bytes_per_event.toFixed(1)} | ${r.cpu_s_per_m.toFixed(2)} | ` +
      `${r.clickhouse_cpu_s_per_m.toFixed(2)} |`);
}
