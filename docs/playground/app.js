// The netfence playground: the WASM package driven from a plain page. No server logic: every
// operation runs in the browser through the JSON API of docs/api.md.
//
// The page starts on the core build (`pkg/`, the web build of `netfence-wasm`: findings through
// `lint`, connectivity, explanations, the intent builder, the diff) and loads the full build
// (`pkg-full/`, `netfence-wasm/full`) the first time it needs an operation only that build has:
// the change review of the Diff tab and the flow-log operations of the Flows tab.
//
// The graph is an editor: clicks change an Intent kept in the editor's text (intent.js), `build`
// makes its policies, and the findings, matrix and graph follow. Its layout is graph.js.
import init, * as nf from './pkg/netfence_wasm.js';
import { draw } from './graph.js';
import * as intents from './intent.js';

const SOURCE = 'playground.yaml';
const DEBOUNCE_MS = 250;
const MAX_MATRIX = 80;
// explanations per analysis, for each endpoint's isolation (one `explain` each); above this the
// graph draws every allowed pair instead of folding the pairs no policy restricts
const MAX_ISOLATION = 60;
// above this many edges the graph is not drawn (the matrix still lists every pair)
const MAX_EDGES = 800;
const VISITED = 'netfence-playground-visited';

const $ = (id) => document.getElementById(id);
const editor = $('yaml');

const state = {
  examples: [],
  example: null,
  base: '',
  baseLabel: '',
  analysis: null,
  iso: null, // endpoint name → {ingress, egress, ingressPolicies, egressPolicies, ingressTiers, egressTiers} (booleans, lists)
  tiersActive: false, // whether some cluster-scoped policy applies to an endpoint
  tierEdges: new Map(), // `src\0dst` → the tier whose rules allow the pair ({tier, rules}), or null
  exposureShown: null, // the workload whose exposure the inspector shows (asked for with its button)
  baseView: null, // {text, analysis, iso} of the base, for the changes drawn on the graph
  diff: null,
  overlay: true,
  externals: new Set(), // outside ranges added on the graph
  pick: null, // {kind: 'node', name} | {kind: 'pair', src, dst} | {kind: 'ns', name}
  undo: [],
  editNote: null,
  resources: [],
  policy: null,
  findings: [],
  selected: null,
  endpointByName: new Map(),
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
const baseSources = () => [{ name: 'base.yaml', text: state.base }];

function errorText(e) {
  if (e && e.code) return `${e.code}: ${e.message}${e.location ? ` (${e.location.file}:${e.location.line}:${e.location.column})` : ''}`;
  return String(e?.message ?? e);
}

const isExternal = (name) => !/\[[^\]]+\]$/.test(name);

/// `ns/name[Kind]` → `ns/name`; an outside range as its CIDR when it is one.
function label(name) {
  const m = /^(.*)\[[^\]]+\]$/.exec(name);
  if (m) return m[1];
  const cidrs = intents.rangeCidrs(name);
  return cidrs.length === 1 ? cidrs[0] : name;
}

/// An address of an outside range, for `explain` (every address of a range has the same verdicts).
const addressOf = (name) => (isExternal(name) ? name.split('-')[0] : name);

/// A duration: microseconds under a millisecond (the clock's resolution is 5–100 µs).
function duration(ms) {
  if (ms >= 1) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`;
  return ms > 0 ? `${Math.round(ms * 1000)} µs` : 'under 100 µs';
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

/// The short text of a graph edge: `8080`, `53/UDP`, `all`, `all TCP`.
function shortConns(byProtocol) {
  const protocols = ['TCP', 'UDP', 'SCTP'].filter((p) => byProtocol[p]?.length);
  if (protocols.length === 3 && protocols.every((p) => FULL(byProtocol[p]))) return 'all';
  const text = protocols.map((p) => {
    if (FULL(byProtocol[p])) return `all ${p}`;
    const ports = portsText(byProtocol[p]).replace(/,/g, ', ');
    return p === 'TCP' ? ports : `${ports}/${p}`;
  }).join(', ');
  return text.length > 22 ? `${text.slice(0, 21)}…` : text;
}

/// `{tcp, udp, sctp}` port sets of a diff as protocol map.
const diffPorts = (ports) => ({ TCP: ports?.tcp ?? [], UDP: ports?.udp ?? [], SCTP: ports?.sctp ?? [] });

/// `{tcp, udp, sctp}` port sets of a diff as text.
function portSetText(ports) {
  if (!ports) return '';
  return connsText(diffPorts(ports)) || '—';
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
  caretMoved();
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

/// One finding as a list item: severity, id, name, message, location, help, fix.
function findingItem(f, severity = f.severity, onclick = null) {
  const loc = f.location;
  return h('li', { class: `finding ${f.severity}`, 'data-id': f.id, 'data-line': loc?.line, onclick: onclick ?? (() => loc?.file === SOURCE && goToLine(loc.line, loc.column)) },
    h('span', { class: 'sev' }, severity),
    h('span', { class: 'what' }, h('code', {}, f.id), f.name ? ` ${f.name}` : '', ' — ', f.message,
      loc ? locLink(loc) : '',
      f.resource ? h('span', { class: 'loc' }, f.resource) : ''),
    f.help ? h('div', { class: 'help' }, f.help) : '',
    f.fix ? h('div', { class: 'fix' }, `fix: ${f.fix}`) : '');
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
  for (const f of items) list.append(findingItem(f));
  if (!items.length) list.append(h('li', { class: 'none' }, '✔ No findings: the input is valid and passes the review checks.'));
  const verdict = thrown ? 'fail' : result?.verdict ?? '';
  const counts = ['error', 'warning', 'info'].map((s) => [s, items.filter((f) => f.severity === s).length]).filter(([, n]) => n);
  $('verdict').className = `badge ${verdict}`;
  $('verdict').textContent = `${verdict || '?'}${counts.length ? ` · ${counts.map(([s, n]) => `${n} ${s}${n > 1 ? 's' : ''}`).join(', ')}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Connectivity: isolation, the graph (an editor), the matrix, explanations, a policy's view
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

/// Each endpoint's isolation in `srcs`, from `explain` of the endpoint to itself: whether its
/// ingress and egress are isolated and by which policies. `null` above MAX_ISOLATION endpoints.
function isolationOf(srcs, endpoints) {
  if (endpoints.length > MAX_ISOLATION) return null;
  const iso = new Map();
  for (const e of endpoints) {
    try {
      const x = nf.explain({ sources: srcs, from: e.name, to: e.name });
      const refs = (side) => side.policies.map((p) => `${p.namespace}/${p.name}`);
      const tiers = (side) => (side.tierPolicies ?? []).map((p) => `${p.tier} tier ${p.kind} ${p.policy}`);
      iso.set(e.name, {
        ingress: x.ingress.isolated, egress: x.egress.isolated, ingressPolicies: refs(x.ingress), egressPolicies: refs(x.egress),
        ingressTiers: tiers(x.ingress), egressTiers: tiers(x.egress),
      });
    } catch {
      return null;
    }
  }
  return iso;
}

/// Whether `endpoint`'s side (`ingress` or `egress`) is open: no NetworkPolicy isolates it and no
/// cluster-scoped policy's subject selects it, so every peer connects there.
function openSide(i, side) {
  return Boolean(i) && !i[side] && !(i[`${side}Tiers`]?.length);
}

/// Whether the pair's connections need a policy to be drawn: a pair whose source egress and
/// destination ingress are both unrestricted (by NetworkPolicies and the cluster-scoped tiers) is
/// "open" (every such pair connects), so the graph marks the open sides on the nodes instead of
/// drawing those edges.
function openPair(iso, src, dst) {
  if (!iso) return false;
  const out = isExternal(src) || openSide(iso.get(src), 'egress');
  const inn = isExternal(dst) || openSide(iso.get(dst), 'ingress');
  return out && inn;
}

/// The tiers (`admin`, `baseline`) whose rules allow some of the pair's connections, with the
/// rules, from `explain` (kept per analysis): an edge a tier decides is drawn in its style.
function tierOfPair(src, dst) {
  if (!state.tiersActive || (isExternal(src) && isExternal(dst))) return null;
  const key = `${src}\u0000${dst}`;
  if (state.tierEdges.has(key)) return state.tierEdges.get(key);
  let found = null;
  try {
    const x = nf.explain({ sources: sources(), from: addressOf(src), to: addressOf(dst) });
    const rules = new Map();
    for (const r of x.ranges.filter((r) => r.allowed)) {
      for (const v of [r.egress, r.ingress]) {
        if (v.verdict === 'tierAllowed') rules.set(`${v.rule.policy}/${v.rule.direction}/${v.rule.index}`, v.rule);
      }
    }
    if (rules.size) {
      const list = [...rules.values()];
      found = { tier: list.some((r) => r.tier === 'admin') ? 'admin' : 'baseline', rules: list.map((r) => `${r.tier} tier ${r.kind} ${r.policy} ${r.direction}[${r.index}]${r.name ? ` “${r.name}”` : ''}`) };
    }
  } catch { /* an endpoint explain cannot resolve: drawn as NetworkPolicies decide */ }
  state.tierEdges.set(key, found);
  return found;
}

/// Whether endpoint or outside range `a` lies in `b` (the same endpoint, or a range inside a range).
function covers(a, b) {
  if (a === b) return true;
  if (!isExternal(a) || !isExternal(b)) return false;
  const [a1, a2] = rangeOf(a);
  const [b1, b2] = rangeOf(b);
  return a1 >= b1 && a2 <= b2;
}

function rangeOf(name) {
  const ip = (s) => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const [lo, hi = lo] = name.split('-');
  return [ip(lo), ip(hi)];
}

/// The pairs with adjacent outside ranges that connect alike to one endpoint merged into one
/// range (the analysis splits the outside space at every ipBlock boundary of any policy).
function mergeOutside(pairs) {
  const text = (n) => [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
  const merged = new Map();
  const put = (src, dst, conns) => {
    if (!merged.has(src)) merged.set(src, new Map());
    merged.get(src).set(dst, conns);
  };
  const runs = new Map(); // `in|out endpoint conns` → [[lo, hi, conns]]
  for (const [src, row] of pairs) {
    for (const [dst, conns] of row) {
      const outside = isExternal(src) ? src : isExternal(dst) ? dst : null;
      if (!outside || (isExternal(src) && isExternal(dst))) { put(src, dst, conns); continue; }
      const key = `${outside === src ? `in ${dst}` : `out ${src}`} ${JSON.stringify(conns)}`;
      if (!runs.has(key)) runs.set(key, []);
      runs.get(key).push([...rangeOf(outside), conns]);
    }
  }
  for (const [key, list] of runs) {
    const [side, endpoint] = key.split(' ');
    list.sort((x, y) => x[0] - y[0]);
    const joined = [];
    for (const r of list) {
      const last = joined[joined.length - 1];
      if (last && r[0] === last[1] + 1) last[1] = r[1];
      else joined.push([...r]);
    }
    for (const [lo, hi, conns] of joined) {
      const name = `${text(lo)}-${text(hi)}`;
      if (side === 'in') put(name, endpoint, conns);
      else put(endpoint, name, conns);
    }
  }
  return merged;
}

/// A node's tooltip line for one side: its NetworkPolicy isolation and the cluster-scoped
/// policies that apply there.
function sideTitle(i, side) {
  const policies = i[`${side}Policies`];
  const tiers = i[`${side}Tiers`] ?? [];
  const np = i[side] ? `isolated by ${policies.join(', ')}` : tiers.length ? 'no NetworkPolicy isolates it' : side === 'ingress' ? 'not isolated: every peer may connect' : 'not isolated: it may connect anywhere';
  return tiers.length ? `${np}; cluster-scoped: ${tiers.join(', ')}` : np;
}

/// The graph's model of the current analysis (and the changes against the base when drawn).
function graphModel() {
  const a = state.analysis;
  const iso = state.iso;
  const groups = new Map();
  const nodes = new Map();
  const edges = [];
  const group = (id, text, kind, title) => {
    if (!groups.has(id)) groups.set(id, { id, label: text, kind, title, cls: state.pick?.kind === 'ns' && state.pick.name === id ? 'picked' : '' });
    return id;
  };
  const node = (name, side) => {
    const external = isExternal(name);
    const id = external ? `${side}:${name}` : name;
    if (nodes.has(id)) return id;
    const endpoint = state.endpointByName.get(name) ?? state.baseView?.endpointByName?.get(name);
    const g = external
      ? group(`external:${side}`, side === 'in' ? 'outside (sources)' : 'outside (destinations)', 'external', 'addresses outside the cluster')
      : group(endpoint.namespace, endpoint.namespace, 'namespace', `namespace ${endpoint.namespace}: click for its default deny`);
    const i = iso?.get(name);
    const removed = !external && !state.endpointByName.has(name);
    const pick = state.pick;
    const picked = pick && ((pick.kind === 'node' && pick.name === name) || (pick.kind === 'pair' && (pick.src === name || pick.dst === name)));
    const byPolicy = state.policyView && (state.policyView.targets.ingress.includes(name) || state.policyView.targets.egress.includes(name));
    nodes.set(id, {
      id, name, group: g,
      label: external ? label(name) : endpoint.workload,
      title: external ? `${label(name)} (outside the cluster)` : `${name}${i ? `\ningress: ${sideTitle(i, 'ingress')}\negress: ${sideTitle(i, 'egress')}` : ''}`,
      openIn: !external && openSide(i, 'ingress'),
      openOut: !external && openSide(i, 'egress'),
      tierIn: !external && Boolean(i?.ingressTiers?.length),
      tierOut: !external && Boolean(i?.egressTiers?.length),
      cls: [external ? 'external' : '', removed ? 'removed' : '', picked ? 'picked' : '', byPolicy ? 'policy-target' : ''].filter(Boolean).join(' '),
    });
    return id;
  };
  for (const e of a?.endpoints ?? []) node(e.name);
  for (const name of state.externals) node(name, 'out');
  const view = state.policyView;
  const inView = (src, dst) => view?.pairs.has(`${src}\u0000${dst}`) || [...(view?.pairs ?? [])].some((k) => {
    const [s2, d2] = k.split('\u0000');
    return covers(src, s2) && covers(dst, d2);
  });
  const pairs = mergeOutside(pairsOf(a?.connections ?? []));
  const changes = state.overlay && state.diff ? state.diff.connections : [];
  const drawn = new Set();
  const add = (src, dst, conns, change) => {
    const key = `${src}\u0000${dst}`;
    if (drawn.has(key)) return;
    drawn.add(key);
    let text = conns ? shortConns(conns) : '';
    let cls = conns && connsText(conns) === 'All Connections' ? 'all' : '';
    let title = `${label(src)} → ${label(dst)}: ${conns ? connsText(conns) : 'no connection'}`;
    if (change) {
      cls = `chg-${change.change}`;
      const plus = connsText(diffPorts(change.added));
      const minus = connsText(diffPorts(change.removed));
      text = [plus && `+${shortConns(diffPorts(change.added))}`, minus && `−${shortConns(diffPorts(change.removed))}`].filter(Boolean).join(' ');
      title = `${label(src)} → ${label(dst)} (${change.change} by the change): ${plus ? `opened ${plus}` : ''}${plus && minus ? '; ' : ''}${minus ? `closed ${minus}` : ''}`;
    }
    const tier = change ? null : tierOfPair(src, dst);
    if (tier) {
      cls += ` tier-${tier.tier}`;
      title += `\nallowed by ${tier.rules.join(', ')}`;
    }
    if (inView(src, dst)) cls += ' policy-edge';
    const picked = state.pick?.kind === 'pair' && state.pick.src === src && state.pick.dst === dst;
    edges.push({ id: `${src} → ${dst}`, src: node(src, 'in'), dst: node(dst, 'out'), srcName: src, dstName: dst, label: text, title, cls: `${cls}${picked ? ' picked' : ''}` });
  };
  // the changes first, under their own names (the diff merges outside ranges its own way);
  // then every allowed pair no change covers
  let hidden = 0;
  const covered = [];
  for (const change of changes) {
    covered.push(change);
    if (openPair(iso, change.src, change.dst) && openPair(state.baseView?.iso, change.src, change.dst)) { hidden++; continue; }
    add(change.src, change.dst, pairs.get(change.src)?.get(change.dst) ?? null, change);
  }
  for (const [src, row] of pairs) {
    for (const [dst, conns] of row) {
      if (src === dst || covered.some((c) => covers(src, c.src) && covers(dst, c.dst))) continue;
      if (!openPair(iso, src, dst)) add(src, dst, conns);
    }
  }
  return { groups: [...groups.values()], nodes: [...nodes.values()], edges, hidden, title: 'connectivity graph' };
}

function renderGraph() {
  const model = graphModel();
  if (model.edges.length > MAX_EDGES) {
    $('graph').replaceChildren(h('p', { class: 'hint' }, `${model.edges.length} edges are too many to draw legibly; the matrix below lists every pair.`));
    return null;
  }
  const geo = draw($('graph'), model, {
    node: (n, event) => pickNode(n.name, event),
    edge: (e) => pickPair(e.srcName, e.dstName),
    group: (g) => { if (g.kind === 'namespace') pickNamespace(g.id); },
  });
  const notes = [];
  if (!state.iso && state.analysis?.endpoints.length) notes.push(`every allowed pair is drawn (isolation is worked out up to ${MAX_ISOLATION} endpoints)`);
  if (model.hidden) notes.push(`${model.hidden} changed connection(s) between sides no policy restricts are not drawn (see the Diff tab)`);
  $('graph-note').textContent = notes.join('; ');
  $('graph-note').hidden = !notes.length;
  $('graph').dataset.edges = String(model.edges.length);
  return geo;
}

/// The matrix: sources in rows, destinations in columns, grouped by namespace in two header
/// rows (and two row-header columns), both sticky; full names on hover.
function renderMatrix() {
  const analysis = state.analysis;
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
  if (!internal.length) table.append(h('caption', { class: 'hint' }, 'No workloads or pods in the input.'));
  const nsOf = (n) => (isExternal(n) ? 'outside' : state.endpointByName.get(n)?.namespace ?? n.split('/')[0]);
  const short = (n) => (isExternal(n) ? label(n) : state.endpointByName.get(n)?.workload ?? label(n));
  const runs = (list) => {
    const out = [];
    for (const n of list) {
      const ns = nsOf(n);
      if (out.length && out[out.length - 1].ns === ns) out[out.length - 1].n++;
      else out.push({ ns, n: 1 });
    }
    return out;
  };
  const head1 = h('tr', { class: 'ns-row' }, h('th', { class: 'corner', colspan: 2, rowspan: 2 }, 'from ↓ / to →'),
    runs(cols).map((r) => h('th', { colspan: r.n, class: `ns${r.ns === 'outside' ? ' ext' : ''}`, title: r.ns === 'outside' ? 'outside the cluster' : `namespace ${r.ns}` }, r.ns)));
  const head2 = h('tr', { class: 'name-row' }, cols.map((c) => h('th', { title: c, class: isExternal(c) ? 'ext' : null }, h('span', {}, short(c)))));
  const rowRuns = runs(rows);
  let runIndex = 0;
  let left = 0;
  const body = rows.map((r) => {
    const cells = [];
    if (left === 0) {
      const run = rowRuns[runIndex++];
      left = run.n;
      cells.push(h('th', { class: `ns${run.ns === 'outside' ? ' ext' : ''}`, rowspan: run.n, title: run.ns === 'outside' ? 'outside the cluster' : `namespace ${run.ns}` }, run.ns));
    }
    left--;
    cells.push(h('th', { class: `name${isExternal(r) ? ' ext' : ''}`, title: r }, short(r)));
    for (const c of cols) {
      if (r === c) { cells.push(h('td', { class: 'self', title: 'same endpoint' })); continue; }
      if (isExternal(r) && isExternal(c)) { cells.push(h('td', { class: 'self', title: 'both outside' })); continue; }
      const conns = pairs.get(r)?.get(c);
      const text = conns ? connsText(conns) : '';
      const cls = [conns ? 'on' : '', text === 'All Connections' ? 'all' : '', state.selected?.from === r && state.selected?.to === c ? 'selected' : ''].filter(Boolean).join(' ');
      cells.push(h('td', { class: cls || null, 'data-src': r, 'data-dst': c, title: `${r} → ${c}: ${text || 'no connection'}`, onclick: (e) => { explain(r, c, e.currentTarget); pickPair(r, c, false); } }, text || '·'));
    }
    return h('tr', {}, cells);
  });
  table.append(h('thead', {}, head1, head2), h('tbody', {}, body));
  // the name column sticks right of the namespace column, whatever its width
  const nsWidth = table.querySelector('tbody th.ns')?.offsetWidth;
  if (nsWidth) table.style.setProperty('--ns-col', `${nsWidth}px`);
  if (all.length > MAX_MATRIX) table.append(h('caption', { class: 'hint' }, `first ${MAX_MATRIX} of ${all.length} endpoints`));
}

function renderConnectivity() {
  renderMatrix();
  renderGraph();
  renderInspector();
  const all = new Set([...(state.analysis?.endpoints ?? []).map((e) => e.name), ...(state.analysis?.connections ?? []).flatMap((c) => [c.src, c.dst])]);
  if (state.selected && all.has(state.selected.from) && all.has(state.selected.to)) explain(state.selected.from, state.selected.to);
  else $('explain').hidden = true;
}

// --- picking on the graph --------------------------------------------------------------------

function pickNode(name, event) {
  const pick = state.pick;
  if (pick?.kind === 'node' && pick.name !== name) {
    const [src, dst] = event?.shiftKey ? [name, pick.name] : [pick.name, name];
    pickPair(src, dst);
    return;
  }
  state.pick = pick?.kind === 'node' && pick.name === name ? null : { kind: 'node', name };
  state.editNote = null;
  renderGraph();
  renderInspector();
}

function pickPair(src, dst, withExplain = true) {
  state.pick = { kind: 'pair', src, dst };
  state.editNote = null;
  renderGraph();
  renderInspector();
  if (withExplain) explain(src, dst);
}

function pickNamespace(name) {
  state.pick = { kind: 'ns', name };
  state.editNote = null;
  renderGraph();
  renderInspector();
}

// --- the inspector: what a click selected, and the edits it offers --------------------------

/// The graph's intent in the editor (an empty one when there is no section).
function graphIntent() {
  const section = intents.readSection(editor.value);
  if (section?.error) return { error: section.error };
  return { intent: section?.intent ?? intents.emptyIntent() };
}

/// Builds `intent` into the editor's section; the findings, matrix and graph follow at once.
function applyIntent(intent, note) {
  let yaml = '';
  if (intent.namespaces.length) {
    try {
      yaml = nf.build({ intent }).yaml;
    } catch (e) {
      state.editNote = { bad: true, text: `The intent cannot be built: ${errorText(e)}` };
      renderInspector();
      return false;
    }
  }
  state.undo.push(editor.value);
  // the caret stays where it was (the section is at the end), so the policy view does not jump
  const caret = editor.selectionStart;
  editor.value = intents.writeSection(editor.value, intent, yaml);
  editor.setSelectionRange(caret, caret);
  state.editNote = note ? { text: note } : null;
  changed({ now: true });
  return true;
}

function undo() {
  if (!state.undo.length) return;
  const caret = editor.selectionStart;
  editor.value = state.undo.pop();
  editor.setSelectionRange(caret, caret);
  state.editNote = { text: 'Undone.' };
  changed({ now: true });
}

const sideText = (i, side) => (i?.[side] ? `isolated by ${i[`${side}Policies`].join(', ')}` : 'not isolated (every peer)');

function renderInspector() {
  const box = $('inspector');
  const pick = state.pick;
  const parts = [];
  const { intent, error } = graphIntent();
  if (error) parts.push(h('p', { class: 'no' }, `The graph cannot edit: ${error}.`));
  if (!pick) {
    parts.push(h('p', { class: 'hint' }, 'Click a workload, then another, to allow traffic from the first to the second (Shift: the other way); click an edge to see, change or remove it; click a namespace\'s name for its default deny.'));
  } else if (pick.kind === 'node') {
    const i = state.iso?.get(pick.name);
    parts.push(h('h3', {}, label(pick.name), ' ', h('small', {}, isExternal(pick.name) ? 'outside the cluster' : state.endpointByName.get(pick.name)?.kind ?? '')));
    if (i) parts.push(h('p', {}, `ingress: ${sideText(i, 'ingress')}; egress: ${sideText(i, 'egress')}.`));
    if (!isExternal(pick.name)) {
      parts.push(state.exposureShown === pick.name
        ? exposurePanel(pick.name)
        : h('button', { type: 'button', id: 'show-exposure', title: 'Who could reach it, including pods and namespaces that do not exist yet (loads the full build)', onclick: () => { state.exposureShown = pick.name; renderInspector(); } }, 'Show exposure'));
    }
    parts.push(h('p', { class: 'hint' }, `Now click the destination (Shift: the source) of a connection to allow.`));
  } else if (pick.kind === 'ns') {
    if (intent) parts.push(...namespacePanel(pick.name, intent));
  } else {
    parts.push(...pairPanel(pick.src, pick.dst, intent));
  }
  const note = state.editNote;
  const tools = h('div', { class: 'row tools' },
    state.undo.length ? h('button', { type: 'button', id: 'undo', onclick: undo }, 'Undo') : '',
    pick ? h('button', { type: 'button', onclick: () => { state.pick = null; state.editNote = null; renderGraph(); renderInspector(); } }, 'Clear selection') : '');
  box.replaceChildren(...parts, note ? h('p', { class: note.bad ? 'no note' : 'note' }, note.text) : '', tools);
}

/// Who could reach `name` and whom it could reach, beyond the workloads in the editor: the
/// `exposure` operation's potential peers (the entire cluster, namespaces and pods by label
/// that may not exist yet), each with its ports and the rules that decide it (the
/// cluster-scoped tiers' first).
function exposurePanel(name) {
  if (!state.full) {
    // exposure is in the full build: load it, then draw the inspector again
    loadFull(() => { if (state.pick?.kind === 'node' && state.pick.name === name) renderInspector(); });
    return h('p', { class: 'summary', id: 'exposure-loading' }, 'Loading the exposure analysis (netfence-wasm/full)…');
  }
  let x;
  try {
    x = state.full.exposure({ sources: sources(), filter: { focusWorkloads: [name] } });
  } catch (e) {
    return h('p', { class: 'no' }, `Exposure: ${errorText(e)}`);
  }
  const e = x.endpoints.find((d) => d.endpoint === name);
  if (!e) return '';
  const ports = (to) => {
    if (to.allPorts) return 'All Connections';
    const byProtocol = Object.fromEntries(Object.entries(to.ports ?? {}).map(([p, r]) => [p.toUpperCase(), r]));
    return [connsText(byProtocol), ...(to.namedPorts ?? [])].filter(Boolean).join(', ') || 'No Connections';
  };
  const side = (title, s, open) => {
    if (!s) return '';
    const items = !s.protected
      ? [h('li', {}, open)]
      : s.peers.length
        ? s.peers.map((to) => {
          const refs = [
            ...(to.tierRules ?? []).map((r) => [`${r.tier} tier ${r.kind} ${r.policy} ${r.direction}[${r.index}]${r.name ? ` “${r.name}”` : ''} (${r.action}) `, locLink(r.location, `line ${r.location?.line}`)]),
            ...to.rules.map((r) => [`${r.namespace}/${r.policy} ${r.direction}[${r.index}] `, locLink(r.location, `line ${r.location?.line}`)]),
          ];
          return h('li', { class: to.peer.entireCluster ? 'wide' : null }, h('strong', {}, to.peer.name), `: ${ports(to)} `,
            refs.map((r, k) => [k ? ', ' : '(', ...r, k === refs.length - 1 ? ')' : '']));
        })
        : [h('li', {}, 'no one beyond the workloads shown')];
    return [h('h4', {}, title), h('ul', {}, items)];
  };
  return h('div', { class: 'exposure', id: 'exposure' },
    side('Who could reach it (exposure)', e.ingress, 'everyone: no policy isolates its ingress'),
    side('Whom it could reach', e.egress, 'everywhere: no policy isolates its egress'));
}

function namespacePanel(name, intent) {
  const ns = intent?.namespaces.find((n) => n.name === name) ?? {};
  const select = h('select', { name: 'defaultDeny' }, ['', 'Ingress', 'Egress', 'Both'].map((v) => h('option', { value: v, selected: (ns.defaultDeny ?? '') === v }, v || 'none')));
  const dns = h('input', { type: 'checkbox', name: 'allowDns', checked: Boolean(ns.allowDns) });
  const same = h('input', { type: 'checkbox', name: 'allowSameNamespace', checked: Boolean(ns.allowSameNamespace) });
  const sync = () => {
    dns.disabled = !['Egress', 'Both'].includes(select.value);
    same.disabled = !select.value;
    if (dns.disabled) dns.checked = false;
    if (same.disabled) same.checked = false;
  };
  select.addEventListener('change', sync);
  sync();
  const apply = () => {
    const next = intents.setNamespace(intent, name, { defaultDeny: select.value, allowDns: dns.checked, allowSameNamespace: same.checked });
    applyIntent(next, `Namespace ${name}: ${select.value ? `default deny ${select.value}` : 'no default deny'}${dns.checked ? ', DNS allowed' : ''}${same.checked ? ', same namespace allowed' : ''}.`);
  };
  const policies = (state.analysis?.endpoints ?? []).filter((e) => e.namespace === name).length;
  return [
    h('h3', {}, `namespace ${name}`, ' ', h('small', {}, `${policies} workload(s)`)),
    h('form', { class: 'row ns-form', onsubmit: (e) => { e.preventDefault(); apply(); } },
      h('label', {}, 'Default deny ', select),
      h('label', { class: 'check' }, dns, ' Allow DNS'),
      h('label', { class: 'check' }, same, ' Allow same namespace'),
      h('button', { type: 'submit', class: 'primary', id: 'apply-ns' }, 'Apply')),
    h('p', { class: 'hint' }, 'Default deny isolates every pod of the namespace: only what an allowance names gets through. The graph\'s intent keeps these settings; the policies are built from it.'),
  ];
}

/// Port choices for a connection to `dst`: its named ports (checked), other ports as text.
function portChoices(dst, rules) {
  const endpoint = state.endpointByName.get(dst);
  const current = rules.find((r) => r.rule.ports)?.rule.ports ?? null;
  const named = intents.namedPorts(endpoint);
  const isCurrent = (p) => !current || current.some((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
  const boxes = named.map((p) => {
    const info = endpoint.namedPorts.find((n) => n.name === p.port);
    return h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'port', value: JSON.stringify(p), checked: isCurrent(p) }), ` ${p.port} (${info.protocol} ${info.port})`);
  });
  const otherCurrent = (current ?? []).filter((q) => !named.some((p) => p.port === q.port && (p.protocol ?? 'TCP') === (q.protocol ?? 'TCP')));
  const other = h('input', { name: 'other-ports', placeholder: named.length ? 'other ports, e.g. 9090' : 'ports, e.g. 443, 53/UDP', value: otherCurrent.map((p) => `${p.port ?? ''}${p.endPort ? `-${p.endPort}` : ''}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''}`).join(', ') });
  const every = h('input', { type: 'checkbox', name: 'every-port', checked: rules.length > 0 && !current });
  return { boxes, other, every };
}

function readPorts(form) {
  if (form.querySelector('[name="every-port"]').checked) return [];
  const chosen = [...form.querySelectorAll('[name="port"]:checked')].map((b) => JSON.parse(b.value));
  const other = ports(form.querySelector('[name="other-ports"]').value);
  const list = [...chosen, ...other];
  if (!list.length) throw new Error('choose the ports to allow (or every port)');
  return list;
}

function pairPanel(src, dst, intent) {
  const endpoints = state.analysis?.endpoints ?? [];
  const conns = pairsOf(state.analysis?.connections ?? []).get(src)?.get(dst);
  const parts = [h('h3', {}, `${label(src)} → ${label(dst)}: `, conns ? h('span', { class: 'yes' }, connsText(conns)) : h('span', { class: 'no' }, 'no connection'))];
  if (!intent) return parts;
  if (src === dst) return [...parts, h('p', { class: 'hint' }, 'A workload always reaches itself.')];
  if (isExternal(src) && isExternal(dst)) return [...parts, h('p', { class: 'hint' }, 'Policies do not apply between two outside addresses.')];
  const rules = intents.rulesFor(intent, src, dst, endpoints);
  const sides = intents.sidesToWrite(intent, src, dst, endpoints, state.iso ?? new Map());
  if (rules.length) {
    parts.push(h('p', {}, 'The graph\'s intent allows it: ', rules.map((r, i) => [i ? '; ' : '',
      `${r.direction} of ${r.namespace}/${r.workload}${r.rule.ports ? ` on ${r.rule.ports.map((p) => `${p.protocol && p.protocol !== 'TCP' ? `${p.protocol} ` : ''}${p.port ?? 'every port'}${p.endPort ? `-${p.endPort}` : ''}`).join(', ')}` : ' on every port'}`,
      r.only ? '' : ' (a rule that also allows other peers)'])));
  } else if (conns) {
    parts.push(h('p', { class: 'hint' }, 'The graph\'s intent has no rule for this pair: other policies, or sides no policy restricts, allow it (the explanation below says which).'));
  }
  const nsOf = (n) => state.endpointByName.get(n)?.namespace;
  if (!sides.egress && !sides.ingress) {
    const isolate = [src, dst].filter((n) => !isExternal(n)).map(nsOf).filter((n, i, a) => a.indexOf(n) === i);
    parts.push(h('p', {}, `Neither ${isExternal(src) ? 'side' : `the egress of ${label(src)}`} nor ${isExternal(dst) ? 'the outside side' : `the ingress of ${label(dst)}`} is isolated, so every connection between them passes. Allowing some ports only starts with a default deny:`),
      h('div', { class: 'row' }, isolate.map((ns) => h('button', { type: 'button', class: 'deny-ns', 'data-ns': ns, onclick: () => {
        const current = intent.namespaces.find((n) => n.name === ns) ?? {};
        applyIntent(intents.setNamespace(intent, ns, { ...current, defaultDeny: 'Both' }), `Default deny in ${ns}: its pods get only what an allowance names.`);
      } }, `Default deny in ${ns}`))));
    return parts;
  }
  const { boxes, other, every } = portChoices(isExternal(dst) ? null : dst, rules);
  const form = h('form', { class: 'pair-form', onsubmit: (e) => {
    e.preventDefault();
    let list;
    try { list = readPorts(form); } catch (err) { state.editNote = { bad: true, text: err.message }; renderInspector(); return; }
    const { intent: next, sides: written } = intents.allow(intent, src, dst, list, endpoints, state.iso ?? new Map());
    const where = [written.egress && `egress of ${label(src)}`, written.ingress && `ingress of ${label(dst)}`].filter(Boolean).join(' and ');
    applyIntent(next, `Allowed ${label(src)} → ${label(dst)} ${list.length ? `on ${list.map((p) => `${p.port}${p.endPort ? `-${p.endPort}` : ''}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''}`).join(', ')}` : 'on every port'}: a rule in the ${where}.`);
  } },
  h('div', { class: 'row ports' }, boxes, other, h('label', { class: 'check' }, every, ' every port')),
  h('p', { class: 'hint' }, `A rule goes to ${[sides.egress && `the egress of ${label(src)}`, sides.ingress && `the ingress of ${label(dst)}`].filter(Boolean).join(' and ')} (the isolated side${sides.egress && sides.ingress ? 's' : ''}); a side no policy isolates lets it through already.`),
  h('div', { class: 'row' },
    h('button', { type: 'submit', class: 'primary', id: 'allow' }, rules.length ? 'Allow only these ports' : 'Allow'),
    rules.some((r) => r.only) ? h('button', { type: 'button', id: 'remove', onclick: () => {
      const { intent: next, kept } = intents.remove(intent, src, dst, endpoints);
      applyIntent(next, `Removed the graph's allowance of ${label(src)} → ${label(dst)}${kept.length ? ' (rules that also allow other peers stay)' : ''}.`);
    } }, 'Remove the allowance') : ''));
  parts.push(form);
  return parts;
}

// --- explanations -----------------------------------------------------------------------------

function explain(from, to, cell) {
  const box = $('explain');
  state.selected = { from, to };
  document.querySelectorAll('#matrix td.selected').forEach((td) => td.classList.remove('selected'));
  (cell ?? document.querySelector(`#matrix td[data-src="${CSS.escape(from)}"][data-dst="${CSS.escape(to)}"]`))?.classList.add('selected');
  let x;
  try {
    x = nf.explain({ sources: sources(), from: addressOf(from), to: addressOf(to) });
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
  // a cluster-scoped rule: its tier, kind, policy, priority and the rule's name
  const tierRule = (r) => [`${r.tier} tier ${r.kind} ${r.policy} (priority ${r.priority}) ${r.direction}[${r.index}]${r.name ? ` “${r.name}”` : ''} `, locLink(r.location, `line ${r.location?.line}`)];
  const verdict = (v) => {
    const words = { allowed: 'allowed', denied: 'denied', notIsolated: 'not isolated', notApplicable: 'n/a', tierAllowed: 'allowed', tierDenied: 'denied' };
    const denied = v.verdict === 'denied' || v.verdict === 'tierDenied';
    const el = h('span', { class: denied ? 'no' : v.verdict === 'allowed' || v.verdict === 'tierAllowed' ? 'yes' : null }, words[v.verdict] ?? v.verdict);
    if (v.rule) return h('span', { class: 'tier-rule' }, el, ' by ', tierRule(v.rule));
    if (!v.rules?.length) return el;
    return h('span', {}, el, ' by ', v.rules.map((r, i) => [i ? ', ' : '', `${r.namespace}/${r.policy} ${r.direction}[${r.index}] `, locLink(r.location, `line ${r.location?.line}`)]));
  };
  // admin Pass rules that handed a range to the NetworkPolicies and the baseline tier
  const passed = [...new Map(x.ranges.flatMap((r) => r.passed ?? []).map((r) => [`${r.policy}/${r.direction}/${r.index}`, r])).values()];
  box.hidden = false;
  box.replaceChildren(
    h('h3', {}, `${label(from)} → ${label(to)}: `, summary),
    h('div', { class: 'sides' }, side('Egress', x.egress, label(from)), side('Ingress', x.ingress, label(to))),
    passed.length ? h('p', { class: 'passed' }, 'Passed on by ', passed.map((r, i) => [i ? ', ' : '', ...tierRule(r)]), ': the NetworkPolicies and the baseline tier decide.') : '',
    h('table', {}, h('thead', {}, h('tr', {}, ['protocol', 'ports', 'verdict', 'egress of source', 'ingress of destination'].map((t) => h('th', {}, t)))),
      h('tbody', {}, x.ranges.map((r) => h('tr', { class: r.allowed ? 'yes' : null },
        h('td', {}, r.protocol), h('td', {}, portsText([r.ports])),
        h('td', { class: r.allowed ? 'yes' : 'no' }, r.allowed ? '✔ allowed' : '✘ denied'),
        h('td', {}, verdict(r.egress)), h('td', {}, verdict(r.ingress)))))));
}

// --- the selected policy's view: whom it admits, on which ports --------------------------------

/// The NetworkPolicy whose document holds the caret, from `parse`'s resources.
function policyAtCaret() {
  const line = editor.value.slice(0, editor.selectionStart).split('\n').length;
  const docs = state.resources.filter((r) => r.location?.file === SOURCE).sort((a, b) => a.location.line - b.location.line);
  let at = null;
  for (const r of docs) if (r.location.line <= line) at = r;
  if (!at || at.kind !== 'NetworkPolicy') return null;
  // the caret must be before the next document's separator
  const lines = editor.value.split('\n');
  for (let i = at.location.line; i < line; i++) if (/^---\s*$/.test(lines[i] ?? '')) return null;
  return at;
}

/// Whom `policy` admits (ingress) and reaches (egress), per peer and ports: explanations of
/// each selected endpoint with every peer, keeping the port ranges this policy's rules allow.
function computePolicyView(policy) {
  const ref = `${policy.namespace}/${policy.name}`;
  const targets = { ingress: [], egress: [] };
  for (const [name, i] of state.iso ?? []) {
    if (i.ingressPolicies.includes(ref)) targets.ingress.push(name);
    if (i.egressPolicies.includes(ref)) targets.egress.push(name);
  }
  const peers = [...new Set([...(state.analysis?.endpoints ?? []).map((e) => e.name), ...(state.analysis?.connections ?? []).flatMap((c) => [c.src, c.dst])])];
  const rows = { ingress: [], egress: [] };
  const pairs = new Set();
  for (const direction of ['ingress', 'egress']) {
    for (const target of targets[direction]) {
      for (const peer of peers) {
        if (peer === target) continue;
        const [from, to] = direction === 'ingress' ? [peer, target] : [target, peer];
        let x;
        try { x = nf.explain({ sources: sources(), from: addressOf(from), to: addressOf(to) }); } catch { continue; }
        const ranges = x.ranges.filter((r) => r[direction].rules?.some((rule) => rule.namespace === policy.namespace && rule.policy === policy.name));
        if (!ranges.length) continue;
        rows[direction].push({ target, peer, ports: ranges.map((r) => `${r.protocol} ${portsText([r.ports])}`).join(', '), allowed: ranges.some((r) => r.allowed) });
        pairs.add(`${from}\u0000${to}`);
      }
    }
  }
  return { policy, targets, rows, pairs };
}

function renderPolicyView() {
  const box = $('policy-view');
  const view = state.policyView;
  if (!view) { box.hidden = true; return; }
  const { policy, targets, rows } = view;
  const table = (direction, words) => {
    if (!targets[direction].length) return h('p', { class: 'hint' }, `${direction}: not restricted by this policy.`);
    if (!rows[direction].length) return h('p', {}, `${direction}: ${words.none} (${targets[direction].map(label).join(', ')} isolated, nothing allowed by this policy).`);
    return h('table', { class: 'plain', id: `policy-${direction}` },
      h('thead', {}, h('tr', {}, [direction === 'ingress' ? 'to' : 'from', words.peer, 'ports', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows[direction].map((r) => h('tr', {}, h('td', {}, label(r.target)), h('td', { title: r.peer }, label(r.peer)), h('td', {}, r.ports),
        h('td', { class: r.allowed ? 'yes' : 'no', title: r.allowed ? 'the other side lets it through too' : 'the other side denies it' }, r.allowed ? 'connects' : 'blocked by the other side')))));
  };
  box.hidden = false;
  box.replaceChildren(
    h('h3', {}, `Policy ${policy.namespace}/${policy.name} `, locLink(policy.location, `line ${policy.location.line}`), ' ',
      h('small', {}, `selects ${[...new Set([...targets.ingress, ...targets.egress])].map(label).join(', ') || 'no workload of the input'}`)),
    h('div', { class: 'policy-sides' },
      h('div', {}, h('strong', {}, 'Ingress: whom it admits'), table('ingress', { peer: 'from', none: 'admits nobody' })),
      h('div', {}, h('strong', {}, 'Egress: where it lets them go'), table('egress', { peer: 'to', none: 'allows nothing' }))));
}

/// Recomputes the policy view when the caret enters another policy (or leaves policies).
function updatePolicyView(force = false) {
  const policy = policyAtCaret();
  const key = policy ? `${policy.namespace}/${policy.name}@${policy.location.line}` : '';
  if (!force && key === (state.policyKey ?? '')) return;
  state.policyKey = key;
  state.policyView = policy && state.iso ? computePolicyView(policy) : null;
  renderPolicyView();
  renderGraph();
}

const caretMoved = debounce(() => updatePolicyView(), 150);

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
// Diff between the saved base and the editor (and the changes drawn on the graph)
// ---------------------------------------------------------------------------------------------

/// The base's analysis and isolation (kept while the base does not change) and the diff.
function updateBaseView() {
  state.diff = null;
  if (!state.overlay) return;
  if (state.baseView?.text !== state.base) {
    state.baseView = { text: state.base };
    try {
      const a = nf.analyze({ sources: baseSources() });
      state.baseView.analysis = a;
      state.baseView.endpointByName = new Map(a.endpoints.map((e) => [e.name, e]));
      state.baseView.iso = isolationOf(baseSources(), a.endpoints);
    } catch { /* an unreadable base: the Diff tab says why */ }
  }
  try {
    state.diff = nf.diff({ base: baseSources(), head: sources() }).diff;
  } catch { state.diff = null; }
}

function renderDiff() {
  const out = $('diff');
  const lines = state.base.split('\n').length;
  $('base-info').textContent = `base: ${lines} lines${state.baseLabel ? ` (${state.baseLabel})` : ''}`;
  if ($('tab-diff').hidden) return;
  let r;
  try {
    r = nf.diff({ base: baseSources(), head: sources() });
  } catch (e) {
    out.replaceChildren(h('p', { class: 'no' }, errorText(e)));
    return;
  }
  const d = r.diff;
  const parts = [];
  const errors = [...r.baseErrors.map((e) => ['base', e]), ...r.headErrors.map((e) => ['editor', e])];
  if (errors.length) parts.push(h('ul', { class: 'findings' }, errors.map(([side, e]) => h('li', { class: 'finding error' }, h('span', { class: 'sev' }, side), h('span', { class: 'what' }, h('code', {}, e.code), ' — ', e.message)))));
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
      const review = state.full.review({ sources: sources(), base: baseSources() });
      const introduced = review.findings.filter((f) => f.new);
      parts.push(h('h3', {}, 'Change review ', h('small', {}, `verdict ${review.verdict}: ${introduced.length} finding(s) introduced, ${review.resolved?.length ?? 0} resolved`)));
      parts.push(h('ul', { class: 'findings', id: 'change-findings' }, introduced.map((f) => findingItem(f, `new ${f.severity}`)), (review.resolved ?? []).map((f) => findingItem(f, 'resolved', () => {}))));
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

/// The traffic map as a graph model: one edge per observed pair, its ports as the label.
function flowModel(entries) {
  const pairs = new Map();
  for (const e of entries) {
    const key = `${e.src}\u0000${e.dst}`;
    if (!pairs.has(key)) pairs.set(key, { src: e.src, dst: e.dst, ports: [], denied: false });
    const p = pairs.get(key);
    p.ports.push(`${e.protocol}/${e.port}`);
    if (e.allowed === false) p.denied = true;
  }
  const groups = new Map();
  const nodes = new Map();
  const node = (name, side) => {
    const external = isExternal(name);
    const ns = external ? `external:${side}` : name.split('/')[0];
    const id = external ? `${side}:${name}` : name;
    if (!groups.has(ns)) groups.set(ns, { id: ns, label: external ? (side === 'in' ? 'outside (sources)' : 'outside (destinations)') : ns, kind: external ? 'external' : 'namespace' });
    if (!nodes.has(id)) nodes.set(id, { id, name, group: ns, label: external ? label(name) : label(name).split('/').slice(1).join('/'), title: name, cls: external ? 'external' : '' });
    return id;
  };
  const edges = [...pairs.values()].map((p) => {
    const text = p.ports.map((x) => x.replace(/^TCP\//, '').replace(/^(UDP|SCTP)\/(.*)$/, '$2/$1')).join(', ');
    return { id: `${p.src} → ${p.dst}`, src: node(p.src, 'in'), dst: node(p.dst, 'out'), srcName: p.src, dstName: p.dst,
      label: text.length > 22 ? `${text.slice(0, 21)}…` : text, title: `${label(p.src)} → ${label(p.dst)}: ${p.ports.join(', ')}${p.denied ? ' (denied by the editor\'s policies)' : ''}`, cls: p.denied ? 'denied' : '' };
  });
  return { groups: [...groups.values()], nodes: [...nodes.values()], edges, title: 'traffic map' };
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
  const graph = h('div', { class: 'graph', id: 'flow-graph' });
  const v = gen.verification;
  const op = gen.overPermission;
  const link = h('a', { class: 'button', id: 'download-generated' }, 'Download YAML');
  download(link, gen.yaml, 'generated-policies.yaml');
  const malformed = ingest.malformedLines ?? [];
  out.replaceChildren(
    h('p', { class: 'summary' }, `${state.flows.name}: ${ingest.records} records, ${ingest.connections} connections, ${ingest.tuples} distinct flows`,
      ingest.malformed ? `, ${ingest.malformed} malformed line(s)` : '', map.unresolved?.length ? `; unresolved: ${map.unresolved.join(', ')}` : ''),
    malformed.length ? h('ul', { class: 'findings' }, malformed.map((m) => h('li', { class: 'finding warning' }, h('span', { class: 'sev' }, 'line'), h('span', { class: 'what' }, `${m.source}:${m.line} — ${m.message}`)))) : '',
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
    h('div', { class: 'row' }, link, h('button', { type: 'button', id: 'append-generated', onclick: () => appendToEditor(gen.yaml) }, 'Append to editor')),
    h('pre', { class: 'yaml-out', id: 'generated-yaml' }, gen.yaml));
  // drawn once in the page, so the layout knows the fonts
  draw(graph, flowModel(map.entries));
}

// ---------------------------------------------------------------------------------------------
// Share: the editor's text (and a base that differs from the example's), deflated, in the hash
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
  const params = new URLSearchParams();
  params.set('y', await compress(editor.value));
  if (state.base !== editor.value) params.set('b', await compress(state.base));
  url.hash = params.toString();
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
  const endpoints = state.analysis?.endpoints ?? [];
  state.endpointByName = new Map(endpoints.map((e) => [e.name, e]));
  state.iso = state.analysis ? isolationOf(sources(), endpoints) : null;
  state.tiersActive = [...(state.iso?.values() ?? [])].some((i) => i.ingressTiers.length || i.egressTiers.length);
  state.tierEdges = new Map();
  try { state.resources = nf.parse({ sources: sources() }).resources; } catch { state.resources = []; }
  updateBaseView();
  const elapsed = performance.now() - started;
  // the policy view follows the caret once the editor has had it
  const policy = document.activeElement === editor || state.policyKey ? policyAtCaret() : null;
  state.policyKey = policy ? `${policy.namespace}/${policy.name}@${policy.location.line}` : null;
  state.policyView = policy && state.iso ? computePolicyView(policy) : null;
  renderPolicyView();
  renderEditor();
  renderConnectivity();
  renderDiff();
  if (state.flows && !$('tab-flows').hidden) renderFlows();
  const a = state.analysis;
  if (a) {
    const pairs = new Set(a.connections.map((c) => `${c.src} ${c.dst}`)).size;
    $('counts').textContent = `${a.endpoints.length} endpoints, ${pairs} connected pairs`;
  }
  if (state.notice) setStatus(state.notice, true);
  else setStatus(thrown ? `The input cannot be read: ${errorText(thrown)}` : `Ready: checked and analyzed in ${duration(elapsed)} (netfence WebAssembly, in this tab).`, Boolean(thrown));
  document.body.dataset.ready = '1';
  delete document.body.dataset.pending;
  document.body.dataset.revision = String((Number(document.body.dataset.revision) || 0) + 1);
}

const analyzeLater = debounce(analyzeNow, DEBOUNCE_MS);

function changed({ now = false } = {}) {
  state.notice = null;
  renderEditor();
  document.body.dataset.pending = '1';
  if (now) analyzeNow();
  else analyzeLater();
  updateHash();
}

function showTab(name) {
  for (const b of document.querySelectorAll('.tabs button')) b.setAttribute('aria-selected', String(b.dataset.tab === name));
  for (const t of document.querySelectorAll('.tab')) t.hidden = t.id !== `tab-${name}`;
  if (name === 'diff') renderDiff();
  if (name === 'flows') renderFlows();
  if (name === 'connectivity') renderGraph();
  if (name === 'intent') renderGraphIntent();
}

/// Loads example `id` (editor, base, tab, flows); `analyze`: run the analysis now.
function loadExample(id, analyze = true) {
  const example = state.examples.find((e) => e.id === id) ?? state.examples[0];
  if (!example) return;
  state.example = example.id;
  editor.value = example.yaml;
  state.base = example.base ?? example.yaml;
  state.baseLabel = `the ${example.title.toLowerCase()} example`;
  state.overlay = example.id !== 'flow-log';
  $('overlay').checked = state.overlay;
  editor.setSelectionRange(0, 0);
  state.policyKey = null;
  state.pick = null;
  state.undo = [];
  state.editNote = null;
  state.externals.clear();
  state.flows = example.flows ?? null;
  $('example').value = example.id;
  if (!state.flows) $('flows').replaceChildren();
  if (analyze) changed({ now: true });
  showTab(example.tab ?? 'connectivity');
}

function showPicker() {
  const dialog = $('picker');
  const list = $('picker-list');
  list.replaceChildren(...state.examples.map((e) => h('button', { type: 'button', class: 'card', 'data-example': e.id, onclick: () => {
    dialog.close();
    loadExample(e.id);
  } }, h('strong', {}, e.title), h('span', {}, e.summary))));
  dialog.addEventListener('close', () => localStorage.setItem(VISITED, '1'), { once: true });
  dialog.showModal();
}

/// The graph's intent in the Intent builder tab, as the editor holds it.
function renderGraphIntent() {
  const { intent, error } = graphIntent();
  $('graph-intent').textContent = error ?? (intent.namespaces.length ? JSON.stringify(intent, null, 2) : 'No intent yet: click on the graph to make one.');
}

function addExternal(event) {
  event.preventDefault();
  const input = $('external-cidr');
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(input.value.trim());
  const bits = m ? Number(m[5]) : -1;
  if (!m || m.slice(1, 5).some((x) => Number(x) > 255) || bits > 32) {
    state.editNote = { bad: true, text: `\`${input.value.trim()}\` is not an IPv4 CIDR (e.g. 203.0.113.0/24)` };
    renderInspector();
    return;
  }
  const ip = m.slice(1, 5).reduce((n, p) => n * 256 + Number(p), 0);
  const size = 2 ** (32 - bits);
  const lo = Math.floor(ip / size) * size;
  const text = (n) => [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
  state.externals.add(`${text(lo)}-${text(lo + size - 1)}`);
  input.value = '';
  state.editNote = { text: `Added ${text(lo)}/${bits} outside the cluster: click a workload, then it, to allow traffic there.` };
  renderGraph();
  renderInspector();
}

async function main() {
  try {
    await init();
  } catch (e) {
    setStatus(`Cannot load the WebAssembly module: ${e.message}`, true);
    return;
  }
  let bundle;
  try {
    bundle = await (await fetch('example.json')).json();
  } catch {
    bundle = { examples: [], flows: null };
  }
  state.examples = bundle.examples;
  state.sampleFlows = bundle.flows;
  $('example').replaceChildren(...state.examples.map((e) => h('option', { value: e.id }, e.title)));

  const params = new URLSearchParams(location.hash.slice(1));
  const wanted = params.get('example');
  loadExample(wanted ?? state.examples[0]?.id, false);
  if (params.get('y')) {
    try {
      editor.value = await decompress(params.get('y'));
      state.base = params.get('b') ? await decompress(params.get('b')) : editor.value;
      state.baseLabel = params.get('b') ? 'from the link' : 'the link\'s text';
      state.overlay = true;
      $('overlay').checked = true;
      showTab('connectivity');
    } catch (e) {
      state.notice = `The link's state cannot be read (${e.message}); showing the example.`;
    }
  }

  editor.addEventListener('input', () => changed());
  editor.addEventListener('scroll', syncScroll);
  editor.addEventListener('click', caretMoved);
  editor.addEventListener('keyup', caretMoved);
  editor.addEventListener('keydown', (e) => {
    // Tab indents (two spaces) instead of leaving the editor; Escape then Tab still leaves it
    if (e.key !== 'Tab' || e.shiftKey || e.ctrlKey || e.altKey || e.metaKey || state.escaped) { state.escaped = e.key === 'Escape'; return; }
    e.preventDefault();
    if (!document.execCommand('insertText', false, '  ')) { editor.setRangeText('  ', editor.selectionStart, editor.selectionEnd, 'end'); changed(); }
  });
  $('example').addEventListener('change', (e) => loadExample(e.target.value));
  $('examples').addEventListener('click', showPicker);
  $('share').addEventListener('click', share);
  for (const b of document.querySelectorAll('.tabs button')) b.addEventListener('click', () => showTab(b.dataset.tab));
  $('overlay').addEventListener('change', (e) => { state.overlay = e.target.checked; updateBaseView(); renderGraph(); });
  $('add-external').addEventListener('submit', addExternal);

  $('intent-form').addEventListener('submit', buildFromForm);
  $('add-rule').addEventListener('click', () => addRule());
  $('insert-built').addEventListener('click', () => state.built && appendToEditor(state.built));
  addRule({ direction: 'ingress', peer: 'pods', podLabels: 'app=frontend', ports: 'http' });
  addRule({ direction: 'egress', peer: 'podsInNamespace', ns: 'payments', podLabels: 'app=payments', ports: 'https' });

  $('save-base').addEventListener('click', () => { state.base = editor.value; state.baseLabel = `saved ${new Date().toLocaleTimeString()}`; updateBaseView(); renderGraph(); renderDiff(); updateHash(); });
  $('reset-base').addEventListener('click', () => {
    const example = state.examples.find((e) => e.id === state.example);
    state.base = example?.base ?? '';
    state.baseLabel = `the ${example?.title.toLowerCase() ?? ''} example`;
    updateBaseView(); renderGraph(); renderDiff(); updateHash();
  });

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
  $('sample-flows').addEventListener('click', () => state.sampleFlows && loadFlows(state.sampleFlows.name, state.sampleFlows.text));
  $('sample-flows').hidden = !state.sampleFlows;

  analyzeNow();
  // a first visit without a link or a chosen example starts at the picker
  if (!params.get('y') && !wanted && !localStorage.getItem(VISITED)) showPicker();
}

main();
