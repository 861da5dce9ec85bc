// The graph editor's model: an Intent (docs/schema/intent.schema.json) that clicks on the graph
// change, and the section of the editor's text holding what `build` makes of it.
//
// The section is plain YAML the cluster accepts: the built policies between two comment lines,
// the first followed by the intent as one line of JSON (a comment, so `kubectl apply` and every
// netfence operation ignore it), e.g.
//
//   # netfence playground: policies built from the graph's intent (edits below are replaced)
//   # intent: {"apiVersion":"netfence.dev/v1alpha1","kind":"Intent","namespaces":[...]}
//   apiVersion: networking.k8s.io/v1
//   ...
//   # netfence playground: end of the graph's policies
//
// so the share link, the base of the diff and a copy of the text carry the intent with the
// policies. Everything here is a pure function of its arguments (test/intent.test.mjs).

export const BEGIN = '# netfence playground: policies built from the graph\'s intent (edits below are replaced)';
export const END = '# netfence playground: end of the graph\'s policies';
const INTENT = '# intent: ';

export const emptyIntent = () => ({ apiVersion: 'netfence.dev/v1alpha1', kind: 'Intent', namespaces: [] });

/// The graph's section of `text`: {intent, start, end} (line indexes, `end` exclusive, the
/// `---` before the section included), `null` when there is none, or {error} when its intent
/// line is not JSON.
export function readSection(text) {
  const lines = text.split('\n');
  const begin = lines.indexOf(BEGIN);
  if (begin < 0) return null;
  let end = lines.indexOf(END, begin);
  end = end < 0 ? lines.length : end + 1;
  const start = begin > 0 && /^---\s*$/.test(lines[begin - 1]) ? begin - 1 : begin;
  const line = lines[begin + 1] ?? '';
  if (!line.startsWith(INTENT)) return { error: `the line after \`${BEGIN}\` must be \`${INTENT}{...}\``, start, end };
  try {
    const intent = JSON.parse(line.slice(INTENT.length));
    if (!intent || typeof intent !== 'object' || !Array.isArray(intent.namespaces ?? [])) throw new Error('not an intent object');
    intent.namespaces ??= [];
    return { intent, start, end };
  } catch (e) {
    return { error: `the graph's intent (line ${begin + 2}) is not JSON: ${e.message}`, start, end };
  }
}

/// `text` with the graph's section replaced by `intent` and its built `yaml` (appended when
/// there is no section; removed when the intent has no namespace).
export function writeSection(text, intent, yaml) {
  const lines = text.split('\n');
  const old = readSection(text);
  const section = intent.namespaces.length
    ? [BEGIN, INTENT + JSON.stringify(intent), ...yaml.replace(/^---\n/, '').replace(/\n+$/, '').split('\n'), END]
    : [];
  if (old) {
    const before = lines.slice(0, old.start);
    const after = lines.slice(old.end);
    const head = section.length && before.length && before.some((l) => l.trim()) ? ['---'] : [];
    return [...before, ...head, ...section, ...after].join('\n');
  }
  if (!section.length) return text;
  const body = text.replace(/\n+$/, '');
  return `${body ? `${body}\n---\n` : ''}${section.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Selectors and peers for endpoints of the analysis (`analyze`'s `endpoints`)
// ---------------------------------------------------------------------------------------------

const PREFERRED = ['app', 'app.kubernetes.io/name', 'k8s-app', 'name', 'app.kubernetes.io/component', 'component'];

/// The smallest label selector of `endpoint` that selects no other endpoint of its namespace: a
/// preferred key first, then any one key, two keys, all labels — and when another endpoint has
/// all of them too, `DoesNotExist` for the keys that one has beyond them.
export function selectorFor(endpoint, endpoints) {
  const others = endpoints.filter((e) => e.namespace === endpoint.namespace && e.name !== endpoint.name);
  const labels = endpoint.labels ?? {};
  const keys = Object.keys(labels).sort((a, b) => {
    const pa = PREFERRED.indexOf(a);
    const pb = PREFERRED.indexOf(b);
    return (pa < 0 ? 99 : pa) - (pb < 0 ? 99 : pb) || (a < b ? -1 : a > b ? 1 : 0);
  });
  const unique = (sel) => !others.some((o) => selectorMatches({ matchLabels: sel }, o.labels ?? {}));
  for (const k of keys) if (unique({ [k]: labels[k] })) return { matchLabels: { [k]: labels[k] } };
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) {
      const sel = { [keys[i]]: labels[keys[i]], [keys[j]]: labels[keys[j]] };
      if (unique(sel)) return { matchLabels: sel };
    }
  }
  const extra = new Set();
  for (const o of others) {
    if (selectorMatches({ matchLabels: labels }, o.labels ?? {})) for (const k of Object.keys(o.labels ?? {})) if (!(k in labels)) extra.add(k);
  }
  const selector = { matchLabels: { ...labels } };
  if (extra.size) selector.matchExpressions = [...extra].sort().map((key) => ({ key, operator: 'DoesNotExist' }));
  return selector;
}

const same = (a, b) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v) {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}

/// An external range `a.b.c.d-e.f.g.h` as CIDRs (the smallest list covering it exactly).
export function rangeCidrs(range) {
  const [a, b] = range.split('-');
  const ip = (s) => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
  const text = (n) => [24, 16, 8, 0].map((sh) => Math.floor(n / 2 ** sh) % 256).join('.');
  if (!b || [a, b].some((s) => !/^\d+\.\d+\.\d+\.\d+$/.test(s))) return [range];
  let lo = ip(a);
  const hi = ip(b);
  const out = [];
  while (lo <= hi) {
    let size = 1;
    while (lo % (size * 2) === 0 && lo + size * 2 - 1 <= hi && size < 2 ** 32) size *= 2;
    out.push(`${text(lo)}/${32 - Math.log2(size)}`);
    lo += size;
  }
  return out;
}

/// The intent peer for the endpoint named `name`, seen from a workload in `namespace`.
export function peerFor(name, namespace, endpoints) {
  const endpoint = endpoints.find((e) => e.name === name);
  if (!endpoint) {
    const cidrs = rangeCidrs(name);
    return cidrs.map((cidr) => ({ ipBlock: { cidr } }));
  }
  const podSelector = selectorFor(endpoint, endpoints);
  if (endpoint.namespace === namespace) return [{ pods: podSelector }];
  return [{ podsInNamespace: { namespace: endpoint.namespace, podSelector } }];
}

// ---------------------------------------------------------------------------------------------
// Edits
// ---------------------------------------------------------------------------------------------

const clone = (v) => JSON.parse(JSON.stringify(v));

function namespaceOf(intent, name, create) {
  let ns = intent.namespaces.find((n) => n.name === name);
  if (!ns && create) {
    ns = { name };
    intent.namespaces.push(ns);
    intent.namespaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return ns;
}

/// The workloads of `intent` whose pods include `endpoint`: [{w, exact}] (`exact`: it selects no
/// other endpoint of the namespace).
function workloadsSelecting(intent, endpoint, endpoints) {
  const ns = namespaceOf(intent, endpoint.namespace, false);
  const local = endpoints.filter((e) => e.namespace === endpoint.namespace);
  const found = [];
  for (const w of ns?.workloads ?? []) {
    const selector = w.podSelector ?? { matchLabels: { app: w.name } };
    if (!selectorMatches(selector, endpoint.labels ?? {})) continue;
    found.push({ w, exact: local.every((o) => o.name === endpoint.name || !selectorMatches(selector, o.labels ?? {})) });
  }
  return found;
}

/// The intent workload that selects exactly `endpoint`, created when `create`.
function workloadOf(intent, endpoint, endpoints, create) {
  const exact = workloadsSelecting(intent, endpoint, endpoints).find((x) => x.exact);
  if (exact || !create) return exact?.w ?? null;
  const ns = namespaceOf(intent, endpoint.namespace, true);
  const selector = selectorFor(endpoint, endpoints);
  ns.workloads ??= [];
  let name = endpoint.workload;
  if (ns.workloads.some((x) => x.name === name)) name = `${endpoint.workload}-${endpoint.kind.toLowerCase()}`;
  const w = { name };
  if (!same(selector, { matchLabels: { app: name } })) w.podSelector = selector;
  ns.workloads.push(w);
  ns.workloads.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return w;
}

const peerKey = { egress: 'to', ingress: 'from' };

const ip4 = (s) => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);

function selectorMatches(selector, labels) {
  if (!selector) return true;
  if (!Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    if (operator === 'In') return key in labels && values.includes(labels[key]);
    if (operator === 'NotIn') return !(key in labels) || !values.includes(labels[key]);
    if (operator === 'Exists') return key in labels;
    return !(key in labels);
  });
}

/// Whether a namespace given by name or selector is `namespace` (only the name label is known
/// of a namespace here).
const namespaceMatches = (spec, namespace) => (spec.namespace != null
  ? spec.namespace === namespace
  : selectorMatches(spec.namespaceSelector, { 'kubernetes.io/metadata.name': namespace }));

/// Whether intent `peer`, in a rule of a workload in `namespace`, covers the endpoint or outside
/// range `name` (`endpoints`: the analysis's; `intent`: for the ingress controller's place).
export function peerSelects(peer, name, namespace, endpoints, intent) {
  const e = endpoints.find((x) => x.name === name);
  if (peer.anywhere) return true;
  if (peer.ipBlock) {
    if (e) return false;
    const [lo, hi] = name.split('-').map(ip4);
    const [base, bits] = peer.ipBlock.cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const start = Math.floor(ip4(base) / size) * size;
    const excepted = (peer.ipBlock.except ?? []).some((x) => peerSelects({ ipBlock: { cidr: x } }, name, namespace, endpoints, intent));
    return lo >= start && hi < start + size && !excepted;
  }
  if (!e) return false;
  const labels = e.labels ?? {};
  if (peer.pods) return e.namespace === namespace && selectorMatches(peer.pods, labels);
  if (peer.namespace != null) return e.namespace === peer.namespace;
  if (peer.namespaceSelector) return namespaceMatches({ namespaceSelector: peer.namespaceSelector }, e.namespace);
  if (peer.podsInNamespace) return namespaceMatches(peer.podsInNamespace, e.namespace) && selectorMatches(peer.podsInNamespace.podSelector, labels);
  if (peer.ingressController) {
    const where = { ...(intent?.ingressController ?? {}), ...peer.ingressController };
    const pods = where.podSelector ?? { matchLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' } };
    const ns = where.namespace == null && !where.namespaceSelector ? { namespace: 'ingress-nginx' } : where;
    return namespaceMatches(ns, e.namespace) && selectorMatches(pods, labels);
  }
  return false;
}

/// The rules of `intent` that allow `src` → `dst`: [{direction, workload, rule, peer, only}] —
/// `only`: the peer covers no other endpoint of the input (so removing it denies this pair alone).
export function rulesFor(intent, src, dst, endpoints) {
  const found = [];
  const scan = (name, direction, other) => {
    const endpoint = endpoints.find((e) => e.name === name);
    if (!endpoint) return;
    const targets = [...new Set([...endpoints.map((e) => e.name), other])].filter((n) => n !== name);
    for (const { w, exact } of workloadsSelecting(intent, endpoint, endpoints)) {
      (w[direction] ?? []).forEach((rule, index) => {
        for (const peer of rule[peerKey[direction]] ?? []) {
          if (!peerSelects(peer, other, endpoint.namespace, endpoints, intent)) continue;
          const covered = targets.filter((n) => peerSelects(peer, n, endpoint.namespace, endpoints, intent));
          found.push({ direction, namespace: endpoint.namespace, workload: w.name, index, rule, peer, only: exact && covered.every((n) => n === other) });
        }
      });
    }
  };
  scan(src, 'egress', dst);
  scan(dst, 'ingress', src);
  return found;
}

/// Removes from `intent` (in place) the peers that allow `src` → `dst` and cover nothing else;
/// returns {removed, kept} (the peers that also cover other endpoints stay).
function removeRules(intent, src, dst, endpoints) {
  const found = rulesFor(intent, src, dst, endpoints);
  for (const f of found.filter((x) => x.only)) {
    const w = intent.namespaces.find((n) => n.name === f.namespace).workloads.find((x) => x.name === f.workload);
    const rule = w[f.direction][f.index];
    rule[peerKey[f.direction]] = rule[peerKey[f.direction]].filter((p) => !same(p, f.peer));
  }
  for (const ns of intent.namespaces) {
    for (const w of ns.workloads ?? []) {
      for (const direction of ['ingress', 'egress']) {
        if (!w[direction]) continue;
        w[direction] = w[direction].filter((r) => (r[peerKey[direction]] ?? []).length);
        if (!w[direction].length) delete w[direction];
      }
    }
  }
  return { removed: found.filter((x) => x.only).length, kept: found.filter((x) => !x.only) };
}

function tidy(intent) {
  for (const ns of intent.namespaces) {
    ns.workloads = (ns.workloads ?? []).filter((w) => w.ingress?.length || w.egress?.length);
    if (!ns.workloads.length) delete ns.workloads;
  }
  intent.namespaces = intent.namespaces.filter((ns) => ns.workloads || ns.defaultDeny || ns.allowDns || ns.allowSameNamespace);
  return intent;
}

const denies = (ns, direction) => ns?.defaultDeny === 'Both' || ns?.defaultDeny === (direction === 'ingress' ? 'Ingress' : 'Egress');

/// What allowing `src` → `dst` writes: `{egress, ingress}` flags. A side gets a rule when it is
/// isolated — by a policy now (`isolation`: name → {ingress, egress} booleans) or by its
/// namespace's default deny in the intent; a side that is not isolated already lets the
/// connection through, and a rule there would isolate it (deny everything else).
export function sidesToWrite(intent, src, dst, endpoints, isolation) {
  const s = endpoints.find((e) => e.name === src);
  const d = endpoints.find((e) => e.name === dst);
  return {
    egress: Boolean(s) && (Boolean(isolation.get(src)?.egress) || denies(namespaceOf(intent, s.namespace), 'egress')),
    ingress: Boolean(d) && (Boolean(isolation.get(dst)?.ingress) || denies(namespaceOf(intent, d.namespace), 'ingress')),
  };
}

/// The intent with `src` → `dst` allowed on exactly `ports` (IntentPort list; empty: every
/// port), on the sides `sidesToWrite` names. Returns {intent, sides}.
export function allow(intent, src, dst, ports, endpoints, isolation) {
  const next = clone(intent);
  const sides = sidesToWrite(next, src, dst, endpoints, isolation);
  removeRules(next, src, dst, endpoints);
  const s = endpoints.find((e) => e.name === src);
  const d = endpoints.find((e) => e.name === dst);
  const add = (w, direction, peers) => {
    w[direction] ??= [];
    const rule = w[direction].find((r) => same(r.ports ?? [], ports));
    if (!rule) {
      const fresh = { [peerKey[direction]]: peers };
      if (ports.length) fresh.ports = ports;
      w[direction].push(fresh);
      return;
    }
    const list = rule[peerKey[direction]];
    for (const p of peers) if (!list.some((q) => same(p, q))) list.push(p);
  };
  if (sides.egress) add(workloadOf(next, s, endpoints, true), 'egress', peerFor(dst, s.namespace, endpoints));
  if (sides.ingress) add(workloadOf(next, d, endpoints, true), 'ingress', peerFor(src, d.namespace, endpoints));
  return { intent: tidy(next), sides };
}

/// The intent without its allowance of `src` → `dst`: {intent, removed, kept} (`kept`: rules
/// that also allow other pairs, left as they are).
export function remove(intent, src, dst, endpoints) {
  const next = clone(intent);
  const { removed, kept } = removeRules(next, src, dst, endpoints);
  return { intent: tidy(next), removed, kept };
}

/// The intent with namespace `name`'s settings ({defaultDeny, allowDns, allowSameNamespace}).
export function setNamespace(intent, name, settings) {
  const next = clone(intent);
  const ns = namespaceOf(next, name, true);
  for (const key of ['defaultDeny', 'allowDns', 'allowSameNamespace']) {
    if (settings[key]) ns[key] = settings[key];
    else delete ns[key];
  }
  return tidy(next);
}

/// The least-privilege ports for a connection to `endpoint`: its named container ports (TCP by
/// default), as IntentPorts.
export function namedPorts(endpoint) {
  return (endpoint?.namedPorts ?? []).map((p) => (p.protocol === 'TCP' ? { port: p.name } : { protocol: p.protocol, port: p.name }));
}
