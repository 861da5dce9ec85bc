// The netfence playground: the WASM package driven from a plain page. No server logic: every
// operation runs in the browser through the JSON API of docs/api.md.
//
// The page starts on the core build (`pkg/`, the web build of `netfence-wasm`: findings through
// `lint`, connectivity, the intent builder, the diff) and loads the full build (`pkg-full/`,
// `netfence-wasm/full`) the first time it needs an operation only that build has: the change
// review of the Diff tab and the flow-log operations of the Flows tab.
import init, * as nf from './pkg/netfence_wasm.js';

const SOURCE = 'playground.yaml';
const DEBOUNCE_MS = 250;
const MAX_MATRIX = 80;

const $ = (id) => document.getElementById(id);
const editor = $('yaml');

const state = {
  example: null,
  base: '',
  analysis: null,
  findings: [],
  selected: null,
  flows: null,
  built: null,
  full: null,
};

let fullLoading = null;

/// The full build, loaded once on first use; `then` re-renders what waited for it.
function loadFull(then) {
  if (!fullLoading) {
    document.body.dataset.full = 'loading';
    fullLoading = import('./pkg-full/netfence_wasm.js').then(async (module) => {
      await module.default();
      state.full = module;
      document.body.dataset.full = 'ready';
      return module;
    });
    fullLoading.catch((e) => setStatus(`Cannot load the full WebAssembly build: ${e.message}`, true));
  }
  fullLoading.then(then, () => {});
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'html') el.innerHTML = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function debounce(fn, ms) {
  let t;
  return (...args) => { clearTimeout(t); t = setTimeout(() => fn(...args), ms); };
}

const sources = () => [{ name: SOURCE, text: editor.value }];

function errorText(e) {
  if (e && e.code) return `${e.code}: ${e.message}${e.location ? ` (${e.location.file}:${e.location.line}:${e.location.column})` : ''}`;
  return String(e?.message ?? e);
}

/// `ns/name[Kind]` → `ns/name`; external ranges as a CIDR when they are one.
function label(name) {
  const m = /^(.*)\[[^\]]+\]$/.exec(name);
  if (m) return m[1];
  return cidrOf(name) ?? name;
}

const isExternal = (name) => !/\[[^\]]+\]$/.test(name);

function ip4(s) {
  const p = s.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return null;
  return ((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3];
}

function cidrOf(range) {
  const [a, b] = range.split('-');
  if (b === undefined) return null;
  const lo = ip4(a);
  const hi = ip4(b);
  if (lo == null || hi == null) return null;
  const size = hi - lo + 1;
  const bits = Math.log2(size);
  if (!Number.isInteger(bits) || lo % size !== 0) return null;
  return `${a}/${32 - bits}`;
}

function portsText(ranges) {
  return ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(',');
}

const FULL = (ranges) => ranges.length === 1 && ranges[0][0] <= 1 && ranges[0][1] === 65535;

/// netpol-analyzer's CONNS text for one pair: `All Connections` or `TCP 8080,UDP 53`.
function connsText(byProtocol) {
  const protocols = ['TCP', 'UDP', 'SCTP'].filter((p) => byProtocol[p]?.length);
  if (protocols.length === 3 && protocols.every((p) => FULL(byProtocol[p]))) return 'All Connections';
  return protocols.map((p) => (FULL(byProtocol[p]) ? `${p} 1-65535` : `${p} ${portsText(byProtocol[p])}`)).join(',');
}

/// `{tcp, udp, sctp}` port sets of a diff as text.
function portSetText(ports) {
  if (!ports) return '';
  return connsText({ TCP: ports.tcp ?? [], UDP: ports.udp ?? [], SCTP: ports.sctp ?? [] }) || '—';
}

function download(link, text, name) {
  if (link.href.startsWith('blob:')) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([text], { type: 'application/yaml' }));
  link.download = name;
}

function setStatus(text, bad = false) {
  $('status').textContent = text;
  $('status').classList.toggle('bad', bad);
}

// ---------------------------------------------------------------------------------------------
// Editor: transparent textarea over a highlighted backdrop, line numbers, finding lines
// ---------------------------------------------------------------------------------------------

function highlight(line) {
  if (/^---\s*$/.test(line) || /^\.\.\.\s*$/.test(line)) return `<span class="t-doc">${esc(line)}</span>`;
  if (/^\s*#/.test(line)) return `<span class="t-com">${esc(line)}</span>`;
  let out = '';
  let rest = line;
  const key = /^(\s*)((?:-\s+)*)([^\s#'"{}[\],][^:#]*?|"[^"]*"|'[^']*')(:)(?=\s|$)/.exec(rest);
  if (key) {
    out += esc(key[1]) + (key[2] ? `<span class="t-dash">${esc(key[2])}</span>` : '') + `<span class="t-key">${esc(key[3])}</span>${key[4]}`;
    rest = rest.slice(key[0].length);
  } else {
    const dash = /^(\s*)((?:-\s+)+)/.exec(rest);
    if (dash) {
      out += esc(dash[1]) + `<span class="t-dash">${esc(dash[2])}</span>`;
      rest = rest.slice(dash[0].length);
    }
  }
  // values: quoted strings, comments, numbers, booleans, flow keys
  const token = /("(?:[^"\\]|\\.)*"|'[^']*')|(\s#.*$)|(\b\d+(?:\.\d+)?\b)|(\b(?:true|false|null)\b)|([\w./-]+)(:)(?=\s)/g;
  let last = 0;
  for (let m; (m = token.exec(rest));) {
    out += esc(rest.slice(last, m.index));
    if (m[1]) out += `<span class="t-str">${esc(m[1])}</span>`;
    else if (m[2]) out += `<span class="t-com">${esc(m[2])}</span>`;
    else if (m[3]) out += `<span class="t-num">${esc(m[3])}</span>`;
    else if (m[4]) out += `<span class="t-bool">${esc(m[4])}</span>`;
    else out += `<span class="t-key">${esc(m[5])}</span>:`;
    last = m.index + m[0].length;
  }
  return out + esc(rest.slice(last));
}

const SEVERITY_CLASS = { error: 'err', warning: 'warn', info: 'info' };

/// Severity per 1-based line of the editor's source, the worst first.
function lineMarks() {
  const marks = new Map();
  const rank = { err: 3, warn: 2, info: 1 };
  for (const f of state.findings) {
    const line = f.location?.file === SOURCE ? f.location.line : null;
    if (!line) continue;
    const cls = SEVERITY_CLASS[f.severity] ?? 'err';
    const old = marks.get(line);
    if (!old || rank[cls] > rank[old.cls]) marks.set(line, { cls, title: `${f.id}: ${f.message}` });
  }
  return marks;
}

function renderEditor() {
  const lines = editor.value.split('\n');
  const marks = lineMarks();
  const focus = state.focusLine;
  let code = '';
  let gutter = '';
  lines.forEach((line, i) => {
    const n = i + 1;
    const mark = marks.get(n);
    const cls = `l${mark ? ` ${mark.cls}` : ''}${focus === n ? ' focus' : ''}`;
    code += `<span class="${cls}" data-line="${n}">${highlight(line) || ' '}</span>`;
    gutter += `<div${mark ? ` class="${mark.cls} mark" title="${esc(mark.title)}"` : ''} data-line="${n}">${n}</div>`;
  });
  $('backdrop').innerHTML = code;
  $('gutter').innerHTML = gutter;
  syncScroll();
}

function syncScroll() {
  const x = editor.scrollLeft;
  const y = editor.scrollTop;
  $('backdrop').style.transform = `translate(${-x}px, ${-y}px)`;
  $('gutter').style.transform = `translateY(${-y}px)`;
}

/// Puts the caret on `line` (1-based), scrolls it into view and outlines it briefly.
function goToLine(line, column = 1) {
  if (!line) return;
  const lines = editor.value.split('\n');
  let offset = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
  const at = offset + Math.max(0, Math.min(column - 1, (lines[line - 1] ?? '').length));
  editor.focus({ preventScroll: true });
  editor.setSelectionRange(at, at);
  const lh = parseFloat(getComputedStyle(document.documentElement).getPropertyValue('--lh')) || 19;
  editor.scrollTop = Math.max(0, (line - 1) * lh - editor.clientHeight / 3);
  state.focusLine = line;
  renderEditor();
  clearTimeout(goToLine.timer);
  goToLine.timer = setTimeout(() => { state.focusLine = null; renderEditor(); }, 1600);
}

function locLink(location, text) {
  if (!location) return '';
  const t = text ?? `${location.file}:${location.line}:${location.column}`;
  if (location.file !== SOURCE) return h('span', { class: 'loc' }, t);
  return h('a', { class: 'loc', title: 'show in the editor', onclick: (e) => { e.stopPropagation(); goToLine(location.line, location.column); } }, t);
}

// ---------------------------------------------------------------------------------------------
// Findings: `lint` (API validation plus the review checks)
// ---------------------------------------------------------------------------------------------

function check() {
  const r = nf.lint({ sources: sources() });
  // the verdict `review` gives with its default thresholds: fail on an error (or a document
  // that cannot be read), warn on a warning
  const has = (severity) => r.findings.some((f) => f.severity === severity);
  const verdict = r.errors.length || has('error') ? 'fail' : has('warning') ? 'warn' : 'pass';
  return { findings: r.findings, errors: r.errors, verdict, counts: r.counts };
}

function renderFindings(result, thrown) {
  const list = $('findings');
  list.replaceChildren();
  const items = [];
  if (thrown) {
    items.push({ severity: 'error', id: thrown.code ?? 'error', message: thrown.message, help: thrown.help, location: thrown.location });
  }
  for (const e of result?.errors ?? []) items.push({ severity: 'error', id: e.code, message: e.message, help: e.help, location: e.location });
  for (const f of result?.findings ?? []) items.push(f);
  const rank = { error: 0, warning: 1, info: 2 };
  items.sort((a, b) => (rank[a.severity] ?? 3) - (rank[b.severity] ?? 3) || (a.location?.line ?? 0) - (b.location?.line ?? 0));
  state.findings = items;
  for (const f of items) {
    const loc = f.location;
    list.append(h('li', { class: `finding ${f.severity}`, 'data-id': f.id, 'data-line': loc?.line, onclick: () => loc && goToLine(loc.line, loc.column) },
      h('span', { class: 'sev' }, f.severity),
      h('code', {}, f.id), f.name ? ` ${f.name}` : '', ' — ', f.message,
      loc ? locLink(loc) : '',
      f.resource ? h('span', { class: 'loc' }, f.resource) : '',
      f.help ? h('div', { class: 'help' }, f.help) : '',
      f.fix ? h('div', { class: 'fix' }, `fix: ${f.fix}`) : ''));
  }
  if (!items.length) list.append(h('li', { class: 'none' }, '✔ No findings: the input is valid and passes the review checks.'));
  const verdict = thrown ? 'fail' : result?.verdict ?? '';
  const counts = ['error', 'warning', 'info'].map((s) => [s, items.filter((f) => f.severity === s).length]).filter(([, n]) => n);
  $('verdict').className = `badge ${verdict}`;
  $('verdict').textContent = `${verdict || '?'}${counts.length ? ` · ${counts.map(([s, n]) => `${n} ${s}${n > 1 ? 's' : ''}`).join(', ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Connectivity: matrix, graph, explanations
// ---------------------------------------------------------------------------------------------

/// Allowed connections grouped by pair: `Map<src, Map<dst, {TCP, UDP, SCTP}>>`.
function pairsOf(connections) {
  const pairs = new Map();
  for (const c of connections) {
    if (!pairs.has(c.src)) pairs.set(c.src, new Map());
    const row = pairs.get(c.src);
    if (!row.has(c.dst)) row.set(c.dst, {});
    row.get(c.dst)[c.protocol] = c.ports;
  }
  return pairs;
}

function renderConnectivity(analysis) {
  const table = $('matrix');
  table.replaceChildren();
  if (!analysis) return;
  const pairs = pairsOf(analysis.connections);
  const internal = analysis.endpoints.map((e) => e.name);
  const externals = new Set();
  for (const c of analysis.connections) for (const n of [c.src, c.dst]) if (isExternal(n)) externals.add(n);
  const all = [...internal, ...[...externals].sort()];
  const shown = all.slice(0, MAX_MATRIX);
  const rows = shown.filter((n) => !isExternal(n) || pairs.has(n));
  const cols = shown.filter((n) => !isExternal(n) || [...pairs.values()].some((r) => r.has(n)));
  if (!internal.length) {
    table.append(h('caption', { class: 'hint' }, 'No workloads or pods in the input.'));
  }
  const head = h('tr', {}, h('th', { class: 'corner' }, 'from ↓ / to →'),
    cols.map((c) => h('th', { title: c, class: isExternal(c) ? 'ext' : null }, h('span', {}, label(c)))));
  const body = rows.map((r) => h('tr', {}, h('th', { title: r, class: isExternal(r) ? 'ext' : null }, label(r)),
    cols.map((c) => {
      if (r === c) return h('td', { class: 'self', title: 'same endpoint' });
      if (isExternal(r) && isExternal(c)) return h('td', { class: 'self', title: 'both external' });
      const conns = pairs.get(r)?.get(c);
      const text = conns ? connsText(conns) : '';
      const cls = [conns ? 'on' : '', text === 'All Connections' ? 'all' : '', state.selected?.from === r && state.selected?.to === c ? 'selected' : ''].filter(Boolean).join(' ');
      return h('td', { class: cls || null, 'data-src': r, 'data-dst': c, title: `${label(r)} → ${label(c)}: ${text || 'no connection'}`, onclick: (e) => explain(r, c, e.currentTarget) }, text || '·');
    })));
  table.append(h('thead', {}, head), h('tbody', {}, body));
  if (all.length > MAX_MATRIX) table.append(h('caption', { class: 'hint' }, `first ${MAX_MATRIX} of ${all.length} endpoints`));

  const edges = [];
  for (const [src, row] of pairs) for (const [dst, conns] of row) edges.push({ src, dst, text: connsText(conns) });
  renderGraph($('graph'), [...internal, ...externals], edges, (e) => explain(e.src, e.dst));
  if (state.selected && all.includes(state.selected.from) && all.includes(state.selected.to)) explain(state.selected.from, state.selected.to);
  else $('explain').hidden = true;
}

/// A layered drawing: one column per namespace (external peers in their own column), nodes
/// stacked, edges as curves from source to destination.
function renderGraph(container, names, edges, onEdge) {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs = {}, ...children) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) if (v != null) el.setAttribute(k, v);
    for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return el;
  };
  container.replaceChildren();
  const groups = new Map();
  for (const n of names) {
    const ns = isExternal(n) ? '(external)' : n.split('/')[0];
    if (!groups.has(ns)) groups.set(ns, []);
    if (!groups.get(ns).includes(n)) groups.get(ns).push(n);
  }
  const columns = [...groups.keys()].sort((a, b) => (a === '(external)') - (b === '(external)') || a.localeCompare(b));
  if (!columns.length) return;
  const W = 158;
  const H = 28;
  const GAP_X = 64;
  const GAP_Y = 16;
  const BAND_GAP = 84;
  const TOP = 30;
  const LEFT = 12;
  // namespace columns wrap into bands as wide as the container
  const room = Math.max(container.clientWidth || container.parentElement?.clientWidth || 800, W + 2 * LEFT);
  const perBand = Math.max(1, Math.min(columns.length, Math.floor((room - 2 * LEFT + GAP_X) / (W + GAP_X))));
  const pos = new Map();
  const boxes = [];
  let y = TOP;
  for (let start = 0; start < columns.length; start += perBand) {
    const band = columns.slice(start, start + perBand);
    const rows = Math.max(...band.map((ns) => groups.get(ns).length));
    band.forEach((ns, i) => {
      const x = LEFT + i * (W + GAP_X);
      boxes.push({ ns, x, y, n: groups.get(ns).length });
      groups.get(ns).forEach((n, ri) => pos.set(n, { x, y: y + ri * (H + GAP_Y), col: start + i, band: start / perBand }));
    });
    y += rows * (H + GAP_Y) + BAND_GAP + TOP - GAP_Y;
  }
  const width = LEFT * 2 + Math.min(perBand, columns.length) * (W + GAP_X) - GAP_X + 40;
  const height = y - BAND_GAP - TOP + GAP_Y + 12;
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': 'connectivity graph' });
  svg.append(s('defs', {}, s('marker', { id: `arrow-${container.id}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#64748b' }))));
  for (const b of boxes) {
    svg.append(s('rect', { class: 'ns-box', x: b.x - 8, y: b.y - 24, width: W + 16, height: b.n * (H + GAP_Y) + 14, rx: 8 }));
    svg.append(s('text', { class: 'ns-label', x: b.x, y: b.y - 9 }, b.ns));
  }
  const edgeLayer = s('g');
  svg.append(edgeLayer);
  const counts = new Map();
  for (const e of edges) {
    const a = pos.get(e.src);
    const b = pos.get(e.dst);
    if (!a || !b) continue;
    let d;
    let lx;
    let ly;
    if (a.col === b.col) {
      // same column: an arc out to the right
      const x = a.x + W;
      const y1 = a.y + H / 2;
      const y2 = b.y + H / 2;
      const k = counts.get(a.col) ?? 0;
      counts.set(a.col, k + 1);
      const bulge = 26 + Math.abs(y2 - y1) * 0.25 + (k % 3) * 8;
      d = `M${x},${y1 - 4} C${x + bulge},${y1 - 4} ${x + bulge},${y2 + 4} ${x + 2},${y2 + 4}`;
      lx = x + bulge * 0.75;
      ly = (y1 + y2) / 2;
    } else if (a.band === b.band) {
      const forward = b.col > a.col;
      const x1 = forward ? a.x + W : a.x;
      const x2 = forward ? b.x : b.x + W;
      const y1 = a.y + H / 2 + (forward ? -3 : 4);
      const y2 = b.y + H / 2 + (forward ? -3 : 4);
      const dx = (x2 - x1) / 2;
      d = `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`;
      lx = (x1 + x2) / 2;
      ly = (y1 + y2) / 2 - 3;
    } else {
      // another band: leave from the bottom (or top), enter at the top (or bottom)
      const down = b.band > a.band;
      // spread the anchors along the box edges by where the other end is
      const spread = (v) => Math.max(-W / 2 + 12, Math.min(W / 2 - 12, v));
      const x1 = a.x + W / 2 + spread((b.col - a.col) * 16 + (down ? 6 : -6));
      const x2 = b.x + W / 2 + spread((a.col - b.col) * 16 + (down ? 6 : -6));
      const y1 = down ? a.y + H : a.y;
      const y2 = down ? b.y : b.y + H;
      const dy = (y2 - y1) / 2;
      d = `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`;
      lx = (x1 + x2) / 2;
      ly = (y1 + y2) / 2;
    }
    const cls = `edge${e.text === 'All Connections' ? ' all' : ''}${e.denied ? ' denied' : ''}`;
    const title = `${label(e.src)} → ${label(e.dst)}: ${e.text}`;
    const g = s('g', { class: cls, 'data-src': e.src, 'data-dst': e.dst },
      s('title', {}, title),
      s('path', { class: 'line', d, 'marker-end': `url(#arrow-${container.id})` }),
      s('path', { class: 'hit', d }));
    const short = e.short ?? (e.text !== 'All Connections' && e.text.length <= 18 ? e.text : null);
    if (short) g.append(s('text', { x: lx, y: ly, 'text-anchor': 'middle' }, short));
    if (onEdge) g.addEventListener('click', () => onEdge(e));
    edgeLayer.append(g);
  }
  for (const [n, p] of pos) {
    const text = label(n);
    svg.append(s('g', { class: `node${isExternal(n) ? ' external' : ''}`, transform: `translate(${p.x},${p.y})` },
      s('title', {}, n),
      s('rect', { width: W, height: H, rx: 6 }),
      s('text', { x: 8, y: H / 2 + 4 }, text.length > 26 ? `${text.slice(0, 25)}…` : text)));
  }
  container.append(svg);
}

function explain(from, to, cell) {
  const box = $('explain');
  state.selected = { from, to };
  document.querySelectorAll('#matrix td.selected').forEach((td) => td.classList.remove('selected'));
  (cell ?? document.querySelector(`#matrix td[data-src="${CSS.escape(from)}"][data-dst="${CSS.escape(to)}"]`))?.classList.add('selected');
  let x;
  try {
    x = nf.explain({ sources: sources(), from, to });
  } catch (e) {
    box.hidden = false;
    box.replaceChildren(h('h3', {}, `${label(from)} → ${label(to)}`), h('p', { class: 'no' }, errorText(e)));
    return;
  }
  const allowed = x.ranges.filter((r) => r.allowed);
  const summary = allowed.length
    ? h('span', { class: 'verdict-yes' }, `allowed on ${allowed.map((r) => `${r.protocol} ${portsText([r.ports])}`).join(', ')}`)
    : h('span', { class: 'verdict-no' }, 'denied on every port');
  const side = (name, iso, who) => h('div', { class: 'side' },
    h('strong', {}, name), ' ',
    !iso.applies ? `does not apply (${who} is outside the cluster)`
      : iso.isolated ? `${who} is isolated by ${iso.policies.length} polic${iso.policies.length === 1 ? 'y' : 'ies'}:` : `${who} is not isolated: every connection passes`,
    iso.policies.length ? h('ul', {}, iso.policies.map((p) => h('li', {}, `${p.namespace}/${p.name} `, locLink(p.location, `line ${p.location?.line}`)))) : '');
  const verdict = (v) => {
    const words = { allowed: 'allowed', denied: 'denied', notIsolated: 'not isolated', notApplicable: 'n/a' };
    const el = h('span', { class: v.verdict === 'denied' ? 'no' : v.verdict === 'allowed' ? 'yes' : null }, words[v.verdict] ?? v.verdict);
    if (!v.rules?.length) return el;
    return h('span', {}, el, ' by ', v.rules.map((r, i) => [i ? ', ' : '', `${r.namespace}/${r.policy} ${r.direction}[${r.index}] `, locLink(r.location, `line ${r.location?.line}`)]));
  };
  box.hidden = false;
  box.replaceChildren(
    h('h3', {}, `${label(x.src)} → ${label(x.dst)}: `, summary),
    h('div', { class: 'sides' }, side('Egress', x.egress, label(x.src)), side('Ingress', x.ingress, label(x.dst))),
    h('table', {}, h('thead', {}, h('tr', {}, ['protocol', 'ports', 'verdict', 'egress of source', 'ingress of destination'].map((t) => h('th', {}, t)))),
      h('tbody', {}, x.ranges.map((r) => h('tr', { class: r.allowed ? 'yes' : null },
        h('td', {}, r.protocol), h('td', {}, portsText([r.ports])),
        h('td', { class: r.allowed ? 'yes' : 'no' }, r.allowed ? '✔ allowed' : '✘ denied'),
        h('td', {}, verdict(r.egress)), h('td', {}, verdict(r.ingress)))))));
}

// ---------------------------------------------------------------------------------------------
// Intent builder: the form becomes an Intent object, `build` makes the policies
// ---------------------------------------------------------------------------------------------

const PEERS = {
  pods: 'pods in this namespace',
  podsInNamespace: 'pods in namespace',
  namespace: 'namespace',
  ipBlock: 'CIDR',
  anywhere: 'anywhere',
  ingressController: 'ingress controller',
};

function addRule(rule = {}) {
  const row = h('tr', {},
    h('td', {}, h('select', { name: 'direction' }, h('option', { value: 'ingress' }, 'from (ingress)'), h('option', { value: 'egress' }, 'to (egress)'))),
    h('td', {}, h('select', { name: 'peer' }, Object.entries(PEERS).map(([v, t]) => h('option', { value: v }, t)))),
    h('td', {}, h('input', { name: 'ns', placeholder: 'payments' })),
    h('td', {}, h('input', { name: 'podLabels', placeholder: 'app=frontend' })),
    h('td', {}, h('input', { name: 'cidr', placeholder: '203.0.113.0/24' })),
    h('td', {}, h('input', { name: 'ports', placeholder: '8080, 53/UDP' })),
    h('td', {}, h('button', { type: 'button', title: 'remove', onclick: () => row.remove() }, '✕')));
  const get = (n) => row.querySelector(`[name="${n}"]`);
  for (const [k, v] of Object.entries(rule)) get(k).value = v;
  const sync = () => {
    const peer = get('peer').value;
    get('ns').disabled = !['podsInNamespace', 'namespace'].includes(peer);
    get('podLabels').disabled = !['pods', 'podsInNamespace'].includes(peer);
    get('cidr').disabled = peer !== 'ipBlock';
  };
  get('peer').addEventListener('change', sync);
  sync();
  $('rules').append(row);
}

function selector(text) {
  const matchLabels = {};
  for (const part of text.split(/[,\s]+/).filter(Boolean)) {
    const [k, ...v] = part.split('=');
    if (!k || !v.length) throw new Error(`\`${part}\` is not a label (key=value)`);
    matchLabels[k] = v.join('=');
  }
  return { matchLabels };
}

function ports(text) {
  return text.split(/[,\s]+/).filter(Boolean).map((token) => {
    let protocol = null;
    let rest = token;
    const m = /^(TCP|UDP|SCTP)[/:](.+)$/i.exec(token) ?? /^(.+)\/(TCP|UDP|SCTP)$/i.exec(token);
    if (m) {
      const [p, r] = /^(TCP|UDP|SCTP)$/i.test(m[1]) ? [m[1], m[2]] : [m[2], m[1]];
      protocol = p.toUpperCase();
      rest = r;
    } else if (/^(TCP|UDP|SCTP)$/i.test(token)) {
      return { protocol: token.toUpperCase() };
    }
    const port = {};
    if (protocol) port.protocol = protocol;
    const range = /^(\d+)-(\d+)$/.exec(rest);
    if (range) { port.port = Number(range[1]); port.endPort = Number(range[2]); } else port.port = /^\d+$/.test(rest) ? Number(rest) : rest;
    return port;
  });
}

function intentFromForm() {
  const form = $('intent-form');
  const v = (n) => form.elements[n].value.trim();
  const workload = { name: v('workload') };
  if (v('labels')) workload.podSelector = selector(v('labels'));
  for (const row of $('rules').rows) {
    const get = (n) => row.querySelector(`[name="${n}"]`).value.trim();
    const kind = get('peer');
    let peer;
    if (kind === 'pods') peer = { pods: selector(get('podLabels')) };
    else if (kind === 'podsInNamespace') peer = { podsInNamespace: { namespace: get('ns'), podSelector: selector(get('podLabels')) } };
    else if (kind === 'namespace') peer = { namespace: get('ns') };
    else if (kind === 'ipBlock') peer = { ipBlock: { cidr: get('cidr') } };
    else peer = { [kind]: {} };
    const dir = get('direction');
    const rule = dir === 'ingress' ? { from: [peer] } : { to: [peer] };
    const p = ports(get('ports'));
    if (p.length) rule.ports = p;
    (workload[dir] ??= []).push(rule);
  }
  const namespace = { name: v('namespace'), workloads: [workload] };
  if (v('defaultDeny')) namespace.defaultDeny = v('defaultDeny');
  if (form.elements.allowDns.checked) namespace.allowDns = true;
  if (form.elements.allowSameNamespace.checked) namespace.allowSameNamespace = true;
  return { apiVersion: 'netfence.dev/v1alpha1', kind: 'Intent', namespaces: [namespace] };
}

function buildFromForm(event) {
  event?.preventDefault();
  const errors = $('intent-errors');
  errors.replaceChildren();
  try {
    const response = nf.build({ intent: intentFromForm() });
    state.built = response.yaml;
    $('intent-yaml').textContent = response.yaml;
    $('intent-result').hidden = false;
    download($('download'), response.yaml, `${$('intent-form').elements.namespace.value.trim() || 'policies'}-policies.yaml`);
  } catch (e) {
    $('intent-result').hidden = true;
    errors.append(h('li', { class: 'finding error' }, h('span', { class: 'sev' }, 'error'), h('code', {}, e.code ?? 'error'), ' — ', e.message,
      e.location ? h('span', { class: 'loc' }, `${e.location.file}:${e.location.line}:${e.location.column}`) : '',
      e.help ? h('div', { class: 'help' }, e.help) : ''));
  }
}

function appendToEditor(yaml) {
  const text = editor.value.replace(/\n*$/, '\n');
  editor.value = `${text}---\n${yaml}`;
  changed();
  goToLine(text.split('\n').length + 1);
}

// ---------------------------------------------------------------------------------------------
// Diff between the saved base and the editor
// ---------------------------------------------------------------------------------------------

function renderDiff() {
  const out = $('diff');
  const lines = state.base.split('\n').length;
  $('base-info').textContent = `base: ${lines} lines${state.baseLabel ? ` (${state.baseLabel})` : ''}`;
  if ($('tab-diff').hidden) return;
  let r;
  try {
    r = nf.diff({ base: [{ name: 'base.yaml', text: state.base }], head: sources() });
  } catch (e) {
    out.replaceChildren(h('p', { class: 'no' }, errorText(e)));
    return;
  }
  const d = r.diff;
  const parts = [];
  const errors = [...r.baseErrors.map((e) => ['base', e]), ...r.headErrors.map((e) => ['editor', e])];
  if (errors.length) parts.push(h('ul', { class: 'findings' }, errors.map(([side, e]) => h('li', { class: 'finding error' }, h('span', { class: 'sev' }, side), h('code', {}, e.code), ' — ', e.message))));
  const n = d.connections.length;
  parts.push(h('p', { class: 'summary' }, n || d.endpointsAdded.length || d.endpointsRemoved.length
    ? `${n} connection change${n === 1 ? '' : 's'}; ${d.endpointsAdded.length} endpoint(s) added, ${d.endpointsRemoved.length} removed (base → editor).`
    : 'No difference in connectivity between the base and the editor.'));
  if (d.endpointsAdded.length || d.endpointsRemoved.length) {
    parts.push(h('p', {}, d.endpointsAdded.map((e) => h('span', { class: 'chg-added' }, `+ ${label(e.name)} `)), d.endpointsRemoved.map((e) => h('span', { class: 'chg-removed' }, `− ${label(e.name)} `))));
  }
  if (n) {
    parts.push(h('table', { class: 'plain', id: 'diff-table' },
      h('thead', {}, h('tr', {}, ['source', 'destination', 'change', 'base', 'editor', 'opened', 'closed'].map((t) => h('th', {}, t)))),
      h('tbody', {}, d.connections.map((c) => h('tr', {},
        h('td', { title: c.src }, label(c.src)), h('td', { title: c.dst }, label(c.dst)),
        h('td', { class: `chg-${c.change}` }, c.change),
        h('td', {}, portSetText(c.base)), h('td', {}, portSetText(c.head)),
        h('td', { class: 'chg-added' }, portSetText(c.added).replace('—', '')), h('td', { class: 'chg-removed' }, portSetText(c.removed).replace('—', '')))))));
  }
  if (!state.full) {
    // the change review is in the full build: load it, then draw this tab again
    parts.push(h('p', { class: 'summary', id: 'change-loading' }, 'Loading the change review (netfence-wasm/full)…'));
    loadFull(() => { if (!$('tab-diff').hidden) renderDiff(); });
  } else {
    // the change review: findings the change introduces (with the NF4xx change checks) and resolves
    try {
      const review = state.full.review({ sources: sources(), base: [{ name: 'base.yaml', text: state.base }] });
      const introduced = review.findings.filter((f) => f.new);
      const item = (f, mark) => h('li', { class: `finding ${f.severity}`, onclick: () => f.location?.file === SOURCE && goToLine(f.location.line, f.location.column) },
        h('span', { class: 'sev' }, mark), h('code', {}, f.id), ` ${f.name} — ${f.message}`, f.location ? locLink(f.location) : '');
      parts.push(h('h3', {}, 'Change review ', h('small', {}, `verdict ${review.verdict}: ${introduced.length} finding(s) introduced, ${review.resolved?.length ?? 0} resolved`)));
      parts.push(h('ul', { class: 'findings', id: 'change-findings' }, introduced.map((f) => item(f, `new ${f.severity}`)), (review.resolved ?? []).map((f) => item(f, 'resolved'))));
    } catch { /* the diff above is the whole answer */ }
  }
  out.replaceChildren(...parts);
}

// ---------------------------------------------------------------------------------------------
// Flows: a dropped flow log becomes a traffic map (`flow_map`) and policies (`generate`)
// ---------------------------------------------------------------------------------------------

async function readFlowFile(file) {
  let stream = file.stream();
  if (/\.gz$/i.test(file.name)) stream = stream.pipeThrough(new DecompressionStream('gzip'));
  return new Response(stream).text();
}

function loadFlows(name, text) {
  state.flows = { name, text };
  renderFlows();
}

function renderFlows() {
  const out = $('flows');
  if (!state.flows) { out.replaceChildren(); return; }
  if (!state.full) {
    out.replaceChildren(h('p', { class: 'summary' }, 'Loading the flow-log operations (netfence-wasm/full)…'));
    loadFull(renderFlows);
    return;
  }
  const request = { sources: sources(), flows: [{ name: state.flows.name, text: state.flows.text }] };
  let map;
  let gen;
  try {
    map = state.full.flowMap(request);
    gen = state.full.generate(request);
  } catch (e) {
    out.replaceChildren(h('p', { class: 'no' }, errorText(e)));
    return;
  }
  const ingest = map.ingest;
  const pairs = new Map();
  for (const e of map.entries) {
    const key = `${e.src}\u0000${e.dst}`;
    if (!pairs.has(key)) pairs.set(key, { src: e.src, dst: e.dst, ports: [], denied: false });
    const p = pairs.get(key);
    p.ports.push(`${e.protocol}/${e.port}`);
    if (e.allowed === false) p.denied = true;
  }
  const edges = [...pairs.values()].map((p) => ({ ...p, text: p.ports.join(', '), short: p.ports.length > 2 ? `${p.ports.slice(0, 2).join(', ')}…` : p.ports.join(', ') }));
  const names = new Set();
  for (const e of map.entries) { names.add(e.src); names.add(e.dst); }
  const graph = h('div', { class: 'graph', id: 'flow-graph' });
  renderGraph(graph, [...names].sort(), edges);
  const v = gen.verification;
  const op = gen.overPermission;
  const link = h('a', { class: 'button', id: 'download-generated' }, 'Download YAML');
  download(link, gen.yaml, 'generated-policies.yaml');
  const malformed = ingest.malformedLines ?? [];
  out.replaceChildren(
    h('p', { class: 'summary' }, `${state.flows.name}: ${ingest.records} records, ${ingest.connections} connections, ${ingest.tuples} distinct flows`,
      ingest.malformed ? `, ${ingest.malformed} malformed line(s)` : '', map.unresolved?.length ? `; unresolved: ${map.unresolved.join(', ')}` : ''),
    malformed.length ? h('ul', { class: 'findings' }, malformed.map((m) => h('li', { class: 'finding warning' }, h('span', { class: 'sev' }, 'line'), `${m.source}:${m.line} — ${m.message}`))) : '',
    h('h3', {}, 'Traffic map ', h('small', {}, 'red: denied by the editor\'s policies')),
    graph,
    h('table', { class: 'plain', id: 'traffic' },
      h('thead', {}, h('tr', {}, ['source', 'destination', 'port', 'connections', 'verdicts', 'allowed by editor'].map((t) => h('th', {}, t)))),
      h('tbody', {}, map.entries.map((e) => h('tr', {},
        h('td', { title: e.src }, label(e.src)), h('td', { title: e.dst }, label(e.dst)), h('td', {}, `${e.protocol}/${e.port}`),
        h('td', {}, e.connections),
        h('td', {}, Object.entries(e.verdicts).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ')),
        h('td', { class: e.allowed === false ? 'no' : e.allowed ? 'yes' : null }, e.allowed == null ? '?' : e.allowed ? 'yes' : 'no'))))),
    h('h3', {}, 'Generated policies ', h('small', {}, `${gen.policies.length} policies in ${gen.namespaces.join(', ') || 'no namespace'}; ${v.allowed}/${v.checked} observed flows allowed; ${op.unobserved} allowed in-cluster flows never observed`)),
    h('div', { class: 'row' }, link, h('button', { type: 'button', onclick: () => appendToEditor(gen.yaml) }, 'Append to editor')),
    h('pre', { class: 'yaml-out', id: 'generated-yaml' }, gen.yaml));
}

// ---------------------------------------------------------------------------------------------
// Share: the editor's text, deflated, in the URL hash
// ---------------------------------------------------------------------------------------------

function toBase64Url(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function compress(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'));
  return toBase64Url(new Uint8Array(await new Response(stream).arrayBuffer()));
}

async function decompress(encoded) {
  const stream = new Blob([fromBase64Url(encoded)]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
  return new Response(stream).text();
}

async function shareUrl() {
  const url = new URL(location.href);
  url.hash = `y=${await compress(editor.value)}`;
  return url.href;
}

const updateHash = debounce(async () => {
  const url = await shareUrl();
  if (url !== location.href) history.replaceState(null, '', url);
}, 600);

async function share() {
  const url = await shareUrl();
  history.replaceState(null, '', url);
  $('share-box').hidden = false;
  $('share-url').value = url;
  $('share-url').select();
  let note = `${url.length.toLocaleString()} characters`;
  try { await navigator.clipboard.writeText(url); note += ', copied to the clipboard'; } catch { /* no clipboard access */ }
  $('share-note').textContent = note;
}

// ---------------------------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------------------------

function analyzeNow() {
  const started = performance.now();
  let result;
  let thrown;
  try { result = check(); } catch (e) { thrown = e; }
  renderFindings(result, thrown);
  try {
    state.analysis = nf.analyze({ sources: sources() });
  } catch (e) {
    state.analysis = null;
    if (!thrown) renderFindings(result, e);
  }
  renderEditor();
  renderConnectivity(state.analysis);
  renderDiff();
  if (state.flows && !$('tab-flows').hidden) renderFlows();
  const ms = Math.round(performance.now() - started);
  const a = state.analysis;
  if (a) {
    const pairs = new Set(a.connections.map((c) => `${c.src} ${c.dst}`)).size;
    $('counts').textContent = `${a.endpoints.length} endpoints, ${pairs} connected pairs`;
  }
  if (state.notice) setStatus(state.notice, true);
  else setStatus(thrown ? `The input cannot be read: ${errorText(thrown)}` : `Ready: checked and analyzed in ${ms} ms (netfence WebAssembly, in this tab).`, Boolean(thrown));
  document.body.dataset.ready = '1';
  delete document.body.dataset.pending;
  document.body.dataset.revision = String((Number(document.body.dataset.revision) || 0) + 1);
}

const analyzeLater = debounce(analyzeNow, DEBOUNCE_MS);

function changed() {
  state.notice = null;
  renderEditor();
  document.body.dataset.pending = '1';
  analyzeLater();
  updateHash();
}

function showTab(name) {
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== `tab-${name}`;
  if (name === 'diff') renderDiff();
  if (name === 'flows') renderFlows();
}

async function main() {
  try {
    await init();
  } catch (e) {
    setStatus(`Cannot load the WebAssembly module: ${e.message}`, true);
    return;
  }
  try {
    state.example = await (await fetch('example.json')).json();
  } catch {
    state.example = { yaml: '', flows: null };
  }
  let text = state.example.yaml;
  const hash = new URLSearchParams(location.hash.slice(1)).get('y');
  if (hash) {
    try { text = await decompress(hash); } catch (e) { state.notice = `The link's state cannot be read (${e.message}); showing the example.`; }
  }
  editor.value = text;
  state.base = state.example.yaml;
  state.baseLabel = 'the online-shop example';

  editor.addEventListener('input', changed);
  editor.addEventListener('scroll', syncScroll);
  editor.addEventListener('keydown', (e) => {
    // Tab indents (two spaces) instead of leaving the editor; Escape then Tab still leaves it
    if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey || state.escaped) { state.escaped = e.key === 'Escape'; return; }
    e.preventDefault();
    if (!document.execCommand('insertText', false, '  ')) { editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end'); changed(); }
  });
  $('reset').addEventListener('click', () => { editor.value = state.example.yaml; changed(); });
  $('share').addEventListener('click', share);
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));

  $('intent-form').addEventListener('submit', buildFromForm);
  $('add-rule').addEventListener('click', () => addRule());
  $('insert-built').addEventListener('click', () => state.built && appendToEditor(state.built));
  addRule({ direction: 'ingress', peer: 'pods', podLabels: 'app=frontend', ports: 'http' });
  addRule({ direction: 'egress', peer: 'podsInNamespace', ns: 'payments', podLabels: 'app=payments', ports: 'https' });

  $('save-base').addEventListener('click', () => { state.base = editor.value; state.baseLabel = `saved ${new Date().toLocaleTimeString()}`; renderDiff(); });
  $('reset-base').addEventListener('click', () => { state.base = state.example.yaml; state.baseLabel = 'the online-shop example'; renderDiff(); });

  const drop = $('drop');
  const take = async (file) => { if (file) loadFlows(file.name, await readFlowFile(file)); };
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => { e.preventDefault(); e.stopPropagation(); drop.classList.remove('over'); take(e.dataTransfer.files[0]); });
  window.addEventListener('dragover', (e) => e.preventDefault());
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) { showTab('flows'); take(e.dataTransfer.files[0]); }
  });
  $('flow-file').addEventListener('change', (e) => take(e.target.files[0]));
  $('sample-flows').addEventListener('click', () => state.example.flows && loadFlows(state.example.flows.name, state.example.flows.text));
  $('sample-flows').hidden = !state.example.flows;

  analyzeNow();
}

main();
