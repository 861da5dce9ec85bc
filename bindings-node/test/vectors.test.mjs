// Every shared vector through the Node binding, sync and async, by the operation's own function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import netfence from '../index.js';
import { loadVectors, camel } from '../../tests/vectors/vectors.mjs';

const vectors = loadVectors();

test('there are vectors for every operation that has them', () => {
  assert.ok(vectors.length >= 8, `only ${vectors.length} vectors`);
  for (const v of vectors) assert.ok(netfence.OPERATIONS.includes(v.operation), v.operation);
});

for (const v of vectors) {
  const name = `${v.operation}/${v.name}`;
  const sync = netfence[camel(v.operation)];
  const async = netfence[`${camel(v.operation)}Async`];
  test(`${name} (sync)`, () => {
    if (v.error) {
      assert.throws(() => sync(v.request), (e) => {
        assert.ok(e instanceof Error);
        assert.equal(e.code, v.error.code);
        assert.deepEqual(e.payload, v.error);
        return true;
      });
    } else {
      assert.deepEqual(sync(v.request), v.response);
    }
  });
  test(`${name} (async)`, async () => {
    if (v.error) {
      await assert.rejects(async(v.request), (e) => e instanceof Error && e.code === v.error.code && assert.deepEqual(e.payload, v.error) === undefined);
    } else {
      assert.deepEqual(await async(v.request), v.response);
    }
  });
}
