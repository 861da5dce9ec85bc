// The WASM package in Node (the `pkg/node` and `pkg/node-full` builds): every shared vector
// (the core build: those of its operations), the split between the builds, and bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { loadVectors, camel, asAnsweredBy } from '../../tests/vectors/vectors.mjs';

const require = createRequire(import.meta.url);
const builds = {
  core: require('../pkg/node/netfence_wasm.js'),
  full: require('../pkg/node-full/netfence_wasm.js'),
};
const vectors = loadVectors();
// `WASM_CORE_OPERATIONS` in xtask/src/bindings.rs, in the order of the cycle
const CORE = ['parse', 'validate', 'lint', 'build', 'analyze', 'explain', 'diff', 'check', 'plan'];

test('the full build has every operation the vectors cover; the core build its share', () => {
  assert.ok(vectors.length >= 8);
  const covered = [...new Set(vectors.map((v) => v.operation))].sort();
  assert.deepEqual([...builds.full.operations()].sort(), covered);
  assert.deepEqual(builds.core.operations(), CORE);
  assert.deepEqual(builds.full.operations().filter((op) => CORE.includes(op)), CORE);
});

for (const [build, wasm] of Object.entries(builds)) {
  test(`${build}: every operation is exported under its camelCase name; those of the other build throw NF-E011`, () => {
    for (const op of builds.full.operations()) assert.equal(typeof wasm[camel(op)], 'function', op);
    for (const op of builds.full.operations().filter((op) => !wasm.operations().includes(op))) {
      assert.throws(() => wasm[camel(op)]({ sources: [] }), (e) => {
        assert.ok(e instanceof Error);
        assert.equal(e.name, 'NetfenceError');
        assert.equal(e.code, 'NF-E011');
        assert.equal(e.message, `operation \`${op}\` is not in the core build of netfence-wasm`);
        assert.match(e.help, /^import `netfence-wasm\/full` for every operation/);
        return true;
      });
    }
  });

  for (const v of vectors.filter((v) => wasm.operations().includes(v.operation)).map((v) => asAnsweredBy(build, v))) {
    test(`${build}: ${v.operation}/${v.name}`, () => {
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
    test(`${build}: bad input throws a structured Error, and the module keeps working: ${what}`, () => {
      assert.throws(run, (e) => e instanceof Error && e.name === 'NetfenceError' && e.code === 'NF-E011' && e.payload.code === 'NF-E011');
      assert.equal(wasm.parse({ sources: [{ text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' }] }).counts.namespaces, 1);
    });
  }
}

test('core: an operation of the full build says where to find it', () => {
  for (const op of ['review', 'flow_map', 'flowMap', 'schema']) {
    assert.throws(() => builds.core.call(op, { sources: [] }), (e) => {
      assert.equal(e.code, 'NF-E011');
      assert.equal(e.message, `operation \`${op}\` is not in the core build of netfence-wasm`);
      assert.match(e.help, /^import `netfence-wasm\/full` for every operation; this build has: parse, validate, lint, build, analyze, explain, diff, check, plan$/);
      return true;
    });
  }
  assert.throws(() => builds.core.call('frobnicate', {}), (e) => e.message === 'unknown operation `frobnicate`' && e.help === `operations are: ${CORE.join(', ')}`);
  assert.throws(() => builds.full.call('frobnicate', {}), (e) => e.help === `operations are: ${builds.full.operations().join(', ')}`);
  // `call` takes the JS name as well as the operation's
  const v = vectors.find((v) => v.operation === 'flow_map' && v.response);
  assert.deepEqual(builds.full.call('flowMap', v.request), v.response);
  assert.deepEqual(builds.full.call('flow_map', v.request), v.response);
});

test('the package entries resolve by name: netfence-wasm is the core build, netfence-wasm/full the full one', async () => {
  // a package can import itself by the name in its package.json, through its `exports`
  const core = require('netfence-wasm');
  const full = require('netfence-wasm/full');
  assert.deepEqual(core.operations(), CORE);
  assert.deepEqual(full.operations(), builds.full.operations());
  assert.equal(require('netfence-wasm/node'), core);
  assert.equal(require('netfence-wasm/full/node'), full);
  const esm = await import('netfence-wasm/full');
  assert.deepEqual(esm.operations(), full.operations());
});
