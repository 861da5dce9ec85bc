// The WASM package in real headless Chromium (Debian's /usr/bin/chromium through
// playwright-core): the `pkg/web` (core) and `pkg/web-full` builds, served from a local static
// server, run the shared vectors of their operations and bad input; the browser quick start of
// docs/api.md runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadVectors, camel, asAnsweredBy } from '../../tests/vectors/vectors.mjs';

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
  // both builds in one page: separate modules, separate memories
  await page.evaluate(async () => {
    globalThis.netfence = {};
    for (const [build, dir] of [['core', 'web'], ['full', 'web-full']]) {
      const module = await import(`/pkg/${dir}/netfence_wasm.js`);
      await module.default();
      globalThis.netfence[build] = module;
    }
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

const vectors = loadVectors();

for (const build of ['core', 'full']) {
  test(`${build}: every vector of the build's operations runs in Chromium`, async () => {
    const operations = await page.evaluate((build) => globalThis.netfence[build].operations(), build);
    const mine = vectors.filter((v) => operations.includes(v.operation)).map((v) => asAnsweredBy(build, v));
    assert.ok(mine.length >= 8);
    if (build === 'full') assert.equal(mine.length, vectors.length);
    const results = await page.evaluate(({ build, vectors, names }) => vectors.map((v, i) => {
      try {
        return { response: globalThis.netfence[build][names[i]](v.request) };
      } catch (e) {
        return { thrown: { isError: e instanceof Error, name: e.name, code: e.code, payload: e.payload } };
      }
    }), { build, vectors: mine, names: mine.map((v) => camel(v.operation)) });
    mine.forEach((v, i) => {
      const name = `${build}: ${v.operation}/${v.name}`;
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

  test(`${build}: bad input throws a structured Error in Chromium and the module keeps working`, async () => {
    const out = await page.evaluate((build) => {
      const nf = globalThis.netfence[build];
      const attempts = [() => nf.parse(42), () => nf.parse({ n: 1n }), () => nf.call('nope', {}), () => nf.call('review', { sources: [] })];
      const codes = attempts.map((run) => { try { run(); return 'no error'; } catch (e) { return e instanceof Error ? e.code : 'not an Error'; } });
      const after = nf.validate({ sources: [{ text: 'kind: Namespace\napiVersion: v1\nmetadata: {name: a}\n' }] }).valid;
      return { codes, after };
    }, build);
    // `review` with an empty request: the full build runs it, the core build does not have it
    const review = build === 'full' ? 'no error' : 'NF-E011';
    assert.deepEqual(out, { codes: ['NF-E011', 'NF-E011', 'NF-E011', review], after: true });
  });
}

test('the browser quick start in docs/api.md runs', async () => {
  assert.ok(quickstart, 'docs/api.md has a ```html browser block');
  assert.ok(quickstart[1].trim().split('\n').length <= 10, 'at most 10 lines');
  const tab = await browser.newPage();
  await tab.goto(`${origin}/quickstart.html`);
  await tab.waitForFunction(() => document.body.textContent.startsWith('valid:'), null, { timeout: 20000 });
  assert.match(await tab.textContent('body'), /^valid: false; NF018/);
  await tab.close();
});
