// The Node binding's surface: entry points, bad input as structured errors, the docs quick start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esm from 'netfence';

const require = createRequire(import.meta.url);
const cjs = require('netfence');
const here = dirname(fileURLToPath(import.meta.url));

test('CommonJS and ESM entry points export the same functions', () => {
  assert.deepEqual(Object.keys(esm).filter((k) => k !== 'default').sort(), Object.keys(cjs).sort());
  for (const op of cjs.OPERATIONS) {
    const name = op.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    assert.equal(typeof esm[name], 'function', name);
    assert.equal(typeof esm[`${name}Async`], 'function', `${name}Async`);
  }
});

test('index.d.ts declares every operation, sync and async', () => {
  const dts = readFileSync(join(here, '../index.d.ts'), 'utf8');
  for (const op of cjs.OPERATIONS) {
    const name = op.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
    assert.match(dts, new RegExp(`export declare function ${name}\\(`));
    assert.match(dts, new RegExp(`export declare function ${name}Async\\(`));
  }
});

const bad = [
  ['unknown operation', () => cjs.call('frobnicate', { sources: [] }), 'NF-E011'],
  ['a number for a request', () => cjs.parse(42), 'NF-E011'],
  ['null for a request', () => cjs.validate(null), 'NF-E011'],
  ['a BigInt inside', () => cjs.parse({ sources: [], n: 1n }), 'NF-E011'],
  ['a cycle', () => { const r = { sources: [] }; r.self = r; return cjs.parse(r); }, 'NF-E011'],
  ['JSON text that is not JSON', () => cjs.parse('{"sources": ['), 'NF-E011'],
  ['a field of the wrong type', () => cjs.validate({ sources: [{ text: 7 }] }), 'NF-E011'],
  ['strict mode and broken YAML', () => cjs.parse({ sources: [{ text: 'a: [' }], options: { strict: true } }), 'NF-E002'],
];

for (const [what, run, code] of bad) {
  test(`bad input gives a NetfenceError, not a crash: ${what}`, () => {
    assert.throws(run, (e) => {
      assert.ok(e instanceof Error && e instanceof cjs.NetfenceError);
      assert.equal(e.name, 'NetfenceError');
      assert.equal(e.code, code);
      assert.equal(e.payload.code, code);
      assert.equal(typeof e.payload.message, 'string');
      assert.equal(e.message, e.payload.message);
      return true;
    });
  });
}

test('async variants reject with the structured error', async () => {
  await assert.rejects(cjs.parseAsync(42), (e) => e.code === 'NF-E011' && e.payload.code === 'NF-E011');
  await assert.rejects(cjs.callAsync('nope', {}), (e) => e.code === 'NF-E011');
});

test('async variants run off the event loop', async () => {
  const text = Array.from({ length: 20000 }, (_, i) => `---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns-${i}}\n`).join('');
  const request = { sources: [{ text }], options: { maxDocuments: 50000 } };
  const pending = cjs.parseAsync(request);
  let done = false;
  pending.then(() => { done = true; }, () => { done = true; });
  // Work done on the calling thread would have settled the promise before the next macrotask.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false);
  const [a, b] = await Promise.all([pending, cjs.validateAsync(request)]);
  assert.equal(a.counts.namespaces, 20000);
  assert.equal(b.counts.namespaces, 20000);
});

test('the Node quick start in docs/api.md runs', () => {
  const doc = readFileSync(join(here, '../../docs/api.md'), 'utf8');
  const block = doc.match(/```js node\n([\s\S]*?)```/);
  assert.ok(block, 'docs/api.md has a ```js node block');
  assert.ok(block[1].trim().split('\n').length <= 10, 'the quick start has at most 10 lines');
  // next to the tests so `netfence` resolves as it does for them; removed after, so a later
  // `node --test test/` does not run it as a test file
  const file = join(here, '.quickstart.mjs');
  writeFileSync(file, block[1]);
  try {
    const out = execFileSync(process.execPath, [file], { encoding: 'utf8' });
    assert.match(out, /valid: false/);
  } finally {
    rmSync(file, { force: true });
  }
});
