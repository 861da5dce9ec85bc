// Files and bytes as inputs: read natively (streamed, never a JavaScript string) in the
// `sources` of the operations that take them, refused anywhere else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const netfence = require('netfence');
const here = dirname(fileURLToPath(import.meta.url));
const example = join(here, '../../examples/online-shop');
const files = ['manifests', 'policies'].flatMap((dir) =>
  readdirSync(join(example, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => join(example, dir, f)),
);
const asText = () => files.map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));

test('directories and files answer as their text does', async () => {
  const byText = netfence.analyze({ sources: asText() });
  const byDir = netfence.analyze({ sources: [netfence.file(join(example, 'manifests')), netfence.file(join(example, 'policies'))] });
  assert.deepEqual(byDir, byText);
  const byFiles = await netfence.analyzeAsync({ sources: files.map((f) => netfence.file(pathToFileURL(f))) });
  assert.deepEqual(byFiles, byText);
  assert.ok(byText.connections.length > 10);
});

test('bytes answer as their text does, named as asked', async () => {
  const byText = netfence.analyze({ sources: asText() });
  const byBytes = await netfence.analyzeAsync({ sources: files.map((f) => netfence.bytes(readFileSync(f), f)) });
  assert.deepEqual(byBytes, byText);
  const view = new Uint8Array(readFileSync(files[0]));
  const parsed = netfence.parse({ sources: [netfence.bytes(view)] });
  assert.ok(parsed.resources.length > 0);
  assert.ok(parsed.resources.every((r) => r.location.file === '<input>'));
});

test('read inputs come before the text sources and take the request options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netfence-'));
  const dump = join(dir, 'dump.json');
  const items = Array.from({ length: 2000 }, (_, i) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `n${i}`, managedFields: [{ manager: 'kubectl' }] } }));
  writeFileSync(dump, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2));
  const text = { name: 'extra.yaml', text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: extra}\n' };
  const parsed = netfence.parse({ sources: [text, netfence.file(dump)] });
  assert.equal(parsed.counts.namespaces, 2001);
  assert.equal(parsed.resources[0].location.file, dump);
  assert.equal(parsed.resources.at(-1).location.file, 'extra.yaml');
  // no browser-sized cap on files unless the request sets one
  assert.throws(() => netfence.parse({ sources: [netfence.file(dump)], options: { maxInputBytes: 1000 } }), { code: 'NF-E001' });
});

test('native inputs where they cannot be read are refused, never sent empty', async () => {
  const input = netfence.file(join(example, 'manifests'));
  assert.ok(!netfence.SOURCE_OPERATIONS.includes('diff'));
  assert.throws(() => netfence.diff({ base: [input], head: [] }), (e) => e.code === 'NF-E011' && /file\(\) and bytes\(\)/.test(e.message));
  await assert.rejects(netfence.validateAsync({ sources: [input] }), { code: 'NF-E011' });
  assert.throws(() => netfence.analyzeArrow({ sources: [input] }), { code: 'NF-E011' });
  assert.throws(() => netfence.file(42), { code: 'NF-E011' });
  assert.throws(() => netfence.bytes('text'), { code: 'NF-E011' });
  // a missing path is an I/O error with its path
  assert.throws(() => netfence.parse({ sources: [netfence.file(join(example, 'nope.yaml'))] }), (e) => e.code === 'NF-E020' && e.message.includes('nope.yaml'));
});
