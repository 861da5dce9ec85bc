// End-to-end tests of the playground in real headless Chromium (Debian's /usr/bin/chromium
// through playwright-core): the folder `cargo xtask playground` assembles (PLAYGROUND_DIR,
// default target/playground) is served by a tiny static server on 127.0.0.1. Screenshots go to
// SCREENSHOT_DIR (default target/playground-screenshots); the graphs are compared with the
// stored ones in test/screenshots/ (UPDATE_SCREENSHOTS=1 rewrites them). The policies built by
// clicking are reviewed by the CLI (NETFENCE_BIN, default target/debug/netfence).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { execFileSync, spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { overlaps } from './geometry.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../../..');
const dir = resolve(process.env.PLAYGROUND_DIR ?? join(repo, 'target/playground'));
const shots = resolve(process.env.SCREENSHOT_DIR ?? join(repo, 'target/playground-screenshots'));
const stored = join(here, 'screenshots');
const netfence = resolve(process.env.NETFENCE_BIN ?? join(repo, 'target/debug/netfence'));
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.wasm': 'application/wasm', '.svg': 'image/svg+xml',
};
// the page's own files, gzipped as a server sends them: docs/decisions.md, "Playground size"
const PAGE_FILES = ['index.html', 'app.js', 'graph.js', 'intent.js', 'style.css'];
const PAGE_BUDGET = 48 * 1024;

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
  await target.waitForFunction(() => document.body.dataset.ready === '1' && !document.body.dataset.pending, null, { timeout: 30000 });
}

/// A new page of the shared context, its errors collected.
async function open(hash = '') {
  const p = await context.newPage();
  p.on('pageerror', (e) => pageErrors.push(String(e)));
  p.on('console', (m) => { if (m.type() === 'error') pageErrors.push(m.text()); });
  await p.goto(`${origin}/${hash}`);
  await settled(p);
  return p;
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
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--font-render-hinting=none'],
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

/// Loads example `id` through the Examples button's picker.
async function pick(target, id) {
  await target.click('#examples');
  await target.click(`#picker .card[data-example="${id}"]`);
  await target.locator('#picker').waitFor({ state: 'hidden' });
  await settled(target);
}

/// The text an edge label shows (its tooltip aside).
const labelText = (target, edge) => target.locator(`#graph .edge-label[data-edge="${edge}"]`).evaluate((el) => [...el.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(''));

const cell = (from, to) => `#matrix td[data-src="${from}"][data-dst="${to}"]`;
const node = (name) => `#graph .node[data-name="${name}"]`;
const W = (ns, name, kind = 'Deployment') => `${ns}/${name}[${kind}]`;

/// The drawn graph in `container`, in screen pixels, as test/geometry.mjs measures it.
async function scene(target, container) {
  return target.evaluate((selector) => {
    const root = document.querySelector(selector);
    const svg = root.querySelector('svg');
    const m = svg.getScreenCTM();
    const box = (el) => { const r = el.getBoundingClientRect(); return { x: r.x, y: r.y, w: r.width, h: r.height }; };
    return {
      nodes: [...root.querySelectorAll('.node')].map((n) => ({ name: n.dataset.id, ...box(n.querySelector('rect')) })),
      labels: [...root.querySelectorAll('.edge-label')].map((l) => ({ edge: l.dataset.edge, ...box(l) })),
      groupLabels: [...root.querySelectorAll('.group-label')].map((l) => ({ name: l.parentNode.dataset.group, ...box(l) })),
      edges: [...root.querySelectorAll('.edge')].map((e) => ({
        id: e.dataset.id, src: e.dataset.from, dst: e.dataset.to,
        points: e.dataset.points.split(' ').map((p) => p.split(',').map(Number)).map(([x, y]) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f]),
      })),
    };
  }, container);
}

/// Compares a screenshot of `locator` with test/screenshots/NAME.png: same size, and at most
/// 1 % of the pixels differing by more than 48 in a channel (font rasterisation, not layout).
async function compareShot(target, locator, name) {
  const actual = await locator.screenshot({ animations: 'disabled' });
  await writeFile(join(shots, `graph-${name}.png`), actual);
  const path = join(stored, `${name}.png`);
  if (process.env.UPDATE_SCREENSHOTS) {
    await mkdir(stored, { recursive: true });
    await writeFile(path, actual);
    return;
  }
  assert.ok(existsSync(path), `no stored screenshot ${path}: run the tests with UPDATE_SCREENSHOTS=1, look at it and commit it`);
  const expected = await readFile(path);
  const result = await target.evaluate(async ([a, b]) => {
    const load = async (base64) => createImageBitmap(await (await fetch(`data:image/png;base64,${base64}`)).blob());
    const [x, y] = [await load(a), await load(b)];
    if (x.width !== y.width || x.height !== y.height) return { size: `${x.width}×${x.height} instead of ${y.width}×${y.height}` };
    const pixels = (img) => { const c = new OffscreenCanvas(img.width, img.height).getContext('2d'); c.drawImage(img, 0, 0); return c.getImageData(0, 0, img.width, img.height).data; };
    const [p, q] = [pixels(x), pixels(y)];
    let differ = 0;
    for (let i = 0; i < p.length; i += 4) if (Math.max(Math.abs(p[i] - q[i]), Math.abs(p[i + 1] - q[i + 1]), Math.abs(p[i + 2] - q[i + 2])) > 48) differ++;
    return { ratio: differ / (p.length / 4) };
  }, [actual.toString('base64'), expected.toString('base64')]);
  assert.equal(result.size, undefined, `graph ${name}: ${result.size} (see ${shots}/graph-${name}.png)`);
  assert.ok(result.ratio <= 0.01, `graph ${name}: ${(result.ratio * 100).toFixed(2)} % of the pixels differ from ${path} (see ${shots}/graph-${name}.png)`);
}

test('a first visit shows the example picker; the online shop loads with its graph and matrix', async () => {
  // a clock that advances 0.25 ms a call: an analysis under a millisecond says so in µs
  await page.addInitScript(() => { let t = 0; performance.now = () => (t += 0.25); });
  await page.goto(`${origin}/`);
  const picker = page.locator('#picker');
  await picker.waitFor({ state: 'visible' });
  const cards = picker.locator('.card');
  assert.equal(await cards.count(), 4);
  assert.deepEqual(await cards.locator('strong').allTextContents(), ['The online shop', 'A change review', 'A flow log to policies', 'Cluster guardrails']);
  await shot('00-picker');
  await cards.first().click();
  await picker.waitFor({ state: 'hidden' });
  await settled();
  const text = await page.inputValue('#yaml');
  assert.match(text, /^# examples\/online-shop\/manifests\/namespaces\.yaml/);
  assert.match(text, /^# intent: \{"apiVersion":"netfence\.dev\/v1alpha1","kind":"Intent"/m, 'the graph edits the example\'s intent');
  assert.ok((await page.locator('#matrix tbody tr').count()) >= 6, 'a row per endpoint');
  assert.equal((await page.textContent(cell(W('shop', 'frontend'), W('shop', 'api')))).trim(), 'TCP 8080');
  assert.equal((await page.textContent(cell(W('shop', 'api'), W('payments', 'payments')))).trim(), 'TCP 8443');
  assert.equal((await page.textContent(cell(W('shop', 'frontend'), W('data', 'postgres', 'StatefulSet')))).trim(), '·');
  // the graph: every workload, the edges policies allow, and the sides no policy isolates
  assert.equal(await page.locator('#graph .node').count(), 7);
  assert.equal(await page.locator('#graph .edge').count(), 9);
  assert.equal(await page.locator(`#graph .edge[data-src="${W('shop', 'frontend')}"][data-dst="${W('shop', 'api')}"]`).count(), 1);
  assert.equal(await page.locator(`${node(W('kube-system', 'coredns'))} .open-side`).count(), 2, 'coredns is not isolated');
  assert.equal(await page.locator(`${node(W('shop', 'api'))} .open-side`).count(), 0, 'api is isolated both ways');
  assert.match(await page.textContent('#status'), /^Ready: checked and analyzed in \d+ µs/);
  assert.match(await page.textContent('#gutter'), /^1234/);
  await shot('01-loaded');
  assert.deepEqual(pageErrors, []);
  // the page starts on the core build; the full build waits until the page needs it
  assert.ok(fetched.includes('/pkg/netfence_wasm_bg.wasm'), fetched.join(' '));
  assert.deepEqual(fetchedFull(), []);
  assert.ok((await page.locator('#findings li.finding', { hasText: /NF2\d\d/ }).count()) > 0, 'review-check findings');
  // a reload remembers the visit: no picker
  await page.reload();
  await settled();
  assert.equal(await page.isVisible('#picker'), false);
});

test('the matrix names every namespace and workload in full, with sticky headers', async () => {
  const namespaces = await page.locator('#matrix thead .ns-row th.ns').allTextContents();
  assert.deepEqual(namespaces, ['data', 'ingress-nginx', 'kube-system', 'payments', 'shop', 'outside']);
  const header = page.locator('#matrix thead .name-row th', { hasText: 'ingress-nginx-controller' });
  assert.equal(await header.getAttribute('title'), W('ingress-nginx', 'ingress-nginx-controller'));
  // nothing is cut: each header shows its whole text
  const cut = await page.evaluate(() => [...document.querySelectorAll('#matrix th, #matrix th span')].filter((el) => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1).map((el) => el.textContent));
  assert.deepEqual(cut, []);
  // scrolled, the headers stay in view
  const wrap = page.locator('.matrix-wrap');
  await wrap.evaluate((el) => { el.style.maxHeight = '180px'; el.style.maxWidth = '420px'; el.scrollTop = 120; el.scrollLeft = 200; });
  const [top, nsRow, left, nsCol] = await page.evaluate(() => {
    const wrapBox = document.querySelector('.matrix-wrap').getBoundingClientRect();
    return [wrapBox.top, document.querySelector('#matrix .ns-row th.ns').getBoundingClientRect().top, wrapBox.left, document.querySelector('#matrix tbody th.ns').getBoundingClientRect().left];
  });
  assert.ok(Math.abs(nsRow - top) <= 1, `the namespace row sticks at the top (${nsRow} vs ${top})`);
  assert.ok(Math.abs(nsCol - left) <= 1, `the namespace column sticks at the left (${nsCol} vs ${left})`);
  await wrap.evaluate((el) => { el.style.maxHeight = ''; el.style.maxWidth = ''; el.scrollTop = 0; el.scrollLeft = 0; });
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

test('the caret in a policy shows whom it admits and where it lets them go', async () => {
  // the caret now is in the policy with the invalid protocol; move it to shop/api-ingress
  await page.evaluate(() => {
    const ta = document.getElementById('yaml');
    const at = ta.value.indexOf('name: api-ingress');
    ta.focus();
    ta.setSelectionRange(at, at);
    ta.dispatchEvent(new KeyboardEvent('keyup', { key: 'ArrowDown' }));
  });
  const view = page.locator('#policy-view');
  await page.waitForFunction(() => /Policy shop\/api-ingress/.test(document.querySelector('#policy-view h3')?.textContent ?? ''));
  assert.match(await view.locator('h3').textContent(), /^Policy shop\/api-ingress line \d+ selects shop\/api$/);
  const rows = await view.locator('#policy-ingress tbody tr').allTextContents();
  assert.deepEqual(rows, ['shop/apishop/frontendTCP 8080connects']);
  assert.match(await view.textContent(), /egress: not restricted by this policy/);
  // its target is marked on the graph, and the edge it admits
  assert.equal(await page.locator(`${node(W('shop', 'api'))}.policy-target`).count(), 1);
  assert.equal(await page.locator(`#graph .edge.policy-edge[data-src="${W('shop', 'frontend')}"][data-dst="${W('shop', 'api')}"]`).count(), 1);
  await view.scrollIntoViewIfNeeded();
  await shot('03-policy-view');
});

test('a matrix cell opens the explanation of that connection', async () => {
  await page.click(cell(W('shop', 'frontend'), W('shop', 'api')));
  const box = page.locator('#explain');
  await box.waitFor({ state: 'visible' });
  const text = await box.textContent();
  assert.match(text, /shop\/frontend → shop\/api: allowed on TCP 8080/);
  assert.match(text, /frontend-egress/);
  assert.match(text, /api-ingress/);
  assert.match(text, /default-deny/);
  await box.scrollIntoViewIfNeeded();
  await shot('04-explain');
  // a denied pair says why
  await page.click(cell(W('shop', 'frontend'), W('data', 'postgres', 'StatefulSet')));
  await page.waitForFunction(() => /postgres: denied on every port/.test(document.getElementById('explain').textContent));
});

test('the cluster guardrails example shows what the admin and baseline tiers decide, and explains it by tier', async () => {
  const p = await open('#example=cluster-guardrails');
  assert.match(await p.inputValue('#yaml'), /kind: ClusterNetworkPolicy/);
  // the admin tier opens the vault to the shop's api alone, on its port
  assert.equal((await p.textContent(cell(W('shop', 'api'), W('vault', 'vault', 'StatefulSet')))).trim(), 'TCP 8200');
  assert.equal((await p.textContent(cell(W('shop', 'web'), W('vault', 'vault', 'StatefulSet')))).trim(), '·');
  // the baseline tier denies tenants to each other; Pass hands shop-to-shop to the tenant's policy
  assert.equal((await p.textContent(cell(W('blog', 'blog'), W('shop', 'web')))).trim(), '·');
  assert.equal((await p.textContent(cell(W('shop', 'web'), W('shop', 'api')))).trim(), 'TCP 8080');
  // the graph: a side a cluster-scoped policy governs is not drawn as open, and its edges are
  // drawn in the style of the tier that allows them
  const vault = node(W('vault', 'vault', 'StatefulSet'));
  assert.equal(await p.locator(`${vault} .open-side`).count(), 0, 'the admin tier governs the vault\'s ingress');
  assert.equal(await p.locator(`${vault} .tier-side`).count(), 2, 'both sides of the vault have cluster-scoped policies');
  assert.match(await p.locator(`${vault} title`).first().textContent(), /ingress: no NetworkPolicy isolates it; cluster-scoped: admin tier ClusterNetworkPolicy protect-sensitive/);
  const toVault = p.locator(`#graph .edge[data-src="${W('shop', 'api')}"][data-dst="${W('vault', 'vault', 'StatefulSet')}"]`);
  assert.equal(await toVault.count(), 1);
  assert.match(await toVault.getAttribute('class'), /\btier-admin\b/);
  assert.equal(await p.locator(`#graph .edge[data-src="${W('shop', 'web')}"][data-dst="${W('vault', 'vault', 'StatefulSet')}"]`).count(), 0, 'a denied pair has no edge');
  assert.match(await p.locator(`#graph .edge[data-src="${W('blog', 'blog')}"][data-dst="${W('kube-system', 'coredns')}"]`).getAttribute('class'), /\btier-admin\b/, 'DNS is allowed by the admin tier');
  assert.doesNotMatch(await p.locator(`#graph .edge[data-src="${W('shop', 'web')}"][data-dst="${W('shop', 'api')}"]`).getAttribute('class'), /\btier-/, 'a Pass hands shop-to-shop to the NetworkPolicies');
  await p.click(cell(W('shop', 'web'), W('vault', 'vault', 'StatefulSet')));
  await p.waitForFunction(() => /protect-sensitive/.test(document.getElementById('explain').textContent));
  const text = await p.textContent('#explain');
  assert.match(text, /denied by admin tier ClusterNetworkPolicy protect-sensitive \(priority 20\)/);
  assert.match(text, /deny-everyone-else/);
  assert.doesNotMatch(text, /tierDenied/);
  // a Pass hands the range on: the explanation names the rule
  await p.click(cell(W('shop', 'web'), W('shop', 'api')));
  await p.waitForFunction(() => /Passed on by/.test(document.getElementById('explain').textContent));
  assert.match(await p.textContent('#explain'), /tenant-isolation .*tenants-decide-within-their-namespace/);
  assert.deepEqual(pageErrors, []);
  await p.close();
});

test('a workload\'s exposure: potential peers by label with their ports and rule, through the tiers', async () => {
  const p = await open('#example=online-shop');
  // a rule that admits any pod of namespaces labelled team=analytics, existing or not
  await p.evaluate(() => {
    const ta = document.getElementById('yaml');
    ta.value += '\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: postgres-from-analytics, namespace: data}\nspec:\n  podSelector: {matchLabels: {app: postgres}}\n  ingress:\n  - from: [{namespaceSelector: {matchLabels: {team: analytics}}}]\n    ports: [{port: 5432}]\n';
    ta.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await settled(p);
  await p.click(node(W('data', 'postgres', 'StatefulSet')));
  await p.click('#show-exposure');
  const box = p.locator('#exposure');
  await box.waitFor();
  const text = await box.textContent();
  assert.match(text, /Who could reach it \(exposure\)\[namespace with \{team=analytics\}\]\/\[all pods\]: TCP 5432 \(data\/postgres-from-analytics ingress\[0\] line \d+\)/);
  // coredns: no policy isolates it (a second click on postgres clears the selection)
  await p.click(node(W('data', 'postgres', 'StatefulSet')));
  await p.click(node(W('kube-system', 'coredns')));
  await p.click('#show-exposure');
  await p.locator('#exposure').waitFor();
  assert.match(await p.locator('#exposure').textContent(), /everyone: no policy isolates its ingress/);
  await p.close();
  // the guardrails: the admin tier closes the vault to every pod that may come (no NetworkPolicy
  // isolates it), and a tier rule naming namespaces by label exposes the tenants' pods to them
  const g = await open('#example=cluster-guardrails');
  await g.click(node(W('vault', 'vault', 'StatefulSet')));
  await g.click('#show-exposure');
  await g.locator('#exposure').waitFor();
  const vault = await g.locator('#exposure').textContent();
  assert.match(vault, /Who could reach it \(exposure\)no one beyond the workloads shownWhom it could reach/);
  assert.match(vault, /Whom it could reachentire-cluster: All Connections/, 'its egress: nothing but the DNS rule selects it, and that allows');
  await g.close();
  assert.deepEqual(pageErrors, []);
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
  // the graph's intent is shown as the editor keeps it
  assert.match(await page.textContent('#graph-intent'), /"name": "postgres"/);
  await shot('05-intent');
  // a bad CIDR is an error with its code
  await page.selectOption('#rules tr:first-child select[name="peer"]', 'ipBlock');
  await page.fill('#rules tr:first-child input[name="cidr"]', '10.0.0.0/33');
  await page.click('#build');
  await page.locator('#intent-errors li').waitFor();
  assert.match(await page.textContent('#intent-errors'), /NF-E\d{3}/);
});

test('the diff view compares the editor with the saved base; its findings read cleanly', async () => {
  assert.deepEqual(fetchedFull(), [], 'nothing so far needed the full build');
  await page.click('.tabs button[data-tab="diff"]');
  // the invalid protocol edit (in postgres-ingress) changes what reaches postgres
  await page.locator('#diff-table').waitFor();
  assert.match(await page.textContent('#diff-table'), /data\/postgres/);
  // the change review runs on the full build, loaded now
  await page.locator('#change-findings').waitFor();
  assert.ok(fetchedFull().includes('/pkg-full/netfence_wasm_bg.wasm'), fetched.join(' '));
  const item = page.locator('#change-findings li', { hasText: 'NF017' });
  assert.match(await item.innerText(), /^NEW ERROR\s+NF017 invalid-protocol/);
  // the severity and the id do not run into each other
  const [sev, id] = await Promise.all([item.locator('.sev').boundingBox(), item.locator('code').boundingBox()]);
  assert.ok(sev.x + sev.width + 4 <= id.x, `the severity (${sev.x}+${sev.width}) ends before the id (${id.x})`);
  await page.click('#save-base');
  await page.waitForFunction(() => /No difference/.test(document.getElementById('diff').textContent));
  await page.click('#reset-base');
  await page.locator('#diff-table').waitFor();
  await shot('06-diff');
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
  await shot('07-flows');
});

test('the share link round-trips the editor text (and the base) through the URL hash', async () => {
  await page.click('#share');
  await page.waitForFunction(() => document.getElementById('share-url').value.includes('#y='));
  const url = await page.inputValue('#share-url');
  assert.equal(page.url(), url, 'the address bar holds the link too');
  assert.match(url, /#y=[A-Za-z0-9_-]+&b=[A-Za-z0-9_-]+$/, 'the base differs from the editor, so it travels too');
  const edited = await page.inputValue('#yaml');
  assert.match(edited, /protocol: HTTP/);
  const other = await open(url.slice(origin.length + 1));
  assert.equal(await other.inputValue('#yaml'), edited);
  await other.locator('#findings li.finding', { hasText: 'NF017' }).waitFor();
  // the base came along: the change to postgres is drawn on the graph
  assert.ok(await other.locator('#graph .edge.chg-removed, #graph .edge.chg-changed').count() > 0);
  await shot('08-shared', other);
  await other.close();
  // a broken hash falls back to the example with a message
  const broken = await open('#y=not-deflate');
  assert.match(await broken.textContent('#status'), /cannot be read/);
  assert.match(await broken.inputValue('#yaml'), /^# examples\/online-shop/);
  await broken.close();
  assert.deepEqual(pageErrors, []);
});

test('a document that cannot be read shows its error code and line; the example restores the text', async () => {
  await pick(page, 'online-shop');
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
  await page.selectOption('#example', 'change-review');
  await settled();
  assert.match(await page.inputValue('#yaml'), /online-shop-change\/head/);
  await page.selectOption('#example', 'online-shop');
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

test('clicking two workloads allows the connection; clicking its edge removes it again', async () => {
  await pick(page, 'online-shop');
  await page.click('.tabs button[data-tab="connectivity"]');
  const original = await page.inputValue('#yaml');
  const frontend = W('shop', 'frontend');
  const postgres = W('data', 'postgres', 'StatefulSet');
  const revision = async () => Number(await page.evaluate(() => document.body.dataset.revision));
  await page.click(node(frontend));
  assert.match(await page.textContent('#inspector'), /Now click the destination/);
  await page.click(node(postgres));
  const inspector = page.locator('#inspector');
  assert.match(await inspector.locator('h3').textContent(), /shop\/frontend → data\/postgres: no connection/);
  // postgres's named port is offered, checked; both sides are isolated, so both get a rule
  assert.equal(await inspector.locator('input[name="port"]:checked').count(), 1);
  assert.match(await inspector.textContent(), /the egress of shop\/frontend and the ingress of data\/postgres/);
  const before = await revision();
  await inspector.locator('#allow').click();
  await settled();
  assert.ok(await revision() > before, 'the findings and connectivity were computed again');
  // the YAML holds the new intent (both sides) and the policies built from it
  const edited = await page.inputValue('#yaml');
  const intent = JSON.parse(/^# intent: (.*)$/m.exec(edited)[1]);
  const workload = (ns, name) => intent.namespaces.find((n) => n.name === ns).workloads.find((w) => w.name === name);
  assert.deepEqual(workload('shop', 'frontend').egress.at(-1), { to: [{ podsInNamespace: { namespace: 'data', podSelector: { matchLabels: { app: 'postgres' } } } }], ports: [{ port: 'postgres' }] });
  assert.ok(workload('data', 'postgres').ingress.some((r) => r.from.some((p) => p.podsInNamespace?.namespace === 'shop' && p.podsInNamespace.podSelector.matchLabels.app === 'frontend')));
  const ingress = /name: postgres-ingress[\s\S]*?\n---/.exec(edited)[0];
  assert.match(ingress, /app: frontend/, 'the built postgres-ingress admits the frontend');
  assert.equal((await page.textContent(cell(frontend, postgres))).trim(), 'TCP 5432');
  // the findings were checked again: a rule on a named port adds no error
  assert.match(await page.textContent('#verdict'), /^warn/);
  const added = page.locator(`#graph .edge.chg-added[data-src="${frontend}"][data-dst="${postgres}"]`);
  assert.equal(await added.count(), 1, 'drawn as opened against the base');
  assert.equal(await labelText(page, `${frontend} → ${postgres}`), '+5432');
  await shot('09-allowed');
  // the edge (or its label) selects the pair; the allowance goes away again
  await page.locator(`#graph .edge-label[data-edge="${frontend} → ${postgres}"]`).click();
  await inspector.locator('#remove').click();
  await settled();
  assert.equal((await page.textContent(cell(frontend, postgres))).trim(), '·');
  assert.equal(await page.inputValue('#yaml'), original, 'the text is the example\'s again');
  // undo brings the allowance back
  await page.click('#undo');
  await settled();
  assert.equal(await page.inputValue('#yaml'), edited);
  await page.click('#undo');
  await settled();
  assert.equal(await page.inputValue('#yaml'), original);
  // an intent line broken by hand stops the graph's edits, with the reason, instead of
  // starting a new intent over the old one
  await page.evaluate(() => {
    const ta = document.getElementById('yaml');
    ta.value = ta.value.replace('# intent: {', '# intent: {oops');
    ta.dispatchEvent(new Event('input'));
  });
  await settled();
  await page.click(node(frontend));
  assert.match(await page.textContent('#inspector'), /The graph cannot edit: the graph's intent \(line \d+\) is not JSON/);
  await page.click(node(postgres));
  assert.equal(await page.locator('#inspector #allow').count(), 0);
  assert.deepEqual(pageErrors, []);
});

test('a change review draws what it opens and closes on the graph', async () => {
  const p = await open('#example=change-review');
  assert.equal(await p.isVisible('#picker'), false, 'an example in the link skips the picker');
  const opened = p.locator(`#graph .edge.chg-added[data-src="0.0.0.0-255.255.255.255"][data-dst="${W('shop', 'frontend')}"]`);
  assert.equal(await opened.count(), 1);
  assert.equal(await labelText(p, `0.0.0.0-255.255.255.255 → ${W('shop', 'frontend')}`), '+8080');
  assert.equal(await p.textContent(`#graph .node[data-id="in:0.0.0.0-255.255.255.255"] text`), '0.0.0.0/0');
  const closed = p.locator(`#graph .edge.chg-removed[data-src="${W('payments', 'payments')}"][data-dst="${W('data', 'postgres', 'StatefulSet')}"]`);
  assert.equal(await closed.count(), 1);
  assert.match(await closed.locator('title').textContent(), /closed TCP 5432/);
  // its explanation names the rule that opens it, for an address of that range
  await p.locator(`#graph .edge-label[data-edge="0.0.0.0-255.255.255.255 → ${W('shop', 'frontend')}"]`).click();
  await p.waitForFunction(() => /0\.0\.0\.0\/0 → shop\/frontend: allowed on TCP 8080/.test(document.getElementById('explain').textContent));
  assert.match(await p.textContent('#explain'), /shop\/frontend-ingress ingress\[0\]/);
  assert.match(await p.textContent('#inspector'), /has no rule for this pair/, 'a hand-written change, not the graph\'s intent');
  // without the changes, the graph shows the head alone
  await p.uncheck('#overlay');
  assert.equal(await p.locator('#graph .edge.chg-added, #graph .edge.chg-removed').count(), 0);
  await p.check('#overlay');
  await shot('10-change-review', p);
  await p.close();
});

test('the graphs of the four examples have no overlapping nodes, edges or labels', async () => {
  for (const [example, container, tab] of [
    ['online-shop', '#graph', null], ['change-review', '#graph', null], ['flow-log', '#graph', 'connectivity'], ['flow-log', '#flow-graph', 'flows'],
    ['cluster-guardrails', '#graph', null],
  ]) {
    const p = await open(`#example=${example}`);
    if (tab) await p.click(`.tabs button[data-tab="${tab}"]`);
    await p.locator(`${container} svg`).waitFor();
    const s = await scene(p, container);
    assert.ok(s.nodes.length >= (example === 'cluster-guardrails' ? 5 : 6), `${example} ${container}: ${s.nodes.length} nodes`);
    if (container === '#flow-graph' || (example !== 'flow-log' && example !== 'cluster-guardrails')) assert.ok(s.edges.length >= 8, `${example} ${container}: ${s.edges.length} edges`);
    assert.equal(s.labels.length, s.edges.filter((e) => e).length, 'every edge has its label');
    assert.deepEqual(overlaps(s), [], `${example} ${container}`);
    await p.close();
  }
});

test('the graphs look as stored (screenshots, with a tolerance)', async () => {
  for (const [example, container, tab] of [['online-shop', '#graph', null], ['change-review', '#graph', null], ['flow-log', '#flow-graph', 'flows'], ['cluster-guardrails', '#graph', null]]) {
    const p = await open(`#example=${example}`);
    if (tab) await p.click(`.tabs button[data-tab="${tab}"]`);
    await p.locator(`${container} svg`).waitFor();
    await compareShot(p, p.locator(`${container} svg`), example);
    await p.close();
  }
});

test('clicking on the graph alone builds the online shop\'s policies, which pass netfence review', async () => {
  assert.ok(existsSync(netfence), `the CLI is needed to review the result: ${netfence} (NETFENCE_BIN)`);
  const p = await open('#example=flow-log');
  await p.click('.tabs button[data-tab="connectivity"]');
  const manifests = await p.inputValue('#yaml');
  assert.doesNotMatch(manifests, /kind: NetworkPolicy/, 'no policy to start with');
  assert.equal(await p.locator('#graph .edge').count(), 0, 'nothing is isolated: every pair connects, so no edge is drawn');
  const inspector = p.locator('#inspector');
  // default deny (and DNS) per namespace, from the namespace's name on the graph
  for (const [ns, dns] of [['shop', true], ['payments', true], ['data', false]]) {
    await p.click(`#graph .group[data-group="${ns}"] .group-label`);
    await inspector.locator('select[name="defaultDeny"]').selectOption('Both');
    if (dns) await inspector.locator('input[name="allowDns"]').check();
    await inspector.locator('#apply-ns').click();
    await settled(p);
  }
  const allow = async (src, dst, { uncheck = [], other = '' } = {}) => {
    await p.click(`#graph .node[data-name="${src}"]`);
    await p.click(`#graph .node[data-name="${dst}"]`);
    for (const name of uncheck) await inspector.locator(`input[name="port"][value*='"${name}"']`).uncheck();
    if (other) await inspector.locator('input[name="other-ports"]').fill(other);
    await inspector.locator('#allow').click();
    await settled(p);
    assert.match(await inspector.locator('.note').textContent(), /^Allowed /);
  };
  const controller = W('ingress-nginx', 'ingress-nginx-controller');
  const postgres = W('data', 'postgres', 'StatefulSet');
  await allow(controller, W('shop', 'frontend'));
  await allow(W('shop', 'frontend'), W('shop', 'api'), { uncheck: ['metrics'] });
  await allow(W('shop', 'api'), W('payments', 'payments'));
  await allow(W('shop', 'api'), postgres);
  await allow(W('payments', 'payments'), postgres);
  await p.fill('#external-cidr', '203.0.113.0/24');
  await p.click('#add-external button');
  await allow(W('payments', 'payments'), '203.0.113.0-203.0.113.255', { other: '443' });
  await p.locator('#graph svg').screenshot({ path: join(shots, '11-built-by-clicking.png') });
  const built = await p.inputValue('#yaml');
  assert.match(built, /kind: NetworkPolicy/);
  await p.close();

  // the CLI reviews what the clicks made, with the shop's configuration and requirements
  const file = join(shots, 'built-by-clicking.yaml');
  await writeFile(file, built);
  const review = spawnSync(netfence, ['review', file, '--config', 'examples/online-shop/netfence.yaml', '--requirements', 'examples/online-shop/requirements.yaml', '-o', 'json'], { cwd: repo, encoding: 'utf8' });
  assert.ok(review.status === 0 || review.status === 1, review.stderr);
  const result = JSON.parse(review.stdout);
  assert.deepEqual(result.findings.filter((f) => f.severity === 'error').map((f) => `${f.id} ${f.message}`), []);
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.requirements.filter((r) => !r.passed).map((r) => r.name), []);
  assert.notEqual(result.verdict, 'fail');
  assert.equal(review.status, 0);
  // and it connects exactly what the example's generated policies connect
  const example = join(shots, 'online-shop-example.yaml');
  const bundle = JSON.parse(await readFile(join(dir, 'example.json'), 'utf8'));
  await writeFile(example, bundle.examples.find((e) => e.id === 'online-shop').yaml);
  const diff = JSON.parse(execFileSync(netfence, ['diff', '--base', example, '--head', file, '-o', 'json'], { cwd: repo, encoding: 'utf8' }));
  assert.deepEqual(diff.diff.connections, []);
  assert.deepEqual([diff.baseErrors, diff.headErrors], [[], []]);
});

test('the page\'s own files stay within their size budget', async () => {
  let total = 0;
  for (const file of PAGE_FILES) total += gzipSync(await readFile(join(dir, file)), { level: 9 }).length;
  assert.ok(total <= PAGE_BUDGET, `the page's files are ${total} bytes gzipped, over the budget of ${PAGE_BUDGET} (docs/decisions.md)`);
});

test('screenshots are saved', async () => {
  await writeFile(join(shots, 'README.txt'), 'Screenshots of the playground e2e test (docs/playground/test); regenerated by cargo xtask test.\n');
  assert.deepEqual(pageErrors, []);
});
