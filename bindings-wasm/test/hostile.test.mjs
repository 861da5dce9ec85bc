// The WASM rows of the hostile-input matrix (docs/reliability.md): the shared hostile cases
// (tests/hostile/hostile.mjs) on both builds, in Node and in headless Chromium, each giving a
// response or a NetfenceError with its code while the module keeps working; and a panic (the
// module is built with `panic = "abort"`) leaving the next call working on a fresh instance.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CASES, runCase, problems } from '../../tests/hostile/hostile.mjs';

const require = createRequire(import.meta.url);
const builds = {
  core: require('../pkg/node/netfence_wasm.js'),
  full: require('../pkg/node-full/netfence_wasm.js'),
};
const NAMESPACE = { sources: [{ text: 'apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n' }] };
const PANIC = '__panic_for_tests';

for (const [build, wasm] of Object.entries(builds)) {
  CASES.forEach((c, i) => {
    test(`${build} in Node: hostile input: ${c.name}`, () => {
      assert.deepEqual(problems(i, runCase(wasm, i)), []);
    });
  });

  test(`${build} in Node: after a panic the next call runs on a fresh instance`, () => {
    const before = wasm.parse(NAMESPACE);
    for (let round = 0; round < 3; round++) {
      assert.throws(() => wasm.call(PANIC, {}), (e) => e instanceof WebAssembly.RuntimeError);
      assert.deepEqual(wasm.parse(NAMESPACE), before);
      assert.throws(() => wasm.parse([]), (e) => e.code === 'NF-E011');
    }
  });
}

// --- Chromium ---------------------------------------------------------------------------------

const root = fileURLToPath(new URL('..', import.meta.url));
const shared = fileURLToPath(new URL('../../tests/hostile/hostile.mjs', import.meta.url));
let server;
let browser;
let page;

before(async () => {
  // the package's `pkg/` and the shared cases, nothing else
  server = createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = path === '/hostile.mjs' ? shared : /^\/pkg\/(web|web-full)\/[\w.]+$/.test(path) ? root + path.slice(1) : null;
    const type = file?.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
    try {
      if (!file) throw new Error('not served');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': path === '/' ? 'text/html' : type });
      res.end(body);
    } catch {
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/html' });
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.evaluate(async () => {
    globalThis.hostile = await import('/hostile.mjs');
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

for (const build of ['core', 'full']) {
  test(`${build} in Chromium: every hostile input gives its code and the module keeps working`, async () => {
    for (let i = 0; i < CASES.length; i++) {
      const outcome = await page.evaluate(({ build, i }) => globalThis.hostile.runCase(globalThis.netfence[build], i), { build, i });
      assert.deepEqual(problems(i, outcome), [], CASES[i].name);
    }
  });

  test(`${build} in Chromium: after a panic the next call runs on a fresh instance`, async () => {
    const out = await page.evaluate(({ build, PANIC, NAMESPACE }) => {
      const nf = globalThis.netfence[build];
      const before = JSON.stringify(nf.parse(NAMESPACE));
      const rounds = [];
      for (let round = 0; round < 3; round++) {
        let trap = 'no error';
        try { nf.call(PANIC, {}); } catch (e) { trap = e instanceof WebAssembly.RuntimeError ? 'RuntimeError' : String(e); }
        rounds.push({ trap, same: JSON.stringify(nf.parse(NAMESPACE)) === before });
      }
      return rounds;
    }, { build, PANIC, NAMESPACE });
    assert.deepEqual(out, Array(3).fill({ trap: 'RuntimeError', same: true }));
  });
}
