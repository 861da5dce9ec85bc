// The generated index.d.ts under tsc --strict: it types a real program, the docs' examples
// compile, and a file of deliberate mistakes fails on exactly its marked lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('..', import.meta.url));

/** Runs tsc --strict (no output files) on `files`, relative to the package folder. */
function tsc(files) {
  // lib.dom declares `console` (the examples use nothing else of Node's own API)
  const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', 'es2022,dom'];
  return spawnSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), ...args, ...files], { cwd: dir, encoding: 'utf8' });
}

test('index.d.ts compiles and types a program under tsc --strict', () => {
  const done = tsc(['index.d.ts', 'test/typed-usage.ts']);
  assert.equal(done.status, 0, done.stdout + done.stderr);
});

test("the docs' Node example compiles under tsc --strict", () => {
  const block = readFileSync(join(dir, '../docs/api.md'), 'utf8').match(/```js node\n([\s\S]*?)```/);
  assert.ok(block, 'docs/api.md has a ```js node block');
  const file = join(dir, 'test/.quickstart-typed.mts');
  writeFileSync(file, `${block[1]}export {};\n`);
  try {
    const done = tsc(['test/.quickstart-typed.mts']);
    assert.equal(done.status, 0, done.stdout + done.stderr);
  } finally {
    rmSync(file, { force: true });
  }
});

test('the mistakes fail tsc --strict on exactly their lines', () => {
  const file = 'test/typecheck/mistakes.mts';
  const marked = new Set();
  readFileSync(join(dir, file), 'utf8').split('\n').forEach((line, i) => { if (line.includes(' // mistake: ')) marked.add(i + 1); });
  assert.ok(marked.size >= 12);
  const done = tsc([file]);
  assert.equal(done.status, 2, done.stdout + done.stderr);
  const flagged = new Set([...done.stdout.matchAll(/mistakes\.mts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1])));
  assert.deepEqual([...flagged].sort((a, b) => a - b), [...marked].sort((a, b) => a - b), done.stdout);
});
