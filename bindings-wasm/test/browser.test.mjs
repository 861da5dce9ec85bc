// The WASM package in real headless Chromium (Debian's /usr/bin/chromium through
// playwright-core): the `pkg/web` build served from a local static server runs every shared
// vector, bad input, and the browser quick start of docs/api.md.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadVectors, camel } from '../../tests/vectors/vectors.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const docs = readFileSync(join(root, '../docs/api.md'), 'utf8');
const quickstart = docs.match(/```html browser\n([\s\S]*?)```/);
const types = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json' };

let server;
let browser;
let page;
let origin;

before(async () => {
  server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path === '/quickstart.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><html><body>${quickstart ? quickstart[1] : ''}</body></html>`);
      return;
    }
    path = path.replace(/^\/node_modules\/netfence-wasm\//, '/');
    const file = normalize(join(root, path));
    // inside the package folder (`root` ends with a separator)
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) { res.writeHead(403); res.end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', e));
  await page.goto(`${origin}/pkg/web/netfence_wasm.js`); // same origin for the module import
  await page.evaluate(async () => {
    const module = await import('/pkg/web/netfence_wasm.js');
    await module.default();
    globalThis.netfence = module;
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const vectors = loadVectors();

test('every vector runs in Chromium', async () => {
  assert.ok(vectors.length >= 8);
  const results = await page.evaluate(({ vectors, names }) => vectors.map((v, i) => {
    try {
      return { response: globalThis.netfence[names[i]](v.request) };
    } catch (e) {
      return { thrown: { isError: e instanceof Error, name: e.name, code: e.code, payload: e.payload } };
    }
  }), { vectors, names: vectors.map((v) => camel(v.operation)) });
  vectors.forEach((v, i) => {
    const name = `${v.operation}/${v.name}`;
    if (v.error) {
      assert.ok(results[i].thrown, `${name}: expected an error`);
      assert.equal(results[i].thrown.isError, true, name);
      assert.equal(results[i].thrown.code, v.error.code, name);
      assert.deepEqual(results[i].thrown.payload, v.error, name);
    } else {
      assert.deepEqual(results[i].response, v.response, name);
    }
  });
});

test('bad input throws a structured Error in Chromium and the module keeps working', async () => {
  const out = await page.evaluate(() => {
    const attempts = [() => globalThis.netfence.parse(42), () => globalThis.netfence.parse({ n: 1n }), () => globalThis.netfence.call('nope', {})];
    const codes = attempts.map((run) => { try { run(); return 'no error'; } catch (e) { return e instanceof Error ? e.code : 'not an Error'; } });
    const after = globalThis.netfence.validate({ sources: [{ text: 'kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n' }] }).valid;
    return { codes, after };
  });
  assert.deepEqual(out, { codes: ['NF-E011', 'NF-E011', 'NF-E011'], after: true });
});

test('the browser quick start in docs/api.md runs', async () => {
  assert.ok(quickstart, 'docs/api.md has a ```html browser block');
  assert.ok(quickstart[1].trim().split('\n').length <= 10, 'at most 10 lines');
  const tab = await browser.newPage();
  await tab.goto(`${origin}/quickstart.html`);
  await tab.waitForFunction(() => document.body.textContent.startsWith('valid:'), null, { timeout: 20000 });
  assert.match(await tab.textContent('body'), /^valid: false; NF018/);
  await tab.close();
});
