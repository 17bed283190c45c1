// wire.mjs: hand-made trace streams for the tests that attack the daemon with what no runtime
// would send (bad UTF-8, timestamps that overflow, huge chunks, bytes after the end). The
// format is docs/wire-format.md; the kinds' numbers are read from runtime/include/lt/wire.h's
// LT_WIRE_KIND_MAP, so this cannot drift from the format either.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const header = readFileSync(join(dirname(fileURLToPath(import.meta.url)),
  '../../runtime/include/lt/wire.h'), 'utf8');
export const KIND = Object.fromEntries([...header.matchAll(/XX\((\w+), (\d+), "[^"]*", \d+\)/g)]
  .map((m) => [m[1], Number(m[2])]));

const u32 = (v) => { const b = Buffer.alloc(4); b.writeUInt32LE(v >>> 0); return b; };
const u64 = (v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v))); return b; };
const str = (s) => { const b = Buffer.isBuffer(s) ? s : Buffer.from(s); return Buffer.concat([u32(b.length), b]); };

// The stream's start: magic, version, hello. Text fields may be Buffers of any bytes.
export function hello({ pid = 1, clock = 2, program = 'handmade', label = '', argv = ['handmade'] } = {}) {
  const body = Buffer.concat([u32(pid), Buffer.from([clock, 0, 0, 0]), u64(0), u64(0),
    u32(argv.length), str(program), str(label), ...argv.map(str)]);
  return Buffer.concat([Buffer.from('LOOPTRC1'), u32(1), u32(body.length), body]);
}

// One record: {kind, flags, task, ts, args: [u64...], bytes: Buffer (inline, padded)}.
export function record({ kind, flags = 0, task = 0, ts = 0, args = [], bytes = null }) {
  const inline = bytes ? Buffer.concat([bytes, Buffer.alloc((8 - (bytes.length % 8)) % 8)]) : Buffer.alloc(0);
  const size = 16 + 8 * args.length + inline.length;
  const h = Buffer.alloc(16);
  h.writeUInt16LE(size, 0);
  h.writeUInt8(kind, 2);
  h.writeUInt8(flags, 3);
  h.writeUInt32LE(task, 4);
  h.writeBigInt64LE(BigInt.asIntN(64, BigInt(ts)), 8);
  return Buffer.concat([h, ...args.map(u64), inline]);
}

// A STRING record defining id as text (any bytes).
export function string(id, text, ts = 0) {
  const b = Buffer.isBuffer(text) ? text : Buffer.from(text);
  return record({ kind: KIND.STRING, ts, args: [BigInt(id) | (BigInt(b.length) << 32n)], bytes: b });
}

// A chunk of records of one track, numbered from firstSeq; bytes overrides the payload size
// it claims (for chunks that lie).
export function chunk(track, firstSeq, records, claim = null) {
  const payload = Buffer.concat(records);
  const h = Buffer.concat([u32(0x4b43544c), u32(claim ?? payload.length), u32(track),
    u32(records.length), u64(firstSeq)]);
  return Buffer.concat([h, payload]);
}

// The END chunk: a clean end.
export const end = () => chunk(0, 0, [record({ kind: KIND.END })]);

// Sends bytes to a Unix socket and closes; resolves when the other side has it all.
export function send(sock, bytes) {
  return new Promise((resolve, reject) => {
    const c = connect(sock, () => c.end(bytes));
    c.on('error', reject);
    c.on('close', resolve);
  });
}
