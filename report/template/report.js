// dagplan report: plan vs actual timelines on one time axis, drawn on a canvas (10^5 bars stay
// fluid: only the rows in view are drawn, one path per colour). Hand-written, no library.
(function() {
'use strict';
const D = JSON.parse(document.getElementById('report-data').textContent);
const LANE_H = 14, HEADER_H = 18, ROW_GAP = 2;
const COLORS = {
  invoke: '#e4e4e4',
  cold: '#9b59b6',
  warm: '#76c7c0',
  idle: '#f1eddc',
  download: '#f0a030',
  exec: '#2e6fbf',
  upload: '#e06666',
  notify: '#c8a2c8',
  failed: '#b00020',
  chain: '#111111',
  selected: '#ff00aa'
};
const PHASE_NAMES = {
  invoke: 'invocation',
  cold: 'cold start',
  warm: 'warm start',
  idle: 'idle',
  download: 'inputs (download)',
  exec: 'execution',
  upload: 'upload',
  notify: 'counter updates',
  failed: 'failed attempt',
  chain: 'makespan chain'
};
const EVENT_COLORS = {
  prewarm: '#ff7f0e',
  duplicate: '#17becf',
  stream: '#bcbd22',
  cluster: '#8c564b'
};
const ATT = 14, INST = 6;  // numbers per attempt and per instance in the data

// ---- formatting ----
function secs(us) {
  const s = us / 1e6, a = Math.abs(s);
  if (a === 0) return '0 s';
  if (a >= 100) return s.toFixed(1) + ' s';
  if (a >= 1) return s.toFixed(3) + ' s';
  if (a >= 1e-3) return (s * 1e3).toFixed(a >= 0.01 ? 1 : 3) + ' ms';
  return (s * 1e6).toFixed(0) + ' µs';
}
// One unit for a group of durations (a table's row or column, so that it keeps one unit): the
// unit secs() would give the largest of them.
function secsUnit(values) {
  const a = Math.max(0, ...values.map(v => Math.abs(v))) / 1e6;
  if (a >= 1 || a === 0) return {scale: 1e-6, name: ' s', digits: a >= 100 ? 1 : 3};
  if (a >= 1e-3) return {scale: 1e-3, name: ' ms', digits: a >= 0.01 ? 1 : 3};
  return {scale: 1, name: ' µs', digits: 0};
}
function secsIn(us, u) {
  return (us * u.scale).toFixed(u.digits) + u.name;
}
function bytes(b) {
  const u = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0, v = b;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return (i ? v.toFixed(v >= 100 ? 0 : 1) : v) + ' ' + u[i];
}
function dollars(x) {
  return '$' + (x >= 0.01 ? x.toFixed(4) : x.toPrecision(3));
}
function pct(actual, predicted) {
  if (!predicted) return '';
  const e = (actual - predicted) / predicted * 100;
  return (e >= 0 ? '+' : '') + e.toFixed(1) + '%';
}
function esc(s) {
  return String(s).replace(
      /[&<>"]/g, c => ({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;'}[c]));
}
function el(tag, attrs, html) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (html !== undefined) e.innerHTML = html;
  return e;
}

// ---- rows: a header per timeline, then one row per instance (lanes for slots) ----
const rows = [];  // {tl, inst (-1: header), top, h, atts: attempt indices sorted by start}
let contentH = 0, tMax = 1;
D.timelines.forEach((T, p) => {
  T.att = Float64Array.from(T.att);  // dense numbers: the draw loop reads them by offset
  const ni = T.inst_worker.length;
  T.byInst = Array.from({length: ni}, () => []);
  const na = T.att.length / ATT;
  for (let a = 0; a < na; a++) T.byInst[T.att[a * ATT + 1]].push(a);
  for (const list of T.byInst)
    list.sort((x, y) => T.att[x * ATT + 4] - T.att[y * ATT + 4] || x - y);
  T.onChain = new Uint8Array(D.ids.length);
  for (const k of T.chain) T.onChain[k] = 1;
  T.lastAtt = new Int32Array(D.ids.length).fill(-1);
  for (let a = 0; a < na; a++) T.lastAtt[T.att[a * ATT]] = a;
  T.errorOf = new Map(T.att_errors.map(e => [e[0], e[1]]));
  T.eventsByTask = new Map();
  T.eventRows = [];
  rows.push({tl: p, inst: -1, top: contentH, h: HEADER_H});
  contentH += HEADER_H;
  for (let i = 0; i < ni; i++) {
    const lanes = T.inst[i * INST + 5];
    const h = lanes * LANE_H;
    rows.push({tl: p, inst: i, top: contentH, h: h, atts: T.byInst[i]});
    contentH += h + ROW_GAP;
    tMax = Math.max(tMax, T.inst[i * INST + 3]);
  }
  tMax = Math.max(tMax, T.makespan_us);
  // Events on the row of their task's instance (the header row when they have no task).
  const idIndex = D.idIndex || (D.idIndex = new Map(D.ids.map((id, k) => [id, k])));
  for (const e of T.events) {
    const k = e[1] ? idIndex.get(e[1]) : undefined;
    const a = k === undefined ? -1 : T.lastAtt[k];
    const inst = a < 0 ? -1 : T.att[a * ATT + 1];
    T.eventRows.push({t: e[0], inst: inst, kind: e[2], detail: e[3], task: e[1]});
    if (k !== undefined) {
      if (!T.eventsByTask.has(k)) T.eventsByTask.set(k, []);
      T.eventsByTask.get(k).push(e);
    }
  }
});

// ---- view ----
const canvas = document.getElementById('timeline');
const ctx = canvas.getContext('2d', {alpha: false});
const labels = document.getElementById('labels');
const labelsInner = el('div', {class: 'inner'});
labels.appendChild(labelsInner);
const axis = document.getElementById('axis');
const view = {
  t0: 0,
  t1: tMax * 1.02,
  y: 0
};
let W = 0, H = 0, selected = -1, firstDraw = true;

function scale() {
  return W / (view.t1 - view.t0);
}
function xOf(t) {
  return (t - view.t0) * scale();
}
function tOf(x) {
  return view.t0 + x / scale();
}
function clampView() {
  const span = Math.max(view.t1 - view.t0, 10);
  if (span > tMax * 4) {
    view.t0 = 0;
    view.t1 = tMax * 4;
  }
  view.y = Math.max(0, Math.min(view.y, Math.max(0, contentH - H + 20)));
}
function resize() {
  const dpr = window.devicePixelRatio || 1;
  W = canvas.clientWidth;
  H = canvas.clientHeight;
  canvas.width = Math.round(W * dpr);
  canvas.height = Math.round(H * dpr);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
}
function firstRow(y) {  // first row whose bottom is below y
  let lo = 0, hi = rows.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (rows[m].top + rows[m].h <= y)
      lo = m + 1;
    else
      hi = m;
  }
  return lo;
}

function niceStep(span, px) {
  const raw = span / Math.max(1, px / 110);
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10])
    if (m * p >= raw) return m * p;
  return 10 * p;
}
function drawAxis() {
  const step = niceStep(view.t1 - view.t0, W);
  // As many decimals as the step needs, so that every label is its tick's exact time.
  let decimals = 0;
  while (decimals < 6 &&
         Math.abs(Math.round(step / 1e6 * 10 ** decimals) - step / 1e6 * 10 ** decimals) > 1e-6)
    decimals++;
  let html = '';
  for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
    const x = xOf(t);
    html += '<div class="tick" style="left:' + x.toFixed(2) + 'px"><span>' +
        (t / 1e6).toFixed(decimals) + ' s</span></div>';
  }
  axis.innerHTML = html;
  document.getElementById('view-range').textContent =
      'view ' + secs(view.t0) + ' – ' + secs(view.t1);
  return step;
}

function drawLabels(r0, r1) {
  let html = '';
  for (let i = r0; i < r1; i++) {
    const r = rows[i], T = D.timelines[r.tl];
    if (r.inst < 0) {
      html += '<div class="row-label header" style="top:' + (r.top - Math.round(view.y)) +
          'px;height:' + r.h + 'px;line-height:' + r.h + 'px">' + esc(T.label) + ' — makespan ' +
          secs(T.makespan_us) + '</div>';
    } else {
      const i0 = r.inst * INST;
      const warm = T.inst[i0 + 4] & 1, crashed = T.inst[i0 + 4] & 2;
      const text = '#' + r.inst + ' ' + (T.inst_worker[r.inst] || 'flexible') + ' · ' +
          T.inst_config[r.inst] + (T.inst_machine.length ? ' @' + T.inst_machine[r.inst] : '') +
          ' · ' + (warm ? 'warm' : 'cold') + (crashed ? ' · crashed' : '') + ' · ' + r.atts.length +
          (r.atts.length === 1 ? ' task' : ' tasks');
      html += '<div class="row-label" style="top:' + (r.top - Math.round(view.y)) +
          'px;height:' + r.h + 'px" title="' + esc(text) + '">' + esc(text) + '</div>';
    }
  }
  labelsInner.innerHTML = html;
}

function draw() {
  const drawStart = performance.now();
  if (W !== canvas.clientWidth || H !== canvas.clientHeight) resize();
  clampView();
  const step = drawAxis();
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, H);
  // grid
  ctx.fillStyle = '#eeeeee';
  for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step)
    ctx.fillRect(Math.round(xOf(t)), 0, 1, H);
  const r0 = firstRow(view.y), r1 = firstRow(view.y + H) + 1;
  const paths = {};
  for (const k in COLORS) paths[k] = new Path2D();
  const marks = [];
  const links = [];  // the selected task's last attempt in each timeline, joined by a line
  const sc = scale(), t0 = view.t0;
  const X = t => (t - t0) * sc;
  const tLo = view.t0, tHi = view.t1;
  function rect(kind, a, b, y, h) {
    if (b < tLo || a > tHi) return;
    // Whole pixels: adjacent phases share an edge without a blended pixel between them.
    const x0 = Math.round(X(a)), x1 = Math.round(X(b));
    if (x1 - x0 <= 0) return;
    paths[kind].rect(x0, y, x1 - x0, h);
  }
  for (let i = r0; i < Math.min(r1, rows.length); i++) {
    const r = rows[i], T = D.timelines[r.tl], y = r.top - Math.round(view.y);
    if (r.inst < 0) {
      ctx.fillStyle = '#eef1f6';
      ctx.fillRect(0, y, W, r.h);
      for (const e of T.eventRows)
        if (e.inst < 0) marks.push([X(e.t), y, r.h, e.kind]);
      continue;
    }
    const I = T.inst, i0 = r.inst * INST;
    rect('invoke', I[i0], I[i0 + 1], y, r.h);
    rect(I[i0 + 4] & 1 ? 'warm' : 'cold', I[i0 + 1], I[i0 + 2], y, r.h);
    rect('idle', I[i0 + 2], I[i0 + 3], y, r.h);
    const A = T.att;
    // Per lane, the last pixel column drawn: a bar that falls entirely inside it adds nothing
    // visible (zoomed out, thousands of bars share a pixel) and is skipped.
    const lastEnd = [];
    for (const a of r.atts) {
      const o = a * ATT;
      const start = A[o + 4], fin = A[o + 9];
      if (fin < tLo || start > tHi) continue;
      const lane = A[o + 2];
      const ly = y + lane * LANE_H + 1, lh = LANE_H - 2;
      // The bar ends one pixel early when wide enough, so that back-to-back tasks stay apart.
      const xs = X(start), xf = X(fin);
      const last = Math.round(xf);
      if (lastEnd[lane] !== undefined && last <= lastEnd[lane] && A[o] !== selected) continue;
      lastEnd[lane] = Math.max(last, Math.round(xs) + 1);
      const end = xf - xs >= 3 ? tOfX(Math.round(xf) - 1) : fin;
      const ok = A[o + 10] === 1;
      rect('download', start, Math.min(A[o + 5], end), ly, lh);
      rect(ok ? 'exec' : 'failed', A[o + 5], Math.min(A[o + 6], end), ly, lh);
      rect('upload', A[o + 7], Math.min(A[o + 8], end), ly, lh);
      rect('notify', A[o + 8], Math.min(fin, end), ly, lh);
      if (A[o + 6] < A[o + 7]) rect('notify', A[o + 6], Math.min(A[o + 7], end), ly, lh);
      if (T.onChain[A[o]] && T.lastAtt[A[o]] === a) rect('chain', start, end, ly - 1, 2);
      if (A[o] === selected) {
        marks.push(['sel', xs, ly, Math.max(2, xf - xs), lh]);
        if (T.lastAtt[A[o]] === a) links.push([xs, ly + lh / 2]);
      }
    }
    for (const e of T.eventRows)
      if (e.inst === r.inst) marks.push([X(e.t), y, r.h, e.kind]);
  }
  function tOfX(x) {
    return t0 + x / sc;
  }
  for (const k in paths) {
    ctx.fillStyle = COLORS[k];
    ctx.fill(paths[k]);
  }
  if (links.length > 1) {
    ctx.strokeStyle = COLORS.selected;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    links.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    ctx.setLineDash([]);
  }
  for (const m of marks) {
    if (m[0] === 'sel') {
      ctx.strokeStyle = COLORS.selected;
      ctx.lineWidth = 2;
      ctx.strokeRect(m[1] - 1, m[2] - 1, m[3] + 2, m[4] + 2);
      continue;
    }
    const [x, y, h, kind] = m;
    ctx.fillStyle = EVENT_COLORS[kind] || '#555';
    ctx.beginPath();
    ctx.moveTo(x - 4, y);
    ctx.lineTo(x + 4, y);
    ctx.lineTo(x, y + Math.min(7, h));
    ctx.closePath();
    ctx.fill();
  }
  drawLabels(r0, Math.min(r1, rows.length));
  // User timing, as the browser's performance tools show it: the end of the first full draw
  // (from navigation start), and how long the latest draw took.
  if (firstDraw) {
    firstDraw = false;
    performance.mark('dagplan-first-draw');
  }
  performance.clearMeasures('dagplan-draw');
  performance.measure('dagplan-draw', {start: drawStart});
}
let pending = false;
function redraw() {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    draw();
  });
}

// ---- hit testing ----
function hit(px, py) {
  const y = py + view.y;
  const i = firstRow(y);
  if (i >= rows.length) return null;
  const r = rows[i];
  if (y < r.top || y >= r.top + r.h) return null;
  const T = D.timelines[r.tl];
  if (r.inst < 0) return {tl: r.tl, inst: -1};
  const lane = Math.floor((y - r.top) / LANE_H);
  const t = tOf(px), slack = 2 / scale();
  const A = T.att;
  let best = -1;
  for (const a of r.atts) {
    const o = a * ATT;
    if (A[o + 2] !== lane) continue;
    if (A[o + 4] - slack <= t && t <= A[o + 9] + slack) {
      best = a;
      if (A[o + 4] <= t) break;
    }
    if (A[o + 4] > t + slack) break;
  }
  if (best < 0) return {tl: r.tl, inst: r.inst, t: t};
  const o = best * ATT;
  let phase = 'notify';
  if (t < A[o + 5])
    phase = 'download';
  else if (t < A[o + 6])
    phase = A[o + 10] ? 'exec' : 'failed';
  else if (t < A[o + 8] && t >= A[o + 7])
    phase = 'upload';
  return {tl: r.tl, inst: r.inst, att: best, task: A[o], phase: phase, t: t};
}

// ---- details of a task: every timeline's attempts side by side ----
function details(k) {
  const w = D.task_worker[k];
  let h = '<h3>Task <code>' + esc(D.ids[k]) + '</code></h3><table>' +
      '<tr><th>function</th><td>' + esc(D.functions[D.task_function[k]]) + '</td></tr>' +
      '<tr><th>worker (plan)</th><td>' + (w < 0 ? 'flexible' : esc(D.workers[w])) + '</td></tr>' +
      '<tr><th>configuration</th><td>' + esc(D.configs[D.task_config[k]]) + '</td></tr>' +
      '<tr><th>work</th><td>' + D.work_s[k] + ' s (reference)</td></tr>' +
      '<tr><th>literal input</th><td>' + bytes(D.input_bytes[k]) + '</td></tr>' +
      '<tr><th>output</th><td>' + bytes(D.output_bytes[k]) + '</td></tr>' +
      '<tr><th>predecessors</th><td>' + (D.pred_begin[k + 1] - D.pred_begin[k]) +
      '</td></tr></table>';
  h += '<table class="phases"><tr><th>timeline</th><th>attempt</th><th>instance</th>' +
      '<th>ready</th><th>start</th><th>inputs</th><th>execution</th><th>upload</th>' +
      '<th>counters</th><th>finish</th><th>bytes in</th><th>on chain</th><th>error</th></tr>';
  // Ready, start, inputs, execution, upload, counters, finish of an attempt; one unit per column.
  const times = (A, o) =>
      [A[o + 3], A[o + 4], A[o + 5] - A[o + 4], A[o + 6] - A[o + 5], A[o + 8] - A[o + 7],
       A[o + 9] - A[o + 8], A[o + 9]];
  const columns = [[], [], [], [], [], [], []];
  D.timelines.forEach(T => {
    for (const a of T.byInst.flat().filter(a => T.att[a * ATT] === k))
      times(T.att, a * ATT).forEach((v, i) => columns[i].push(v));
  });
  const U = columns.map(secsUnit);
  D.timelines.forEach((T, p) => {
    const A = T.att;
    for (const a of T.byInst.flat()
             .filter(a => A[a * ATT] === k)
             .sort((x, y) => A[x * ATT + 11] - A[y * ATT + 11])) {
      const o = a * ATT, inst = A[o + 1];
      const t = times(A, o).map((v, i) => secsIn(v, U[i]));
      const iname = '#' + inst + ' ' + (T.inst_worker[inst] || 'flexible') + ' ' +
          T.inst_config[inst] + (T.inst_machine.length ? ' @' + T.inst_machine[inst] : '');
      h += '<tr><td>' + esc(T.label) + '</td><td>' + (A[o + 11] + 1) + '</td><td>' + esc(iname) +
          '</td><td>' + t.join('</td><td>') + '</td><td>' + bytes(A[o + 12]) + '</td><td>' +
          (T.onChain[k] && T.lastAtt[k] === a ? 'yes' : '') + '</td><td class="error">' +
          esc(T.errorOf.get(a) || (A[o + 10] ? '' : 'failed')) + '</td></tr>';
    }
    if (T.lastAtt[k] < 0)
      h += '<tr><td>' + esc(T.label) + '</td><td colspan="12" class="error">never ran</td></tr>';
  });
  h += '</table>';
  const ev = [];
  D.timelines.forEach(
      T => (T.eventsByTask.get(k) || [])
               .forEach(
                   e => ev.push(
                       esc(T.label) + ': ' + esc(e[2]) + ' at ' + secs(e[0]) +
                       (e[3] ? ' (' + esc(e[3]) + ')' : ''))));
  if (ev.length) h += '<p>Events: ' + ev.join('; ') + '</p>';
  return h;
}
function select(k) {
  selected = k;
  document.getElementById('details').innerHTML = k < 0 ? '' : details(k);
  redraw();
  drawDag();
}

// ---- interaction: wheel zooms, drag pans, click selects ----
const tip = document.getElementById('tooltip');
let drag = null;
canvas.addEventListener('wheel', ev => {
  ev.preventDefault();
  if (ev.shiftKey) {
    view.y += ev.deltaY || ev.deltaX;
    redraw();
    return;
  }
  const x = ev.offsetX, t = tOf(x);
  const f = Math.pow(1.0015, ev.deltaY);
  const span = Math.max((view.t1 - view.t0) * f, 20);
  view.t0 = t - (x / W) * span;
  view.t1 = view.t0 + span;
  redraw();
}, {passive: false});
canvas.addEventListener('mousedown', ev => {
  drag = {x: ev.clientX, y: ev.clientY, t0: view.t0, t1: view.t1, vy: view.y, moved: false};
  canvas.classList.add('dragging');
});
window.addEventListener('mouseup', ev => {
  canvas.classList.remove('dragging');
  if (drag && !drag.moved && ev.target === canvas) {
    const h = hit(ev.offsetX, ev.offsetY);
    select(h && h.task !== undefined ? h.task : -1);
  }
  drag = null;
});
window.addEventListener('mousemove', ev => {
  if (drag) {
    const dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (drag.moved) {
      const dt = dx / scale();
      view.t0 = drag.t0 - dt;
      view.t1 = drag.t1 - dt;
      view.y = drag.vy - dy;
      tip.hidden = true;
      redraw();
      return;
    }
  }
  if (ev.target !== canvas) {
    tip.hidden = true;
    return;
  }
  const h = hit(ev.offsetX, ev.offsetY);
  if (!h || h.task === undefined) {
    tip.hidden = true;
    return;
  }
  const T = D.timelines[h.tl], o = h.att * ATT;
  tip.innerHTML = '<b>' + esc(D.ids[h.task]) + '</b> (' +
      esc(D.functions[D.task_function[h.task]]) + ')<br>' + esc(T.label) + ': ' +
      PHASE_NAMES[h.phase] + '<br>' + secs(T.att[o + 4]) + ' → ' + secs(T.att[o + 9]) +
      ', execution ' + secs(T.att[o + 6] - T.att[o + 5]);
  tip.hidden = false;
  // Beside the pointer, on the side where it fits.
  const tw = tip.offsetWidth, th = tip.offsetHeight;
  tip.style.left =
      (ev.clientX + 14 + tw > window.innerWidth ? ev.clientX - 14 - tw : ev.clientX + 14) + 'px';
  tip.style.top =
      (ev.clientY + 12 + th > window.innerHeight ? ev.clientY - 12 - th : ev.clientY + 12) + 'px';
});
canvas.addEventListener('mouseleave', () => {
  tip.hidden = true;
});
function zoom(f) {
  const c = (view.t0 + view.t1) / 2, span = Math.max((view.t1 - view.t0) * f, 20);
  view.t0 = c - span / 2;
  view.t1 = c + span / 2;
  redraw();
}
function fit() {
  view.t0 = 0;
  view.t1 = tMax * 1.02;
  redraw();
}
document.getElementById('fit').onclick = fit;
document.getElementById('zoom-in').onclick = () => zoom(1 / 1.5);
document.getElementById('zoom-out').onclick = () => zoom(1.5);
canvas.addEventListener('keydown', ev => {
  const span = view.t1 - view.t0;
  if (ev.key === '+' || ev.key === '=')
    zoom(1 / 1.5);
  else if (ev.key === '-')
    zoom(1.5);
  else if (ev.key === '0')
    fit();
  else if (ev.key === 'ArrowLeft') {
    view.t0 -= span / 10;
    view.t1 -= span / 10;
    redraw();
  } else if (ev.key === 'ArrowRight') {
    view.t0 += span / 10;
    view.t1 += span / 10;
    redraw();
  } else if (ev.key === 'ArrowDown') {
    view.y += 60;
    redraw();
  } else if (ev.key === 'ArrowUp') {
    view.y -= 60;
    redraw();
  } else
    return;
  ev.preventDefault();
});
labels.addEventListener('wheel', ev => {
  ev.preventDefault();
  view.y += ev.deltaY;
  redraw();
}, {passive: false});
window.addEventListener('resize', redraw);

// ---- legend, summary, comparison ----
const legend = document.getElementById('legend');
for (const k
         of ['invoke', 'cold', 'warm', 'idle', 'download', 'exec', 'upload', 'notify', 'failed',
             'chain']) {
  const item = el('span', {class: 'legend-item', 'data-phase': k});
  item.appendChild(el('span', {class: 'swatch', style: 'background:' + COLORS[k]}));
  item.appendChild(document.createTextNode(PHASE_NAMES[k]));
  legend.appendChild(item);
}
for (const k in EVENT_COLORS) {
  const item = el('span', {class: 'legend-item', 'data-event': k});
  item.appendChild(el('span', {class: 'swatch', style: 'background:' + EVENT_COLORS[k]}));
  item.appendChild(document.createTextNode(k + ' event ▼'));
  legend.appendChild(item);
}

document.getElementById('subtitle').textContent =
    D.workflow + ' (' + D.ids.length + ' tasks) planned by ' + D.planner + ' on ' + D.platform;
(function summary() {
  const P = D.timelines.find(T => T.predicted) || D.timelines[0];
  const B = D.bounds;
  let h = '<table><tr><th></th>' + D.timelines.map(T => '<th>' + esc(T.label) + '</th>').join('') +
      '</tr>';
  function row(name, f, err, cls) {
    h += '<tr><th>' + name + '</th>' +
        D.timelines
            .map(T => {
              const v = f(T);
              return (cls ? '<td class="' + cls + '">' : '<td>') + v[0] +
                  (err && T !== P && v.length > 1 && pct(v[1], f(P)[1]) ?
                       ' <span class="muted">(' + pct(v[1], f(P)[1]) + ')</span>' :
                       '') +
                  '</td>';
            })
            .join('') +
        '</tr>';
  }
  // Durations: one unit per row, the one its largest figure needs.
  const unitOf = get => secsUnit(D.timelines.map(get));
  const mu = unitOf(T => T.makespan_us);
  row('makespan', T => [secsIn(T.makespan_us, mu), T.makespan_us], true);
  row('cost', T => [T.cost_usd ? dollars(T.cost_usd) : 'unknown', T.cost_usd], true);
  row('instances', T => [String(T.inst_worker.length)]);
  row('cold / warm starts', T => [T.cold_starts + ' / ' + T.warm_starts]);
  const names = ['start-up', 'inputs', 'execution', 'upload', 'counter updates'];
  names.forEach((n, i) => {
    const u = unitOf(T => T.phase_us[i]);
    row(n + ' (sum)', T => [secsIn(T.phase_us[i], u), T.phase_us[i]], true);
  });
  row('bytes from storage', T => [bytes(T.bytes_from_storage), T.bytes_from_storage], true);
  row('bytes to storage', T => [bytes(T.bytes_to_storage), T.bytes_to_storage], true);
  if (D.timelines.some(T => T.bytes_direct))
    row('bytes point to point', T => [bytes(T.bytes_direct)]);
  row('makespan chain',
      T =>
          [T.chain.length + ' tasks: ' + esc(T.chain.slice(0, 6).map(k => D.ids[k]).join(' → ')) +
           (T.chain.length > 6 ? ' → …' : '')],
      false, 'wrap');
  row('events',
      T =>
          [T.events.length ?
               Object.entries(T.events.reduce((m, e) => (m[e[2]] = (m[e[2]] || 0) + 1, m), {}))
                   .map(([k, n]) => n + ' ' + esc(k))
                   .join(', ') :
               '—']);
  row('errors',
      T =>
          [T.errors.length ? '<span class="error">' + T.errors.map(esc).join('<br>') + '</span>' :
                             '—'],
      false, 'wrap');
  h += '</table><p>Lower bounds: makespan ' + secs(B.makespan_us) + ' (critical path ' +
      secs(B.critical_path_us) +
      (B.cold_path_us > 0 ? ', cold-start path ' + secs(B.cold_path_us) : '') +
      ', work over concurrency ' + secs(B.work_over_concurrency_us) +
      ', data ' + secs(B.data_us) + '), cost ' + dollars(B.cost_floor_usd) +
      '. Errors in brackets: against ' + esc(P.label) + '.</p>';
  document.getElementById('summary').innerHTML = h;
})();

if (D.compare) {
  const C = D.compare;
  let h = '<p>' + esc(C.workflow) + ' (' + C.tasks + ' tasks) on ' + esc(C.platform) +
      ': makespan lower bound ' + C.lower_bound_makespan_s.toFixed(3) + ' s, cost floor ' +
      dollars(C.cost_floor_usd) +
      '</p><table><tr><th>planner</th><th>makespan (s)</th><th>cost</th>' +
      '<th>× bound</th><th>× floor</th><th>workers</th><th>instances</th><th>cold starts</th>' +
      '<th>planning (s)</th></tr>';
  const best = Math.min(...C.planners.map(r => r.makespan_s));
  for (const r of C.planners)
    h += '<tr' + (r.planner === D.planner ? ' style="font-weight:600"' : '') + '><td>' +
        esc(r.planner) + '</td><td>' + r.makespan_s.toFixed(3) +
        (r.makespan_s === best ? ' ★' : '') + '</td><td>' + dollars(r.cost_usd) + '</td><td>' +
        r.makespan_over_bound.toFixed(2) + '</td><td>' + r.cost_over_floor.toFixed(2) +
        '</td><td>' + r.workers + '</td><td>' + r.instances + '</td><td>' + r.cold_starts +
        '</td><td>' + r.planning_s.toFixed(4) + '</td></tr>';
  document.getElementById('compare').innerHTML = h + '</table>';
  document.getElementById('compare-section').hidden = false;
}

// ---- the DAG, workers as colours ----
const dag = document.getElementById('dag');
const dagPos = [];
function workerColor(k) {
  const w = D.task_worker[k];
  let key;
  if (w >= 0)
    key = w;
  else {  // flexible: the instance it ran on in the first timeline
    const T = D.timelines[0], a = T ? T.lastAtt[k] : -1;
    key = D.workers.length + (a >= 0 ? T.att[a * ATT + 1] : 0);
  }
  const hue = (key * 137.508) % 360;
  return 'hsl(' + hue.toFixed(1) + ',62%,' + (w >= 0 ? 52 : 70) + '%)';
}
function drawDag() {
  if (!D.dag_layer.length) return;
  const layers = Math.max(...D.dag_layer) + 1;
  const width = new Array(layers).fill(0);
  D.dag_place.forEach((p, k) => {
    width[D.dag_layer[k]] = Math.max(width[D.dag_layer[k]], p + 1);
  });
  const maxW = Math.max(...width);
  const cw = Math.min(1400, Math.max(320, document.body.clientWidth - 40));
  const dx = Math.min(60, (cw - 40) / Math.max(1, maxW)), dy = 46;
  const r = Math.max(2.5, Math.min(7, dx / 3));
  const ch = layers * dy + 20;
  const dpr = window.devicePixelRatio || 1;
  dag.style.width = cw + 'px';
  dag.style.height = ch + 'px';
  dag.width = cw * dpr;
  dag.height = ch * dpr;
  const g = dag.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#fff';
  g.fillRect(0, 0, cw, ch);
  for (let k = 0; k < D.ids.length; k++) {
    const l = D.dag_layer[k];
    dagPos[k] = [20 + (cw - 40) * (D.dag_place[k] + 0.5) / width[l], 20 + l * dy];
  }
  const chain = D.timelines[0] ? D.timelines[0].onChain : new Uint8Array(0);
  g.lineWidth = 1;
  for (let k = 0; k < D.ids.length; k++)
    for (let e = D.pred_begin[k]; e < D.pred_begin[k + 1]; e++) {
      const p = D.preds[e];
      g.strokeStyle = chain[k] && chain[p] ? '#111' : 'rgba(0,0,0,.18)';
      g.lineWidth = chain[k] && chain[p] ? 2 : 1;
      g.beginPath();
      g.moveTo(dagPos[p][0], dagPos[p][1]);
      g.lineTo(dagPos[k][0], dagPos[k][1]);
      g.stroke();
    }
  for (let k = 0; k < D.ids.length; k++) {
    g.fillStyle = workerColor(k);
    g.beginPath();
    g.arc(dagPos[k][0], dagPos[k][1], r, 0, 2 * Math.PI);
    g.fill();
    if (k === selected) {
      g.strokeStyle = COLORS.selected;
      g.lineWidth = 2;
      g.stroke();
    }
  }
  document.getElementById('dag-note').textContent =
      'Colour: the plan\'s worker (flexible tasks, lighter: the instance they ran on in ' +
      (D.timelines[0] ? D.timelines[0].label : 'the first timeline') +
      '). Thick edges: its makespan chain.';
}
if (D.dag_layer.length) {
  drawDag();
  dag.addEventListener('click', ev => {
    let best = -1, bd = 100;
    dagPos.forEach((p, k) => {
      const d = (p[0] - ev.offsetX) ** 2 + (p[1] - ev.offsetY) ** 2;
      if (d < bd) {
        bd = d;
        best = k;
      }
    });
    if (best >= 0) select(best);
  });
} else {
  document.getElementById('dag-note').textContent =
      'The DAG is drawn for workflows of up to a few hundred tasks; this one has ' + D.ids.length +
      '.';
  dag.hidden = true;
}

// As tall as the rows need, up to most of the window.
document.getElementById('chart').style.height =
    Math.round(Math.min(contentH + 22 + 16, Math.max(320, window.innerHeight * 0.62))) + 'px';
resize();
draw();
})();
