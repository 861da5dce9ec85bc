// The Node row of the hostile-input matrix (docs/reliability.md): the shared hostile cases
// (tests/hostile/hostile.mjs) through the native binding, sync and on the thread pool; each
// gives a response or a NetfenceError with its code, never a crash of the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { CASES, runCase, problems } from '../../tests/hostile/hostile.mjs';

const require = createRequire(import.meta.url);
const netfence = require('../index.js');

CASES.forEach((c, i) => {
  test(`hostile input: ${c.name}`, () => {
    assert.deepEqual(problems(i, runCase(netfence, i)), []);
  });
});

test('hostile input on the thread pool: the async variants reject with the same codes', async () => {
  const big = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n'.repeat(1) + 'x: "' + 'y'.repeat(33 * 1024 * 1024) + '"\n';
  await assert.rejects(netfence.parseAsync({ sources: [{ text: big }] }), (e) => e.code === 'NF-E001');
  await assert.rejects(netfence.parseAsync([]), (e) => e.code === 'NF-E011');
  await assert.rejects(netfence.callAsync('parse', '{"sources": [' + '['.repeat(100000)), (e) => e.code === 'NF-E011');
  const deep = { sources: [{ text: '['.repeat(999) + ']'.repeat(999) }], options: { maxDepth: 1000 } };
  assert.equal((await netfence.analyzeAsync(deep)).errors[0].code, 'NF-E006');
});
