// The WASM package in Node (the `pkg/node` build): every shared vector, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadVectors, camel } from '../../tests/vectors/vectors.mjs';

const require = createRequire(import.meta.url);
const wasm = require('../pkg/node/netfence_wasm.js');
const vectors = loadVectors();

test('every operation is exported, under its camelCase name', () => {
  assert.ok(vectors.length >= 8);
  for (const op of wasm.operations()) assert.equal(typeof wasm[camel(op)], 'function', op);
});

for (const v of vectors) {
  test(`${v.operation}/${v.name}`, () => {
    const run = wasm[camel(v.operation)];
    if (v.error) {
      assert.throws(() => run(v.request), (e) => {
        assert.ok(e instanceof Error);
        assert.equal(e.code, v.error.code);
        assert.equal(e.help, v.error.help);
        assert.deepEqual(e.location, v.error.location);
        assert.deepEqual(e.payload, v.error);
        return true;
      });
    } else {
      assert.deepEqual(run(v.request), v.response);
    }
  });
}

const bad = [
  ['unknown operation', () => wasm.call('frobnicate', { sources: [] })],
  ['a number for a request', () => wasm.parse(42)],
  ['undefined for a request', () => wasm.validate(undefined)],
  ['a BigInt inside', () => wasm.parse({ sources: [], n: 1n })],
  ['a cycle', () => { const r = { sources: [] }; r.self = r; return wasm.parse(r); }],
  ['JSON text that is not JSON', () => wasm.call('parse', '{"sources": [')],
  ['a field of the wrong type', () => wasm.validate({ sources: [{ text: 7 }] })],
];
for (const [what, run] of bad) {
  test(`bad input throws a structured Error, and the module keeps working: ${what}`, () => {
    assert.throws(run, (e) => e instanceof Error && e.name === 'NetfenceError' && e.code === 'NF-E011' && e.payload.code === 'NF-E011');
    assert.equal(wasm.parse({ sources: [{ text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' }] }).counts.namespaces, 1);
  });
}
