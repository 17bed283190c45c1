// smalldisk.mjs: a filesystem of its own for a test that fills it (a tmpfs mounted at a new
// directory, unmounted after the test), and filling it to a few MiB free; shared by the API's
// and the browser's full-disk tests.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A filesystem of size MiB at a new directory ({ dir }), or why there cannot be one ({ why }).
export function smallDisk(t, mib) {
  const dir = mkdtempSync(join(tmpdir(), 'lt-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${mib}m`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `cannot mount a small filesystem here (${(r.stderr || r.error || '').toString().trim()})` };
  }
  t.after(() => {
    spawnSync('umount', ['-l', dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir };
}

// Leaves about free MiB of the filesystem at dir: the rest is one file, returned.
export function fill(dir, freeMiB) {
  const avail = Number(execFileSync('df', ['--output=avail', '-B1', dir], { encoding: 'utf8' })
    .split('\n')[1]);
  const filler = join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, avail - freeMiB * 1048576)));
  return filler;
}
