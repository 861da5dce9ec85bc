// `analyzeArrow`: analyze's answer as an Apache Arrow IPC stream, read by apache-arrow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tableFromIPC } from 'apache-arrow';
import * as netfence from 'netfence';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const files = (dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => ({ name: join(dir, f), text: readFileSync(join(root, dir, f), 'utf8') }));
const sources = [...files('examples/online-shop/manifests'), ...files('examples/online-shop/policies')];

function rows(table) {
  const out = [];
  for (let i = 0; i < table.numRows; i++) {
    const row = table.get(i);
    out.push([row.src, row.dst, row.protocol, row.port_from, row.port_to]);
  }
  return out;
}

for (const filter of [{}, { focusWorkloads: ['shop/api'] }]) {
  test(`the stream is the canonical list (${JSON.stringify(filter)})`, async () => {
    const expected = netfence
      .analyze({ sources, filter })
      .connections.flatMap((c) => c.ports.map(([lo, hi]) => [c.src, c.dst, c.protocol, lo, hi]));
    assert.ok(expected.length > 0);
    for (const stream of [netfence.analyzeArrow({ sources, filter }), await netfence.analyzeArrowAsync({ sources, filter })]) {
      assert.ok(Buffer.isBuffer(stream));
      const table = tableFromIPC(stream);
      assert.deepEqual(rows(table), expected);
      assert.equal(table.schema.metadata.get('netfence.partial'), 'false');
    }
  });
}

test('bad requests throw a NetfenceError, sync and async', async () => {
  assert.throws(() => netfence.analyzeArrow({ sources, nope: 1 }), { name: 'NetfenceError', code: 'NF-E011' });
  await assert.rejects(netfence.analyzeArrowAsync('{'), { name: 'NetfenceError', code: 'NF-E011' });
});
