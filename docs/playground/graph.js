// The playground's graph: a layered, orthogonal layout of our own (docs/decisions.md, "Playground
// graph layout") and its SVG drawing. `layout` is a pure function of the model and a text
// measure, so it runs in Node too (test/graph.test.mjs); `draw` makes the SVG.
//
// Layout, in steps:
// 1. groups (namespaces; outside addresses as `sources` and `destinations` groups) get ranks from
//    the edges between them: the graph of groups loses its cycles (greedy feedback arc set),
//    each group is placed one rank after its latest source, and sources move right up to their
//    first target. Inside a group, nodes get sub-columns the same way from the edges between
//    them (frontend → api side by side). A rank is as many columns wide as its widest group.
// 2. groups and nodes are ordered top to bottom by the barycentre of their neighbours (sweeps
//    left to right and back), then stacked; node tops lie on a 16 px grid.
// 3. every edge leaves its source on the right and enters its destination on the left, each on a
//    port of its own (ports 16 px apart; entries at 8 mod 16, exits at 0 mod 16, so no entry and
//    exit segment can lie on one line). An edge to the next column turns once in the channel
//    between; any other crosses columns on a horizontal lane (4 mod 8) through a gap that is free
//    in every crossed column (above or below everything at worst), lanes never sharing a line.
//    Vertical segments get tracks in their channel by interval colouring, so no two overlap.
// 4. the label of an edge sits in the label zone at the right of the channel before its
//    destination, on its entry segment: labels of one node are 16 px apart, zones hold no track,
//    so labels overlap neither each other, nor nodes, nor other edges' segments.
//
// The cluster-scoped tiers: an edge a tier's rule allows has the class `tier-admin` or
// `tier-baseline` (its own stroke, in the legend), and a node side that a cluster-scoped policy's
// subject selects (`tierIn`, `tierOut`) a violet mark where an open side has its orange one.

const PORT = 16; // distance between ports on one side of a node
const NODE_H = 24; // height of a node with at most one port per side
const LANE = 8; // distance between lanes (horizontal crossings)
const TRACK = 8; // distance between tracks (vertical segments in a channel)
const PAD = 8; // a group box's padding around its nodes
const GROUP_HEAD = 24; // a group's label row, above its first node
const GROUP_GAP = 24; // between groups stacked in one rank
const CLEAR = 6; // how far a lane keeps from a node
const NODE_TEXT = 14; // node width besides its text
const MIN_NODE_W = 72;
export const FONT = '11.5px system-ui, sans-serif';
export const LABEL_FONT = '10.5px system-ui, sans-serif';
export const GROUP_FONT = '600 12px system-ui, sans-serif';

const snap = (v, grid) => Math.ceil(v / grid) * grid;
const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/// Ranks of `items` from directed `edges` ([from, to] pairs, self-loops ignored): cycles broken
/// by a greedy feedback arc set (Eades, Lin and Smyth), longest path from the sources, then
/// sources pulled right next to their first target. Returns Map item → rank (0-based).
export function rank(items, edges) {
  const out = new Map(items.map((i) => [i, new Set()]));
  const inn = new Map(items.map((i) => [i, new Set()]));
  for (const [a, b] of edges) {
    if (a === b || !out.has(a) || !out.has(b)) continue;
    out.get(a).add(b);
    inn.get(b).add(a);
  }
  // an order in which few edges point backwards
  const left = [];
  const right = [];
  const live = new Set(items);
  const degree = (i, map) => [...map.get(i)].filter((j) => live.has(j)).length;
  while (live.size) {
    let moved = true;
    while (moved) {
      moved = false;
      for (const i of [...live].sort(byName)) {
        if (degree(i, out) === 0) { right.unshift(i); live.delete(i); moved = true; } else if (degree(i, inn) === 0) { left.push(i); live.delete(i); moved = true; }
      }
    }
    if (!live.size) break;
    const best = [...live].sort((a, b) => (degree(b, out) - degree(b, inn)) - (degree(a, out) - degree(a, inn)) || byName(a, b))[0];
    left.push(best);
    live.delete(best);
  }
  const order = new Map([...left, ...right].map((i, n) => [i, n]));
  const forward = (a, b) => order.get(a) < order.get(b);
  const ranks = new Map();
  for (const i of [...left, ...right]) {
    let r = 0;
    for (const p of inn.get(i)) if (forward(p, i)) r = Math.max(r, ranks.get(p) + 1);
    ranks.set(i, r);
  }
  // a source (nothing forward comes in) sits right before its first target
  for (const i of [...left, ...right].reverse()) {
    const preds = [...inn.get(i)].filter((p) => forward(p, i));
    const succs = [...out.get(i)].filter((s) => forward(i, s));
    if (!preds.length && succs.length) ranks.set(i, Math.min(...succs.map((s) => ranks.get(s))) - 1);
  }
  return ranks;
}

/// The layout of `model` ({groups, nodes, edges}; see app.js) with `measure(text, font)` giving
/// text widths. Returns {width, height, groups, nodes, edges} in SVG user units.
export function layout(model, measure) {
  const groups = new Map(model.groups.map((g) => [g.id, { ...g, nodes: [] }]));
  const nodes = new Map();
  for (const n of model.nodes) {
    const node = { ...n, ins: [], outs: [] };
    nodes.set(n.id, node);
    groups.get(n.group).nodes.push(node);
  }
  const edges = model.edges.filter((e) => e.src !== e.dst && nodes.has(e.src) && nodes.has(e.dst)).map((e) => ({ ...e }));
  for (const e of edges) { nodes.get(e.src).outs.push(e); nodes.get(e.dst).ins.push(e); }
  for (const [id, g] of groups) if (!g.nodes.length) groups.delete(id);

  // 1. ranks of groups, sub-columns inside them, columns
  const groupOf = (id) => nodes.get(id).group;
  const groupRank = rank([...groups.keys()].sort(byName), edges.map((e) => [groupOf(e.src), groupOf(e.dst)]));
  const lowest = Math.min(0, ...groupRank.values());
  for (const [g, r] of groupRank) groupRank.set(g, r - lowest);
  // groups without edges to other groups fill the lightest ranks (at least about √(2n) of them),
  // so a graph with few edges is not one tall column
  const linked = new Set();
  for (const e of edges) if (groupOf(e.src) !== groupOf(e.dst)) { linked.add(groupOf(e.src)); linked.add(groupOf(e.dst)); }
  const alone = [...groups.keys()].filter((g) => !linked.has(g)).sort(byName);
  if (alone.length) {
    const used = linked.size ? Math.max(...[...linked].map((g) => groupRank.get(g))) + 1 : 0;
    const load = new Array(Math.max(used, Math.ceil(Math.sqrt(alone.length * 2)))).fill(0);
    for (const g of linked) load[groupRank.get(g)] += groups.get(g).nodes.length + 1;
    for (const g of alone) {
      const r = load.indexOf(Math.min(...load));
      groupRank.set(g, r);
      load[r] += groups.get(g).nodes.length + 1;
    }
  }
  for (const g of groups.values()) {
    const inner = edges.filter((e) => groupOf(e.src) === g.id && groupOf(e.dst) === g.id).map((e) => [e.src, e.dst]);
    const sub = rank(g.nodes.map((n) => n.id).sort(byName), inner);
    const low = Math.min(...sub.values());
    for (const n of g.nodes) n.sub = sub.get(n.id) - low;
    g.span = Math.max(...g.nodes.map((n) => n.sub)) + 1;
    g.rank = groupRank.get(g.id);
  }
  const rankCount = Math.max(...[...groups.values()].map((g) => g.rank)) + 1;
  const rankWidth = Array.from({ length: rankCount }, (_, r) => Math.max(0, ...[...groups.values()].filter((g) => g.rank === r).map((g) => g.span)));
  const firstColumn = [];
  let columns = 0;
  for (let r = 0; r < rankCount; r++) { firstColumn.push(columns); columns += rankWidth[r]; }
  for (const g of groups.values()) {
    g.column = firstColumn[g.rank];
    for (const n of g.nodes) n.column = g.column + n.sub;
  }

  // 2. order: barycentres of neighbours, a few sweeps; then stack
  const ranks = Array.from({ length: rankCount }, (_, r) => [...groups.values()].filter((g) => g.rank === r).sort((a, b) => byName(a.label, b.label)));
  for (const g of groups.values()) g.nodes.sort((a, b) => byName(a.label, b.label) || byName(a.id, b.id));
  const position = new Map();
  const assign = () => {
    let i = 0;
    for (const rankGroups of ranks) for (const g of rankGroups) for (const n of g.nodes) position.set(n.id, i++);
    // positions compare across ranks only by order, so each rank restarts near 0
    for (const rankGroups of ranks) {
      const ids = rankGroups.flatMap((g) => g.nodes.map((n) => n.id));
      const base = Math.min(...ids.map((id) => position.get(id)));
      for (const id of ids) position.set(id, position.get(id) - base);
    }
  };
  assign();
  const neighbours = (n, towards) => {
    const list = [];
    for (const e of n.ins) if (towards !== 'right') list.push(e.src);
    for (const e of n.outs) if (towards !== 'left') list.push(e.dst);
    return list.filter((id) => nodes.get(id).group !== n.group || nodes.get(id).sub !== n.sub);
  };
  const centre = (n, towards) => {
    const ps = neighbours(n, towards).map((id) => position.get(id));
    return ps.length ? ps.reduce((a, b) => a + b, 0) / ps.length : null;
  };
  const sortBy = (list, key) => {
    const keyed = list.map((x, i) => ({ x, k: key(x), i }));
    // items without a key keep their place relative to each other
    let last = 0;
    for (const item of keyed) { if (item.k == null) item.k = last; else last = item.k; }
    keyed.sort((a, b) => a.k - b.k || a.i - b.i);
    return keyed.map((item) => item.x);
  };
  for (let sweep = 0; sweep < 4; sweep++) {
    const towards = sweep % 2 ? 'right' : 'left';
    const order = sweep % 2 ? [...ranks.keys()].reverse() : [...ranks.keys()];
    for (const r of order) {
      for (const g of ranks[r]) g.nodes = sortBy(g.nodes, (n) => centre(n, towards));
      ranks[r] = sortBy(ranks[r], (g) => {
        const cs = g.nodes.map((n) => centre(n, towards)).filter((c) => c != null);
        return cs.length ? cs.reduce((a, b) => a + b, 0) / cs.length : null;
      });
      assign();
    }
  }

  // node sizes: a column is as wide as its widest node (and the labels of groups starting there)
  const columnWidth = new Array(columns).fill(MIN_NODE_W);
  for (const n of nodes.values()) {
    n.textWidth = measure(n.label, FONT);
    columnWidth[n.column] = Math.max(columnWidth[n.column], Math.ceil(n.textWidth) + NODE_TEXT + 8);
    n.h = Math.max(NODE_H, PORT * n.ins.length, PORT * n.outs.length + 8);
  }
  for (const g of groups.values()) {
    g.labelWidth = measure(g.label, GROUP_FONT);
    const room = columnWidth.slice(g.column, g.column + g.span).reduce((a, b) => a + b, 0) + (g.span - 1) * 40;
    if (room < g.labelWidth) columnWidth[g.column] += Math.ceil(g.labelWidth - room);
  }

  // vertical placement: each rank stacks its groups; inside a group each sub-column stacks its nodes
  let maxBottom = 0;
  for (const rankGroups of ranks) {
    let y = 0;
    for (const g of rankGroups) {
      g.y = y;
      let bottom = y + GROUP_HEAD;
      for (let s = 0; s < g.span; s++) {
        let top = snap(y + GROUP_HEAD, PORT);
        for (const n of g.nodes.filter((m) => m.sub === s)) {
          n.y = top;
          top = snap(top + n.h + PORT, PORT);
          bottom = Math.max(bottom, n.y + n.h);
        }
      }
      g.h = bottom + PAD - g.y;
      y = snap(g.y + g.h + GROUP_GAP, PORT);
      maxBottom = Math.max(maxBottom, g.y + g.h);
    }
  }

  // 3. ports: exits on the right (0 mod 16), entries on the left (8 mod 16), in the order of
  // where the other end lies, so edges of one node do not cross each other
  const mid = (n) => n.y + n.h / 2;
  for (const n of nodes.values()) {
    n.outs.sort((a, b) => mid(nodes.get(a.dst)) - mid(nodes.get(b.dst)) || nodes.get(a.dst).column - nodes.get(b.dst).column);
    n.ins.sort((a, b) => mid(nodes.get(a.src)) - mid(nodes.get(b.src)) || nodes.get(a.src).column - nodes.get(b.src).column);
    n.outs.forEach((e, i) => { e.y1 = n.y + PORT * (i + 1); });
    n.ins.forEach((e, i) => { e.y2 = n.y + PORT / 2 + PORT * i; });
  }

  // lanes: a free horizontal line through every crossed column
  const blocked = Array.from({ length: columns }, () => []);
  for (const n of nodes.values()) blocked[n.column].push([n.y - CLEAR, n.y + n.h + CLEAR]);
  for (const g of groups.values()) blocked[g.column].push([g.y, g.y + GROUP_HEAD - 4]);
  const lanes = [];
  const free = (y, from, to, xs) => {
    for (let c = from; c <= to; c++) if (blocked[c].some(([a, b]) => y > a && y < b)) return false;
    return !lanes.some((l) => l.y === y && l.x1 <= xs[1] && xs[0] <= l.x2);
  };
  for (const e of edges) {
    const a = nodes.get(e.src);
    const b = nodes.get(e.dst);
    e.c1 = a.column; // the channel after the source's column
    e.c2 = b.column - 1; // the channel before the destination's column
    e.direct = e.c2 === e.c1;
  }
  for (const e of edges.filter((x) => !x.direct).sort((p, q) => Math.abs(p.c2 - p.c1) - Math.abs(q.c2 - q.c1) || byName(p.id, q.id))) {
    const from = Math.min(e.c1 + 1, e.c2 + 1);
    const to = Math.max(e.c1, e.c2);
    const xs = [Math.min(e.c1, e.c2), Math.max(e.c1, e.c2)];
    const target = snap((e.y1 + e.y2) / 2 - LANE / 2, LANE) + LANE / 2;
    for (let step = 0; ; step++) {
      const below = target + step * LANE;
      const above = target - step * LANE;
      const y = free(above, from, to, xs) ? above : free(below, from, to, xs) ? below : null;
      if (y != null) { e.lane = y; lanes.push({ y, x1: xs[0], x2: xs[1] }); break; }
    }
  }

  // tracks: vertical segments per channel (-1 .. columns-1), interval colouring
  const channels = new Map();
  const vertical = (channel, e, part, y1, y2) => {
    if (!channels.has(channel)) channels.set(channel, []);
    channels.get(channel).push({ e, part, lo: Math.min(y1, y2), hi: Math.max(y1, y2) });
  };
  for (const e of edges) {
    if (e.direct) vertical(e.c1, e, 'only', e.y1, e.y2);
    else { vertical(e.c1, e, 'out', e.y1, e.lane); vertical(e.c2, e, 'in', e.lane, e.y2); }
  }
  const trackCount = new Map();
  for (const [channel, segments] of channels) {
    segments.sort((p, q) => p.lo - q.lo || p.hi - q.hi || byName(p.e.id, q.e.id));
    const ends = [];
    for (const s of segments) {
      let t = ends.findIndex((end) => end + TRACK <= s.lo);
      if (t < 0) { t = ends.length; ends.push(0); }
      ends[t] = s.hi;
      s.track = t;
      s.e[`track_${s.part}`] = t;
    }
    trackCount.set(channel, ends.length);
  }

  // 4. label zones and x positions
  for (const e of edges) {
    e.text = e.label ?? '';
    e.textWidth = e.text ? Math.ceil(measure(e.text, LABEL_FONT)) : 0;
  }
  const zone = new Map();
  for (const e of edges) if (e.textWidth) zone.set(e.c2, Math.max(zone.get(e.c2) ?? 0, e.textWidth + 8));
  const channelWidth = (c) => {
    const tracks = trackCount.get(c) ?? 0;
    const labels = zone.get(c) ?? 0;
    if (!tracks && !labels) return c < 0 || c >= columns - 1 ? PAD + 4 : 2 * PAD + 24;
    return 2 * PAD + 8 + tracks * TRACK + labels + 4;
  };
  const columnX = [];
  let x = channelWidth(-1);
  for (let c = 0; c < columns; c++) { columnX.push(x); x += columnWidth[c] + channelWidth(c); }
  const width = x;
  const trackX = (c, t) => (c < 0 ? 0 : columnX[c] + columnWidth[c]) + PAD + 8 + t * TRACK;

  for (const n of nodes.values()) { n.x = columnX[n.column]; n.w = columnWidth[n.column]; }
  for (const g of groups.values()) {
    g.x = columnX[g.column] - PAD;
    const last = g.column + g.span - 1;
    g.w = columnX[last] + columnWidth[last] + PAD - g.x;
  }
  for (const e of edges) {
    const a = nodes.get(e.src);
    const b = nodes.get(e.dst);
    const xa = a.x + a.w;
    const xb = b.x;
    if (e.direct) {
      const t = trackX(e.c1, e.track_only);
      e.points = [[xa, e.y1], [t, e.y1], [t, e.y2], [xb, e.y2]];
    } else {
      const t1 = trackX(e.c1, e.track_out);
      const t2 = trackX(e.c2, e.track_in);
      e.points = [[xa, e.y1], [t1, e.y1], [t1, e.lane], [t2, e.lane], [t2, e.y2], [xb, e.y2]];
    }
    if (e.textWidth) {
      const right = xb - PAD - 4;
      e.labelBox = { x: right - e.textWidth, y: e.y2 - 6.5, w: e.textWidth, h: 13 };
    }
  }

  // shift down by a multiple of 16 so lanes above everything stay on their grid
  const top = Math.min(0, ...lanes.map((l) => l.y - LANE));
  const shift = snap(-top, PORT) + 4;
  const bottom = Math.max(maxBottom, ...lanes.map((l) => l.y + LANE));
  const move = (p) => [p[0], p[1] + shift];
  for (const n of nodes.values()) n.y += shift;
  for (const g of groups.values()) g.y += shift;
  for (const e of edges) {
    e.points = e.points.map(move);
    if (e.labelBox) e.labelBox.y += shift;
  }
  return {
    width: Math.ceil(width),
    height: Math.ceil(bottom + shift + 8),
    groups: [...groups.values()].map((g) => ({ id: g.id, label: g.label, kind: g.kind, cls: g.cls, title: g.title, x: g.x, y: g.y, w: g.w, h: g.h })),
    nodes: [...nodes.values()].map((n) => ({ ...n, ins: undefined, outs: undefined })),
    edges,
  };
}

/// The polyline of `points` with rounded corners, as SVG path data.
function pathData(points) {
  let d = `M${points[0][0]},${points[0][1]}`;
  for (let i = 1; i < points.length; i++) {
    const [x, y] = points[i];
    const next = points[i + 1];
    if (!next) { d += ` L${x},${y}`; break; }
    const [px, py] = points[i - 1];
    const r = Math.min(4, Math.abs(x - px) / 2 || Infinity, Math.abs(y - py) / 2 || Infinity, Math.abs(next[0] - x) / 2 || Infinity, Math.abs(next[1] - y) / 2 || Infinity);
    const inX = Math.sign(x - px);
    const inY = Math.sign(y - py);
    const outX = Math.sign(next[0] - x);
    const outY = Math.sign(next[1] - y);
    d += ` L${x - inX * r},${y - inY * r} Q${x},${y} ${x + outX * r},${y + outY * r}`;
  }
  return d;
}

const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v != null && v !== false) el.setAttribute(k, v);
  for (const c of children) if (c != null) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let canvas;
/// Text widths from a canvas with the page's fonts.
export function measureText(text, font) {
  canvas ??= document.createElement('canvas').getContext('2d');
  canvas.font = font;
  return canvas.measureText(text).width;
}

/// Draws `model` into `container` (replacing its content). `on`: {node(node, event),
/// edge(edge, event), group(group, event)} click handlers.
export function draw(container, model, on = {}) {
  container.replaceChildren();
  if (!model.nodes.length) return null;
  const geo = layout(model, measureText);
  const svg = s('svg', { viewBox: `0 0 ${geo.width} ${geo.height}`, width: geo.width, height: geo.height, role: 'img', 'aria-label': model.title ?? 'connectivity graph' });
  const marker = `arrow-${container.id}`;
  svg.append(s('defs', {}, s('marker', { id: marker, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', fill: 'context-stroke' }))));
  for (const g of geo.groups) {
    const el = s('g', { class: `group ${g.kind ?? ''} ${g.cls ?? ''}`, 'data-group': g.id },
      s('title', {}, g.title ?? g.label),
      s('rect', { class: 'group-box', x: g.x, y: g.y, width: g.w, height: g.h, rx: 8 }),
      s('text', { class: 'group-label', x: g.x + PAD, y: g.y + 16 }, g.label));
    if (on.group) el.addEventListener('click', (event) => on.group(g, event));
    svg.append(el);
  }
  const edgeLayer = s('g', { class: 'edges' });
  const labelLayer = s('g', { class: 'labels' });
  for (const e of geo.edges) {
    const d = pathData(e.points);
    const g = s('g', { class: `edge ${e.cls ?? ''}`, 'data-id': e.id, 'data-from': e.src, 'data-to': e.dst, 'data-src': e.srcName, 'data-dst': e.dstName, 'data-points': e.points.map((p) => p.join(',')).join(' ') },
      s('title', {}, e.title ?? e.text),
      s('path', { class: 'line', d, 'marker-end': `url(#${marker})` }),
      s('path', { class: 'hit', d }));
    if (on.edge) g.addEventListener('click', (event) => on.edge(e, event));
    edgeLayer.append(g);
    if (e.labelBox) {
      const b = e.labelBox;
      const label = s('text', { class: `edge-label ${e.cls ?? ''}`, x: b.x + b.w, y: b.y + 10, 'text-anchor': 'end', 'data-edge': e.id }, s('title', {}, e.title ?? e.text), e.text);
      if (on.edge) label.addEventListener('click', (event) => on.edge(e, event));
      labelLayer.append(label);
    }
  }
  svg.append(edgeLayer);
  for (const n of geo.nodes) {
    const el = s('g', { class: `node ${n.cls ?? ''}`, 'data-id': n.id, 'data-name': n.name, transform: `translate(${n.x},${n.y})`, tabindex: on.node ? 0 : null },
      s('title', {}, n.title ?? n.label),
      s('rect', { width: n.w, height: n.h, rx: 5 }),
      n.openIn ? s('path', { class: 'open-side', d: `M1.5,4 V${n.h - 4}` }) : null,
      n.openOut ? s('path', { class: 'open-side', d: `M${n.w - 1.5},4 V${n.h - 4}` }) : null,
      n.tierIn ? s('path', { class: 'tier-side', d: `M1.5,4 V${n.h - 4}` }) : null,
      n.tierOut ? s('path', { class: 'tier-side', d: `M${n.w - 1.5},4 V${n.h - 4}` }) : null,
      s('text', { x: 8, y: Math.min(n.h / 2 + 4, 16) }, n.label));
    if (on.node) {
      el.addEventListener('click', (event) => on.node(n, event));
      el.addEventListener('keydown', (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); on.node(n, event); } });
    }
    svg.append(el);
  }
  svg.append(labelLayer);
  container.append(svg);
  return geo;
}
