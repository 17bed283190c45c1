// compareinfo.test.mjs: web/js/compareinfo.mjs, what the compare view warns and notes about
// the runs against the baseline: another program, other arguments, clock, path, task names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNotes, programName, argsText } from '../../web/js/compareinfo.mjs';

const run = (id, program, argv, tasks = ['main'], clock = 'virtual') => ({
  id, meta: { id, program, argv, clock }, tasks: tasks.map((name) => ({ name })),
});
const seq = run(4, '/b/say_after', ['say_after', 'sequential']);

test('a program is named by its path\'s last part; arguments as typed', () => {
  assert.equal(programName(seq.meta), 'say_after');
  assert.equal(programName({ argv: ['./x/demo'] }), 'demo');
  assert.equal(programName({}), '(unknown program)');
  assert.equal(argsText(seq.meta), 'sequential');
  assert.equal(argsText({ argv: ['p', 'a b', ''] }), '"a b" ""');
  assert.equal(argsText({ argv: ['p'] }), '(none)');
});

test('the same program and arguments: nothing to say', () => {
  const again = run(7, '/b/say_after', ['say_after', 'sequential']);
  assert.deepEqual(compareNotes(seq, [again]), []);
});

test('another program is warned about, first, naming both', () => {
  const fifo = run(9, '/b/demo_fifo', ['demo_fifo'], ['main', 'A']);
  const conc = run(5, '/b/say_after', ['say_after', 'concurrent']);
  const notes = compareNotes(seq, [conc, fifo]);
  assert.equal(notes[0].level, 'warn');
  assert.equal(notes[0].id, 9);
  assert.match(notes[0].text,
    /#9 is another program: demo_fifo \(none\), the baseline #4 is say_after sequential/);
  // no argument note for another program: its arguments are in the warning
  assert.ok(!notes.some((n) => n.id === 9 && n.what === 'args'));
  assert.deepEqual(notes.filter((n) => n.level === 'warn').length, 1);
});

test('other arguments, clock, path and task names are noted', () => {
  const conc = run(5, '/c/say_after', ['say_after', 'concurrent'],
    ['main', 'say_after(hello)', 'say_after(world)'], 'real');
  const notes = compareNotes(seq, [conc]);
  assert.deepEqual(notes.map((n) => [n.level, n.what]), [['note', 'path'], ['note', 'args'],
    ['note', 'clock'], ['note', 'tasks']]);
  assert.match(notes[1].text, /other arguments: concurrent \(the baseline #4: sequential\)/);
  assert.match(notes[2].text, /real clock, the baseline under the virtual one/);
  assert.equal(notes[3].text, 'Tasks by name: only #5 has say_after(hello), say_after(world).');
  // swapped: the other side
  const back = compareNotes(conc, [seq]);
  assert.equal(back.find((n) => n.what === 'tasks').text,
    'Tasks by name: only the baseline #5 has say_after(hello), say_after(world).');
});

test('long lists of names are cut, each name once', () => {
  const many = run(6, '/b/say_after', ['say_after', 'sequential'],
    ['main', 'w', 'w', 'a', 'b', 'c', 'd', 'e']);
  const [n] = compareNotes(seq, [many]);
  assert.equal(n.text, 'Tasks by name: only #6 has w, a, b, c and 2 more.');
});
