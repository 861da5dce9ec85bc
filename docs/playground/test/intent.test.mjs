// The graph editor's intent edits, in Node: the editor section round-trips, selectors pick
// exactly one workload, allowances land on the isolated sides only, removals take out exactly
// the peers of one pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as intents from '../intent.js';

const endpoint = (namespace, workload, labels, namedPorts = []) => ({ name: `${namespace}/${workload}[Deployment]`, namespace, workload, kind: 'Deployment', labels, namedPorts });
const endpoints = [
  endpoint('shop', 'frontend', { app: 'frontend', tier: 'web' }, [{ name: 'http', protocol: 'TCP', port: 8080 }]),
  endpoint('shop', 'api', { app: 'api', tier: 'backend' }, [{ name: 'http', protocol: 'TCP', port: 8080 }, { name: 'metrics', protocol: 'TCP', port: 9090 }]),
  endpoint('shop', 'api-canary', { app: 'api', tier: 'backend', track: 'canary' }),
  endpoint('data', 'postgres', { app: 'postgres' }, [{ name: 'postgres', protocol: 'TCP', port: 5432 }]),
  endpoint('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, [{ name: 'dns', protocol: 'UDP', port: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53 }]),
  endpoint('ingress-nginx', 'controller', { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }),
];
const name = (ns, w) => `${ns}/${w}[Deployment]`;
const isolated = (entries) => new Map(entries.map(([n, ingress, egress]) => [n, { ingress, egress }]));

test('the section round-trips through the editor text, after the manifests', () => {
  const intent = { ...intents.emptyIntent(), namespaces: [{ name: 'shop', defaultDeny: 'Both' }] };
  const manifests = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n';
  const text = intents.writeSection(manifests, intent, '---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n');
  assert.ok(text.startsWith(manifests + '---\n' + intents.BEGIN + '\n# intent: {'));
  assert.ok(text.endsWith(`kind: NetworkPolicy\n${intents.END}\n`));
  const read = intents.readSection(text);
  assert.deepEqual(read.intent, intent);
  // replacing keeps what follows the section, and an empty intent removes it
  const after = `${text}---\n# appended by hand\nkind: Service\n`;
  const replaced = intents.writeSection(after, { ...intent, namespaces: [{ name: 'data', defaultDeny: 'Ingress' }] }, 'kind: NetworkPolicy\n');
  assert.match(replaced, /"name":"data"/);
  assert.ok(replaced.endsWith('# appended by hand\nkind: Service\n'));
  assert.equal(intents.writeSection(text, intents.emptyIntent(), ''), manifests);
  // a hand-broken intent line is an error, not a silent reset
  const broken = text.replace('# intent: {', '# intent: {oops');
  assert.match(intents.readSection(broken).error, /not JSON/);
  assert.equal(intents.readSection(manifests), null);
});

test('a selector picks exactly one workload of its namespace', () => {
  assert.deepEqual(intents.selectorFor(endpoints[0], endpoints), { matchLabels: { app: 'frontend' } });
  // `app: api` also selects the canary: a second label tells them apart
  assert.deepEqual(intents.selectorFor(endpoints[2], endpoints), { matchLabels: { track: 'canary' } });
  // every label of api is also the canary's: the canary's extra label must be absent
  assert.deepEqual(intents.selectorFor(endpoints[1], endpoints), {
    matchLabels: { app: 'api', tier: 'backend' },
    matchExpressions: [{ key: 'track', operator: 'DoesNotExist' }],
  });
  for (const e of endpoints) {
    const sel = intents.selectorFor(e, endpoints);
    const picked = endpoints.filter((o) => o.namespace === e.namespace && intents.peerSelects({ pods: sel }, o.name, e.namespace, endpoints));
    assert.deepEqual(picked.map((o) => o.name), [e.name]);
  }
});

test('outside ranges become the CIDRs that cover them exactly', () => {
  assert.deepEqual(intents.rangeCidrs('203.0.113.0-203.0.113.255'), ['203.0.113.0/24']);
  assert.deepEqual(intents.rangeCidrs('0.0.0.0-255.255.255.255'), ['0.0.0.0/0']);
  assert.deepEqual(intents.rangeCidrs('10.0.0.0-10.0.0.2'), ['10.0.0.0/31', '10.0.0.2/32']);
});

test('an allowance goes to the isolated sides only, on the chosen ports', () => {
  let intent = intents.setNamespace(intents.emptyIntent(), 'shop', { defaultDeny: 'Both', allowDns: true });
  const frontend = name('shop', 'frontend');
  const api = name('shop', 'api');
  const ports = intents.namedPorts(endpoints[1]).slice(0, 1);
  assert.deepEqual(ports, [{ port: 'http' }]);
  ({ intent } = intents.allow(intent, frontend, api, ports, endpoints, new Map()));
  const shop = intent.namespaces[0];
  assert.deepEqual(shop.workloads.map((w) => w.name), ['api', 'frontend']);
  assert.deepEqual(shop.workloads[1].egress, [{ to: [{ pods: intents.selectorFor(endpoints[1], endpoints) }], ports }]);
  assert.deepEqual(shop.workloads[0].ingress, [{ from: [{ pods: { matchLabels: { app: 'frontend' } } }], ports }]);
  // to a namespace nobody isolates: only the egress rule (an ingress rule would isolate postgres)
  const postgres = name('data', 'postgres');
  const r = intents.allow(intent, api, postgres, [{ port: 'postgres' }], endpoints, new Map());
  assert.deepEqual(r.sides, { egress: true, ingress: false });
  assert.ok(!r.intent.namespaces.some((n) => n.name === 'data'));
  // isolated by a policy outside the intent: the ingress side gets a rule too
  const r2 = intents.allow(intent, api, postgres, [{ port: 'postgres' }], endpoints, isolated([[postgres, true, false]]));
  assert.deepEqual(r2.sides, { egress: true, ingress: true });
  assert.deepEqual(r2.intent.namespaces.find((n) => n.name === 'data').workloads[0].ingress,
    [{ from: [{ podsInNamespace: { namespace: 'shop', podSelector: intents.selectorFor(endpoints[1], endpoints) } }], ports: [{ port: 'postgres' }] }]);
  assert.equal(r2.intent.namespaces.find((n) => n.name === 'data').defaultDeny, undefined, 'no default deny the user did not ask for');
  // neither side isolated: nothing to write
  const open = intents.allow(intents.emptyIntent(), api, postgres, [], endpoints, new Map());
  assert.deepEqual(open.sides, { egress: false, ingress: false });
  assert.deepEqual(open.intent.namespaces, []);
});

test('allowing again sets the ports; removing takes out the pair and nothing else', () => {
  let intent = intents.setNamespace(intents.emptyIntent(), 'shop', { defaultDeny: 'Both' });
  const frontend = name('shop', 'frontend');
  const api = name('shop', 'api');
  const canary = name('shop', 'api-canary');
  ({ intent } = intents.allow(intent, frontend, api, [{ port: 'http' }], endpoints, new Map()));
  ({ intent } = intents.allow(intent, frontend, canary, [{ port: 'http' }], endpoints, new Map()));
  // both peers share the frontend's egress rule on `http`
  const fe = () => intent.namespaces[0].workloads.find((w) => w.name === 'frontend');
  assert.equal(fe().egress.length, 1);
  assert.equal(fe().egress[0].to.length, 2);
  ({ intent } = intents.allow(intent, frontend, api, [{ port: 'http' }, { port: 'metrics' }], endpoints, new Map()));
  assert.equal(fe().egress.length, 2);
  assert.deepEqual(intents.rulesFor(intent, frontend, api, endpoints).map((r) => [r.direction, r.rule.ports.length, r.only]), [['egress', 2, true], ['ingress', 2, true]]);
  const removed = intents.remove(intent, frontend, api, endpoints);
  assert.equal(removed.removed, 2);
  assert.deepEqual(intents.rulesFor(removed.intent, frontend, api, endpoints), []);
  assert.equal(intents.rulesFor(removed.intent, frontend, canary, endpoints).length, 2, 'the canary keeps its allowance');
  assert.ok(!removed.intent.namespaces[0].workloads.some((w) => w.name === 'api'), 'a workload without rules goes');
});

test('rules written by hand are recognised by what they select', () => {
  const intent = {
    ...intents.emptyIntent(),
    namespaces: [{ name: 'shop', defaultDeny: 'Both', workloads: [
      { name: 'frontend', ingress: [{ from: [{ ingressController: {} }], ports: [{ port: 'http' }] }] },
      { name: 'api', ingress: [{ from: [{ pods: { matchLabels: { tier: 'web' } } }, { namespace: 'data' }] }] },
    ] }],
  };
  const controller = name('ingress-nginx', 'controller');
  const found = intents.rulesFor(intent, controller, name('shop', 'frontend'), endpoints);
  assert.deepEqual(found.map((r) => [r.direction, r.only]), [['ingress', true]]);
  // api's workload (`app: api`) also selects the canary: its rules are reported, not removed
  const broad = intents.rulesFor(intent, name('data', 'postgres'), name('shop', 'api'), endpoints);
  assert.deepEqual(broad.map((r) => [r.workload, r.only]), [['api', false]]);
  assert.equal(intents.remove(intent, name('data', 'postgres'), name('shop', 'api'), endpoints).kept.length, 1);
  const r = intents.remove(intent, controller, name('shop', 'frontend'), endpoints);
  assert.equal(r.removed, 1);
  assert.ok(!r.intent.namespaces[0].workloads.some((w) => w.name === 'frontend'));
  const tier = intents.rulesFor(intent, name('shop', 'frontend'), name('shop', 'api'), endpoints);
  assert.deepEqual(tier.map((x) => [x.peer, x.only]), [[{ pods: { matchLabels: { tier: 'web' } } }, false]]);
  assert.equal(intents.peerSelects({ namespace: 'data' }, name('data', 'postgres'), 'shop', endpoints), true);
  assert.equal(intents.peerSelects({ ipBlock: { cidr: '203.0.113.0/24' } }, '203.0.113.0-203.0.113.255', 'shop', endpoints), true);
  assert.equal(intents.peerSelects({ ipBlock: { cidr: '203.0.113.0/24', except: ['203.0.113.0/25'] } }, '203.0.113.0-203.0.113.127', 'shop', endpoints), false);
});
