// The layout alone, in Node: on the example's shapes and on random graphs, nothing overlaps
// (test/geometry.mjs), and the ranks follow the edges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layout, rank } from '../graph.js';
import { overlaps } from './geometry.mjs';

// text widths as the page's fonts give them, near enough: 6.6 px a character
const measure = (text) => text.length * 6.6;

function scene(geo) {
  return {
    nodes: geo.nodes.map((n) => ({ name: n.id, x: n.x, y: n.y, w: n.w, h: n.h })),
    labels: geo.edges.filter((e) => e.labelBox).map((e) => ({ edge: e.id, ...e.labelBox })),
    groupLabels: geo.groups.map((g) => ({ name: g.id, x: g.x + 8, y: g.y + 5, w: measure(g.label), h: 14 })),
    edges: geo.edges.map((e) => ({ id: e.id, src: e.src, dst: e.dst, points: e.points })),
  };
}

function model(groups, edges) {
  const nodes = [];
  for (const [group, names] of Object.entries(groups)) for (const n of names) nodes.push({ id: `${group}/${n}`, name: `${group}/${n}`, label: n, group });
  return {
    groups: Object.keys(groups).map((id) => ({ id, label: id })),
    nodes,
    edges: edges.map(([src, dst, label], i) => ({ id: `e${i}`, src, dst, label })),
  };
}

test('ranks follow the edges and cycles do not stop them', () => {
  const r = rank(['a', 'b', 'c', 'd'], [['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']]);
  assert.equal(new Set(r.values()).size >= 3, true);
  assert.ok(r.get('d') > r.get('c'));
  const s = rank(['x', 'y', 'z'], [['x', 'z']]);
  assert.equal(s.get('z') - s.get('x'), 1);
});

test('the online shop lays out left to right without overlaps', () => {
  const m = model({
    'ingress-nginx': ['ingress-nginx-controller'],
    shop: ['frontend', 'api'],
    payments: ['payments'],
    data: ['postgres'],
    'kube-system': ['coredns'],
    'external:out': ['203.0.113.0/24'],
  }, [
    ['ingress-nginx/ingress-nginx-controller', 'shop/frontend', 'http'],
    ['shop/frontend', 'shop/api', '8080'],
    ['shop/api', 'payments/payments', '8443'],
    ['shop/api', 'data/postgres', '5432'],
    ['payments/payments', 'data/postgres', '5432'],
    ['payments/payments', 'external:out/203.0.113.0/24', '443'],
    ['shop/frontend', 'kube-system/coredns', '53, 53/UDP'],
    ['shop/api', 'kube-system/coredns', '53, 53/UDP'],
    ['payments/payments', 'kube-system/coredns', '53, 53/UDP'],
  ]);
  const geo = layout(m, measure);
  assert.deepEqual(overlaps(scene(geo)), []);
  const x = (id) => geo.nodes.find((n) => n.id === id).x;
  assert.ok(x('ingress-nginx/ingress-nginx-controller') < x('shop/frontend'));
  assert.ok(x('shop/frontend') < x('shop/api'), 'frontend → api side by side in shop');
  assert.ok(x('shop/api') < x('payments/payments'));
  assert.ok(x('payments/payments') < x('data/postgres'));
  assert.ok(geo.edges.every((e) => e.labelBox), 'every edge keeps its label');
});

// a small deterministic generator (mulberry32)
function random(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('random graphs lay out without overlaps', () => {
  for (let seed = 1; seed <= 300; seed++) {
    const r = random(seed);
    const groups = {};
    const names = [];
    const groupCount = 1 + Math.floor(r() * 6);
    for (let g = 0; g < groupCount; g++) {
      const list = [];
      for (let n = 0; n < 1 + Math.floor(r() * 4); n++) list.push(`w${n}${'x'.repeat(Math.floor(r() * 12))}`);
      groups[`ns${g}`] = list;
      for (const n of list) names.push(`ns${g}/${n}`);
    }
    const edges = [];
    const seen = new Set();
    const count = Math.floor(r() * names.length * 2.5);
    for (let i = 0; i < count; i++) {
      const a = names[Math.floor(r() * names.length)];
      const b = names[Math.floor(r() * names.length)];
      if (a === b || seen.has(`${a} ${b}`)) continue;
      seen.add(`${a} ${b}`);
      edges.push([a, b, r() < 0.8 ? ['8080', '53/UDP', '5432, 9090', 'all', '1-65535/UDP'][Math.floor(r() * 5)] : '']);
    }
    const geo = layout(model(groups, edges), measure);
    const problems = overlaps(scene(geo));
    assert.deepEqual(problems, [], `seed ${seed}: ${JSON.stringify(edges)}`);
  }
});

test('the overlap measure sees overlaps', () => {
  const node = (name, x, y) => ({ name, x, y, w: 80, h: 24 });
  assert.equal(overlaps({ nodes: [node('a', 0, 0), node('b', 40, 10)], labels: [], edges: [] }).length, 1);
  const edges = [
    { id: 'e1', src: 'a', dst: 'b', points: [[0, 0], [50, 0], [50, 40]] },
    { id: 'e2', src: 'a', dst: 'b', points: [[20, 0.5], [90, 0.5]] },
  ];
  assert.match(overlaps({ nodes: [], labels: [], edges }).join(), /e1 and e2 run along one line/);
  const through = [{ id: 'e3', src: 'x', dst: 'y', points: [[-10, 12], [200, 12]] }];
  assert.match(overlaps({ nodes: [node('a', 0, 0)], labels: [], edges: through }).join(), /e3 crosses node a/);
  const label = { edge: 'e9', x: 0, y: 5, w: 30, h: 13 };
  assert.match(overlaps({ nodes: [], labels: [label], edges: through }).join(), /e3 crosses the label of e9/);
  // and the layout, squeezed, would overlap: ports closer than a label is tall
  const geo = layout(model({ a: ['x'], b: ['y', 'z'] }, [['a/x', 'b/y', 'port'], ['a/x', 'b/z', 'port']]), measure);
  const s = scene(geo);
  s.labels[1].y = s.labels[0].y + 4;
  assert.ok(overlaps(s).some((p) => /label of e0.*overlaps label of e1|label of e1.*overlaps label of e0/.test(p)));
});
