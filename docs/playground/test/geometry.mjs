// What "a graph readable at a glance" means, measured: the overlaps of a drawn graph. Used on
// the layout's own numbers (graph.test.mjs) and on the bounding boxes Chromium reports for the
// drawn SVG (playground.test.mjs).
//
// A scene: {nodes: [{name, x, y, w, h}], labels: [{edge, x, y, w, h}], groupLabels: [{x, y, w, h}],
// edges: [{id, src, dst, points: [[x, y], ...]}]} (axis-parallel polylines). `overlaps(scene)`
// lists every problem as text: boxes that intersect (nodes, edge labels, group labels), two
// edges running along one line, an edge through a node other than its ends, a label over
// another edge.

const EPS = 0.75;

const intersects = (a, b) => a.x < b.x + b.w - EPS && b.x < a.x + a.w - EPS && a.y < b.y + b.h - EPS && b.y < a.y + a.h - EPS;

function segments(points) {
  const out = [];
  for (let i = 1; i < points.length; i++) out.push([points[i - 1], points[i]]);
  return out;
}

/// Whether segment [p, q] passes through the inside of box `b` (its border excluded).
function crosses([p, q], b) {
  const x1 = Math.min(p[0], q[0]);
  const x2 = Math.max(p[0], q[0]);
  const y1 = Math.min(p[1], q[1]);
  const y2 = Math.max(p[1], q[1]);
  return x1 < b.x + b.w - EPS && x2 > b.x + EPS && y1 < b.y + b.h - EPS && y2 > b.y + EPS;
}

/// Whether two axis-parallel segments lie on one line for more than a point.
function collinear([p1, q1], [p2, q2]) {
  const horizontal = (p, q) => Math.abs(p[1] - q[1]) < EPS;
  const vertical = (p, q) => Math.abs(p[0] - q[0]) < EPS;
  const overlap = (a1, a2, b1, b2) => Math.min(Math.max(a1, a2), Math.max(b1, b2)) - Math.max(Math.min(a1, a2), Math.min(b1, b2)) > EPS;
  if (horizontal(p1, q1) && horizontal(p2, q2) && Math.abs(p1[1] - p2[1]) < 2) return overlap(p1[0], q1[0], p2[0], q2[0]);
  if (vertical(p1, q1) && vertical(p2, q2) && Math.abs(p1[0] - p2[0]) < 2) return overlap(p1[1], q1[1], p2[1], q2[1]);
  return false;
}

const show = (b) => `(${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.w)}×${Math.round(b.h)})`;

export function overlaps(scene) {
  const problems = [];
  const { nodes, labels, groupLabels = [], edges } = scene;
  const boxes = [
    ...nodes.map((n) => ({ ...n, what: `node ${n.name}` })),
    ...labels.map((l) => ({ ...l, what: `label of ${l.edge}` })),
    ...groupLabels.map((g) => ({ ...g, what: `group label ${g.name}` })),
  ];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (intersects(boxes[i], boxes[j])) problems.push(`${boxes[i].what} ${show(boxes[i])} overlaps ${boxes[j].what} ${show(boxes[j])}`);
    }
  }
  const segs = edges.map((e) => ({ e, list: segments(e.points) }));
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      if (segs[i].list.some((s) => segs[j].list.some((t) => collinear(s, t)))) problems.push(`edges ${segs[i].e.id} and ${segs[j].e.id} run along one line`);
    }
  }
  for (const { e, list } of segs) {
    for (const n of nodes) {
      if (n.name === e.src || n.name === e.dst) continue;
      if (list.some((s) => crosses(s, n))) problems.push(`edge ${e.id} crosses node ${n.name}`);
    }
    for (const l of labels) {
      if (l.edge === e.id) continue;
      if (list.some((s) => crosses(s, l))) problems.push(`edge ${e.id} crosses the label of ${l.edge}`);
    }
    for (const g of groupLabels) if (list.some((s) => crosses(s, g))) problems.push(`edge ${e.id} crosses group label ${g.name}`);
  }
  return problems;
}
