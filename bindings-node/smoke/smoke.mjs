// Smoke suite of the installed npm tarballs, run by `cargo xtask test` (xtask/src/dist.rs) from a
// fresh npm folder outside the repository into which only `netfence-<v>.tgz` and
// `netfence-wasm-<v>.tgz` were installed:
//
//     node smoke.mjs <repository root>
//
// It runs every shared vector through `netfence` (sync and async) and both builds of
// `netfence-wasm`, the docs' Node quick start (run, and compiled with tsc --strict against the
// installed types) and browser quick start (in headless Chromium, from this folder's
// node_modules), holds `netfence` to its size target, and prints how long `analyze` takes on the
// example (information, not a test: speed goals live in benchmarks).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = process.argv[2];
const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const netfence = require('netfence');
const wasm = { core: require('netfence-wasm'), full: require('netfence-wasm/full') };
const { loadVectors, camel, asAnsweredBy } = await import(pathToFileURL(join(root, 'tests/vectors/vectors.mjs')).href);
const docs = readFileSync(join(root, 'docs/api.md'), 'utf8');

function installedOutsideTheRepository() {
  for (const name of ['netfence', 'netfence-wasm']) {
    const file = require.resolve(name);
    assert.ok(file.startsWith(here + sep) && !file.startsWith(root + sep), `${name} resolves to ${file}`);
  }
}

/** Bytes of every file under `dir`. */
function size(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .reduce((sum, e) => sum + (e.isDirectory() ? size(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

async function vectors() {
  const all = loadVectors();
  assert.ok(all.length >= 8);
  let runs = 0;
  for (const vector of all) {
    const name = `${vector.operation}/${vector.name}`;
    const runners = [
      ['netfence', (r) => netfence[camel(vector.operation)](r), vector],
      ['netfence (async)', (r) => netfence[`${camel(vector.operation)}Async`](r), vector],
      ['netfence-wasm/full', (r) => wasm.full[camel(vector.operation)](r), vector],
    ];
    if (wasm.core.operations().includes(vector.operation)) {
      // the core build has no renderers: a request with a `format` is NF-E011
      runners.push(['netfence-wasm', (r) => wasm.core[camel(vector.operation)](r), asAnsweredBy('core', vector)]);
    }
    for (const [runner, run, v] of runners) {
      runs += 1;
      try {
        const response = await run(v.request);
        assert.ok(!v.error, `${runner} ${name}: no error`);
        assert.deepEqual(response, v.response, `${runner} ${name}`);
      } catch (e) {
        if (!v.error || e instanceof assert.AssertionError) throw e;
        assert.deepEqual(e.payload, v.error, `${runner} ${name}`);
      }
    }
  }
  for (const op of wasm.full.operations().filter((op) => !wasm.core.operations().includes(op))) {
    assert.throws(() => wasm.core[camel(op)]({ sources: [] }), (e) => e.code === 'NF-E011', `netfence-wasm: ${op}`);
  }
  return { vectors: all.length, runs };
}

function nodeQuickStart() {
  const block = docs.match(/```js node\n([\s\S]*?)```/);
  assert.ok(block, 'docs/api.md has a ```js node block');
  writeFileSync(join(here, 'quickstart.mjs'), block[1]);
  const out = execFileSync(process.execPath, [join(here, 'quickstart.mjs')], { cwd: here, encoding: 'utf8' });
  assert.match(out, /valid: false/);
  // the same code as TypeScript, against the installed index.d.ts
  writeFileSync(join(here, 'quickstart.mts'), `${block[1]}export {};\n`);
  const tsc = join(root, 'bindings-node/node_modules/typescript/bin/tsc');
  const args = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', '--lib', 'es2022,dom', 'quickstart.mts'];
  const done = spawnSync(process.execPath, [tsc, ...args], { cwd: here, encoding: 'utf8' });
  assert.equal(done.status, 0, done.stdout + done.stderr);
}

async function browserQuickStart() {
  const block = docs.match(/```html browser\n([\s\S]*?)```/);
  assert.ok(block, 'docs/api.md has a ```html browser block');
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/quickstart.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html><body>${block[1]}</body></html>`);
      return;
    }
    const file = normalize(join(here, path));
    try {
      if (!file.startsWith(here + sep)) throw new Error('outside');
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { chromium } = await import(pathToFileURL(join(root, 'bindings-wasm/node_modules/playwright-core/index.mjs')).href);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.address().port}/quickstart.html`);
    await page.waitForFunction(() => document.body.textContent.startsWith('valid:'), null, { timeout: 20000 });
    assert.match(await page.textContent('body'), /^valid: false; NF018/);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The best and the median time of `run` over 50 calls after 10 warm-up calls (the best is
 * the least disturbed by other load). */
function timing(run) {
  const times = [];
  for (let i = 0; i < 60; i++) {
    const started = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  const sorted = times.slice(10).sort((a, b) => a - b);
  return `best ${sorted[0].toFixed(2)} ms, median ${sorted[Math.floor(sorted.length / 2)].toFixed(2)} ms`;
}

installedOutsideTheRepository();
const unpacked = size(join(here, 'node_modules/netfence'));
assert.ok(unpacked <= 8_000_000, `netfence is ${unpacked} bytes unpacked, over the 8 MB target`);
const { vectors: count, runs } = await vectors();
nodeQuickStart();
await browserQuickStart();
console.log(`smoke (npm): netfence ${(unpacked / 1e6).toFixed(1)} MB unpacked, netfence-wasm ${(size(join(here, 'node_modules/netfence-wasm')) / 1e6).toFixed(1)} MB; ${count} vectors (${runs} runs), the Node and browser quick starts ok`);
const example = join(root, 'examples/online-shop');
const sources = ['manifests', 'policies'].flatMap((d) => readdirSync(join(example, d)).filter((f) => f.endsWith('.yaml')).sort()
  .map((f) => ({ name: join(example, d, f), text: readFileSync(join(example, d, f), 'utf8') })));
const request = { sources };
console.log(`smoke (npm): analyze on examples/online-shop (manifests and policies): netfence ${timing(() => netfence.analyze(request))}; netfence-wasm ${timing(() => wasm.core.analyze(request))}`);
