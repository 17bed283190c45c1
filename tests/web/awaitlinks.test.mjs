// awaitlinks.test.mjs: web/js/tracks/awaitlinks.mjs: which lanes the selected task's await
// edges tint, from the await graph as the API gives it (roots, each node's awaits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { awaitLinks, linkRole } from '../../web/js/tracks/awaitlinks.mjs';

const node = (task, name, awaits = [], extra = {}) => ({ track: 1, task, name, awaits, ...extra });

// seed_taskgroup at 250 ms: main's as_completed awaits its three tasks
const group = {
  roots: [node(1, 'main', [node(4, 'Task-4'), node(5, 'Task-5'), node(6, 'Task-6')])],
};
// demo_cycle at 5 ms: first awaits second, which awaits first (said, not followed)
const cycle = { roots: [node(1, 'main'),
  node(2, 'first', [node(3, 'second', [node(2, 'first', undefined, { cycle: true })])])] };

test('a task awaiting others: they are what it awaits, an edge to each', () => {
  const l = awaitLinks(group, '1:1');
  assert.deepEqual(l.awaiters, []);
  assert.deepEqual(l.awaited, ['1:4', '1:5', '1:6']);
  assert.deepEqual(l.edges, [['1:1', '1:4'], ['1:1', '1:5'], ['1:1', '1:6']]);
  assert.equal(linkRole(l, '1:5'), 'awaited');
  assert.equal(linkRole(l, '1:1'), null);
});

test('an awaited task: its awaiter, and nothing else', () => {
  const l = awaitLinks(group, '1:5');
  assert.deepEqual([l.awaiters, l.awaited, l.edges], [['1:1'], [], [['1:1', '1:5']]]);
  assert.equal(linkRole(l, '1:1'), 'awaiter');
  assert.equal(linkRole(l, '1:4'), null);
});

test('a cycle: the other task both awaits and is awaited, once each', () => {
  const l = awaitLinks(cycle, '1:2');
  assert.deepEqual([l.awaiters, l.awaited], [['1:3'], ['1:3']]);
  assert.deepEqual(l.edges, [['1:3', '1:2'], ['1:2', '1:3']]);
  assert.equal(linkRole(l, '1:3'), 'awaiter');
  assert.equal(linkRole(l, '1:1'), null);
});

test('no graph, no selection, or a task not in the graph: nothing tinted', () => {
  assert.equal(awaitLinks(null, '1:1'), null);
  assert.equal(awaitLinks(group, null), null);
  assert.deepEqual(awaitLinks(group, '1:9').edges, []);
  assert.equal(linkRole(null, '1:1'), null);
});
