// clickhouse.mjs: a real clickhouse-server for the fleet tests, from a temporary config:
// its data in a temporary directory, loopback only, on free ports, run as the current user;
// stopped and started again on the same data (an outage), removed at the end.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'].find(existsSync);

// Why the fleet tests cannot run here (said as their skip reason), or null.
export function unavailable() {
  if (!SERVER)
    return 'clickhouse-server is not installed (scripts/test installs clickhouse-server; ' +
      'it could not be installed here): the ClickHouse store is not tested';
  return null;
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

const running = new Set();
process.on('exit', () => { for (const p of running) p.kill('SIGKILL'); });

export class ClickHouse {
  static async start() {
    const c = new ClickHouse();
    c.dir = mkdtempSync(join(tmpdir(), 'lt-ch-'));
    c.http = await freePort();
    c.tcp = await freePort();
    const d = c.dir;
    writeFileSync(join(d, 'users.xml'), `<?xml version="1.0"?><yandex>
<profiles><default></default></profiles>
<users><default><password></password><networks><ip>127.0.0.1</ip></networks>
<profile>default</profile><quota>default</quota></default></users>
<quotas><default></default></quotas></yandex>`);
    writeFileSync(join(d, 'config.xml'), `<?xml version="1.0"?><yandex>
<logger><level>warning</level><log>${d}/server.log</log><errorlog>${d}/error.log</errorlog>
<console>0</console></logger>
<http_port>${c.http}</http_port><tcp_port>${c.tcp}</tcp_port>
<listen_host>127.0.0.1</listen_host>
<path>${d}/data/</path><tmp_path>${d}/tmp/</tmp_path>
<user_files_path>${d}/user_files/</user_files_path>
<format_schema_path>${d}/schema/</format_schema_path>
<users_config>${d}/users.xml</users_config>
<default_profile>default</default_profile><default_database>default</default_database>
<mark_cache_size>5368709120</mark_cache_size></yandex>`);
    await c.up();
    return c;
  }

  url(db) { return `clickhouse://127.0.0.1:${this.http}/${db}`; }

  // Starts the server on this directory and waits for it to answer.
  async up() {
    this.proc = spawn(SERVER, [`--config-file=${join(this.dir, 'config.xml')}`],
      { stdio: 'ignore' });
    this.proc.unref(); /* a failed test does not wait on it (the exit handler kills it) */
    running.add(this.proc);
    this.exited = new Promise((r) => this.proc.on('exit', (code, signal) => {
      running.delete(this.proc);
      r({ code, signal });
    }));
    const t0 = Date.now();
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${this.http}/ping`);
        if (r.ok) return;
      } catch { /* not yet */ }
      if (Date.now() - t0 > 60000)
        throw new Error(`clickhouse-server did not start (${this.dir})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  // Stops the server (signal: SIGTERM, or SIGKILL for a crash) and waits for its exit.
  async down(signal = 'SIGTERM') {
    this.proc.ref(); /* waited for now */
    this.proc.kill(signal);
    await this.exited;
  }

  // A query's answer as text (TSV unless the query says otherwise), in database db.
  async query(sql, db = 'default') {
    const r = await fetch(`http://127.0.0.1:${this.http}/?database=${db}`,
      { method: 'POST', body: sql });
    const text = await r.text();
    if (!r.ok) throw new Error(`ClickHouse: ${text}`);
    return text;
  }

  async finish() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// A program's trace as bytes: run with LOOPTRACE=file:..., read back.
export function traceOf(bin, program, args = [], env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'lt-trace-'));
  const file = join(dir, 'trace');
  const r = spawnSync(join(bin, program), args,
    { env: { ...process.env, ...env, LOOPTRACE: `file:${file}` }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${program} exited ${r.status}: ${r.stderr}`);
  const bytes = readFileSync(file);
  rmSync(dir, { recursive: true, force: true });
  return { bytes, out: r.stdout };
}

// Streams bytes to a daemon's ingest socket as a program would, in pieces of chunk bytes,
// calling between(i) before piece i (it may wait); resolves once the daemon took them all,
// rejects when the daemon closed the stream first.
export async function stream(sock, bytes, chunk = bytes.length, between = async () => {}) {
  const c = connect(sock);
  let closed = false;
  const gone = new Promise((r) => c.on('close', () => { closed = true; r(); }));
  c.on('error', () => {});
  await Promise.race([new Promise((r) => c.on('connect', r)), gone]);
  for (let i = 0, at = 0; at < bytes.length && !closed; i++, at += chunk) {
    await between(i);
    if (!closed && !c.write(bytes.subarray(at, at + chunk)))
      await Promise.race([new Promise((r) => c.once('drain', r)), gone]);
  }
  if (!closed) await Promise.race([new Promise((r) => c.end(r)), gone]);
  if (closed && !c.writableFinished) throw new Error('the daemon closed the stream');
}
