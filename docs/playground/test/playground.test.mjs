// End-to-end tests of the playground in real headless Chromium (Debian's /usr/bin/chromium
// through playwright-core): the folder `cargo xtask playground` assembles (PLAYGROUND_DIR,
// default target/playground) is served by a tiny static server on 127.0.0.1. Screenshots go to
// SCREENSHOT_DIR (default target/playground-screenshots).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const dir = resolve(process.env.PLAYGROUND_DIR ?? join(repo, 'target/playground'));
const shots = resolve(process.env.SCREENSHOT_DIR ?? join(repo, 'target/playground-screenshots'));
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};

let server;
let browser;
let context;
let page;
let origin;
const pageErrors = [];
const fetched = [];
const fetchedFull = () => fetched.filter((path) => path.startsWith('/pkg-full/'));

async function shot(name, target = page) {
  await target.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

/// Waits until the debounced analysis after the last edit has run.
async function settled(target = page) {
  await target.waitForFunction(() => document.body.dataset.ready === '1' && !document.body.dataset.pending, null, { timeout: 20000 });
}

before(async () => {
  await mkdir(shots, { recursive: true });
  server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (file !== dir && !file.startsWith(dir + sep)) { res.writeHead(403); res.end(); return; }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  context = await browser.newContext({ viewport: { width: 1440, height: 960 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
  page.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
});

after(async () => {
  await browser?.close();
  await new Promise((ok) => server?.close(ok));
});

const cell = (from, to) => `#matrix td[data-src="${from}"][data-dst="${to}"]`;

test('loads the example and shows the connectivity matrix and graph', async () => {
  await page.goto(`${origin}/`);
  await settled();
  const text = await page.inputValue('#yaml');
  assert.match(text, /^# examples\/online-shop\/manifests\/namespaces\.yaml/);
  assert.match(text, /kind: NetworkPolicy/);
  assert.ok((await page.locator('#matrix tbody tr').count()) >= 6, 'a row per endpoint');
  assert.equal((await page.textContent(cell('shop/frontend[Deployment]', 'shop/api[Deployment]'))).trim(), 'TCP 8080');
  assert.equal((await page.textContent(cell('shop/api[Deployment]', 'payments/payments[Deployment]'))).trim(), 'TCP 8443');
  assert.equal((await page.textContent(cell('shop/frontend[Deployment]', 'data/postgres[StatefulSet]'))).trim(), '·');
  assert.ok((await page.locator('#graph svg .edge').count()) >= 10, 'graph edges');
  assert.ok((await page.locator('#graph svg .node').count()) >= 7, 'graph nodes');
  assert.match(await page.textContent('#status'), /Ready/);
  assert.match(await page.textContent('#gutter'), /^1234/);
  await shot('01-loaded');
  await page.locator('#graph').screenshot({ path: join(shots, '01-graph.png') });
  assert.deepEqual(pageErrors, []);
  // the page starts on the core build; the full build waits until the page needs it
  assert.ok(fetched.includes('/pkg/netfence_wasm_bg.wasm'), fetched.join(' '));
  assert.deepEqual(fetchedFull(), []);
  // the findings come from `lint` (API validation and the review checks) on the core build
  assert.ok((await page.locator('#findings li.finding', { hasText: /NF2\d\d/ }).count()) > 0, 'review-check findings');
});

test('an invalid protocol typed into the editor appears as a finding with its line highlighted', async () => {
  const before = await page.locator('#findings li.error').count();
  // select the first `protocol: TCP` value of the policies and type over it
  const line = await page.evaluate(() => {
    const ta = document.getElementById('yaml');
    const at = ta.value.indexOf('protocol: TCP', ta.value.indexOf('kind: NetworkPolicy')) + 'protocol: '.length;
    ta.focus();
    ta.setSelectionRange(at, at + 3);
    return ta.value.slice(0, at).split('\n').length;
  });
  await page.keyboard.type('HTTP');
  await settled();
  const finding = page.locator('#findings li.finding.error', { hasText: 'NF017' });
  await finding.waitFor();
  assert.equal(await finding.getAttribute('data-line'), String(line));
  assert.match(await finding.textContent(), /invalid-protocol.*protocol `HTTP` is not supported.*playground\.yaml:\d+:\d+/);
  assert.ok((await page.locator('#findings li.error').count()) > before);
  assert.match(await page.getAttribute(`#backdrop .l[data-line="${line}"]`, 'class'), /\berr\b/);
  assert.match(await page.getAttribute(`#gutter div[data-line="${line}"]`, 'class'), /\berr\b/);
  assert.match(await page.textContent('#verdict'), /fail/);
  // clicking the finding puts the caret on its line
  await finding.click();
  const caretLine = await page.evaluate(() => { const ta = document.getElementById('yaml'); return ta.value.slice(0, ta.selectionStart).split('\n').length; });
  assert.equal(caretLine, line);
  await shot('02-finding');
});

test('a matrix cell opens the explanation of that connection', async () => {
  await page.click(cell('shop/frontend[Deployment]', 'shop/api[Deployment]'));
  const box = page.locator('#explain');
  await box.waitFor({ state: 'visible' });
  const text = await box.textContent();
  assert.match(text, /shop\/frontend → shop\/api: allowed on TCP 8080/);
  assert.match(text, /frontend-egress/);
  assert.match(text, /api-ingress/);
  assert.match(text, /default-deny/);
  await box.scrollIntoViewIfNeeded();
  await shot('03-explain');
  // a denied pair says why
  await page.click(cell('shop/frontend[Deployment]', 'data/postgres[StatefulSet]'));
  await page.waitForFunction(() => /postgres: denied on every port/.test(document.getElementById('explain').textContent));
});

test('the intent form builds policies and offers the YAML as a download', async () => {
  await page.click('.tabs button[data-tab="intent"]');
  await page.fill('#intent-form input[name="namespace"]', 'shop');
  await page.fill('#intent-form input[name="workload"]', 'api');
  await page.click('#build');
  const yaml = page.locator('#intent-yaml');
  await yaml.waitFor({ state: 'visible' });
  const text = await yaml.textContent();
  assert.match(text, /kind: NetworkPolicy/);
  assert.match(text, /name: api-ingress/);
  assert.match(text, /name: api-egress/);
  assert.match(text, /name: default-deny/);
  assert.match(text, /port: http/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  assert.equal(download.suggestedFilename(), 'shop-policies.yaml');
  const saved = join(shots, 'intent-download.yaml');
  await download.saveAs(saved);
  assert.equal(await readFile(saved, 'utf8'), text);
  await shot('04-intent');
  // a bad CIDR is an error with its code
  await page.selectOption('#rules tr:first-child select[name="peer"]', 'ipBlock');
  await page.fill('#rules tr:first-child input[name="cidr"]', '10.0.0.0/33');
  await page.click('#build');
  await page.locator('#intent-errors li').waitFor();
  assert.match(await page.textContent('#intent-errors'), /NF-E\d{3}/);
});

test('the diff view compares the editor with the saved base', async () => {
  assert.deepEqual(fetchedFull(), [], 'nothing so far needed the full build');
  await page.click('.tabs button[data-tab="diff"]');
  // the invalid protocol edit (in postgres-ingress) changes what reaches postgres
  await page.locator('#diff-table').waitFor();
  assert.match(await page.textContent('#diff-table'), /data\/postgres/);
  // the change review runs on the full build, loaded now
  await page.locator('#change-findings').waitFor();
  assert.ok(fetchedFull().includes('/pkg-full/netfence_wasm_bg.wasm'), fetched.join(' '));
  assert.match(await page.textContent('#change-findings'), /new error\s*NF017/);
  await page.click('#save-base');
  await page.waitForFunction(() => /No difference/.test(document.getElementById('diff').textContent));
  await page.click('#reset-base');
  await page.locator('#diff-table').waitFor();
  await shot('05-diff');
});

test('a Hubble flow file shows the traffic map and generated policies', async () => {
  await page.click('.tabs button[data-tab="flows"]');
  await page.setInputFiles('#flow-file', join(repo, 'examples/online-shop/flows/hubble.jsonl'));
  await page.locator('#traffic tbody tr').first().waitFor();
  assert.ok((await page.locator('#traffic tbody tr').count()) >= 5);
  assert.match(await page.textContent('#traffic'), /shop\/frontend.*shop\/api.*TCP\/8080/s);
  assert.ok((await page.locator('#flow-graph svg .edge').count()) >= 5);
  const generated = await page.textContent('#generated-yaml');
  assert.match(generated, /kind: NetworkPolicy/);
  await shot('06-flows');
});

test('the share link round-trips the editor text through the URL hash', async () => {
  await page.click('#share');
  await page.waitForFunction(() => document.getElementById('share-url').value.includes('#y='));
  const url = await page.inputValue('#share-url');
  assert.equal(page.url(), url, 'the address bar holds the link too');
  assert.match(url, /#y=[A-Za-z0-9_-]+$/);
  const edited = await page.inputValue('#yaml');
  assert.match(edited, /protocol: HTTP/);
  const other = await context.newPage();
  other.on('pageerror', (e) => pageErrors.push(String(e)));
  await other.goto(url);
  await settled(other);
  assert.equal(await other.inputValue('#yaml'), edited);
  await other.locator('#findings li.finding', { hasText: 'NF017' }).waitFor();
  await shot('07-shared', other);
  await other.close();
  // a broken hash falls back to the example with a message
  const broken = await context.newPage();
  await broken.goto(`${origin}/#y=not-deflate`);
  await settled(broken);
  assert.match(await broken.textContent('#status'), /cannot be read/);
  assert.match(await broken.inputValue('#yaml'), /^# examples\/online-shop/);
  await broken.close();
  assert.deepEqual(pageErrors, []);
});

test('a document that cannot be read shows its error code and line; Example restores the text', async () => {
  await page.click('#reset');
  await settled();
  assert.equal(await page.locator('#findings li.error').count(), 0);
  await page.click('#yaml');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('---\nkind: [\n');
  await settled();
  const lines = (await page.inputValue('#yaml')).split('\n').length;
  const error = page.locator('#findings li.finding.error', { hasText: 'NF-E002' });
  await error.waitFor();
  assert.equal(await error.getAttribute('data-line'), String(lines - 1));
  assert.match(await page.getAttribute(`#gutter div[data-line="${lines - 1}"]`, 'class'), /\berr\b/);
  // Tab indents inside the editor
  await page.keyboard.press('Tab');
  assert.match(await page.inputValue('#yaml'), /kind: \[\n {2}$/);
  await page.click('#reset');
  await settled();
  assert.equal(await page.locator('#findings li.error').count(), 0);
});

test('a flow file dropped on the page is read', async () => {
  await page.click('.tabs button[data-tab="connectivity"]');
  const text = await readFile(join(repo, 'examples/online-shop/flows/hubble.jsonl'), 'utf8');
  await page.evaluate((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text.split('\n').slice(0, 10).join('\n')], 'dropped.jsonl'));
    document.getElementById('yaml').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForFunction(() => /^dropped\.jsonl: 10 records/.test(document.querySelector('#flows .summary')?.textContent ?? ''));
  assert.equal(await page.isVisible('#tab-flows'), true);
  // every generated flow is allowed by the example's own policies
  assert.equal(await page.locator('#traffic td.no').count(), 0);
});

test('screenshots are saved', async () => {
  await writeFile(join(shots, 'README.txt'), 'Screenshots of the playground e2e test (docs/playground/test); regenerated by cargo xtask test.\n');
});
