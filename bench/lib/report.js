// Turning one invocation's results into a stdout table, a markdown report and an SVG chart.
// Every ratio compares two servers measured in the same invocation.
import { compressionTable } from '../compression.js';

export const BASELINE = 'aqua-serve';

/** The figure a size is judged by: requests/s for small files, bytes/s for the large one. */
export function headline(run) {
  return run.sizeBytes >= 1024 * 1024 ? run.throughput : run.rps;
}

export function fmtCount(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}k`;
  return n.toFixed(n < 10 ? 1 : 0);
}

/** Bytes per second in decimal units (GB/s, as the issue states its targets). */
export function fmtRate(bps) {
  if (bps === null || bps === undefined || Number.isNaN(bps)) return '–';
  if (bps >= 1e9) return `${(bps / 1e9).toFixed(2)} GB/s`;
  if (bps >= 1e6) return `${(bps / 1e6).toFixed(1)} MB/s`;
  return `${(bps / 1e3).toFixed(1)} kB/s`;
}

export function fmtMiB(bytes) {
  if (bytes === null || bytes === undefined) return '–';
  return `${(bytes / 1048576).toFixed(0)} MiB`;
}

function fmtMs(ms) {
  if (ms === null || ms === undefined) return '–';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  return `${ms.toFixed(2)} ms`;
}

function fmtValue(run) {
  return run.sizeBytes >= 1024 * 1024 ? fmtRate(run.throughput) : `${fmtCount(run.rps)} r/s`;
}

function ratio(value, base) {
  if (!base || value === null || value === undefined) return null;
  return value / base;
}

function fmtRatio(r) {
  return r === null ? '' : `×${r.toFixed(2)}`;
}

/** The (size, concurrency) cells in display order. */
export function cells(results) {
  const out = [];
  for (const size of results.config.sizes) for (const conc of results.config.concurrencies) out.push({ size, conc });
  return out;
}

/** The run of one cell, or null; `withFailed` also returns a run whose load generator failed. */
function findRun(server, cell, withFailed = false) {
  const run = server.runs.find((r) => r.size === cell.size.label && r.conc === cell.conc) ?? null;
  return run && (withFailed || !run.error) ? run : null;
}

function baselineOf(results) {
  return results.servers.find((s) => s.id === BASELINE && s.status === 'ok') ?? null;
}

/** Descriptors a run left open: the count once settled, minus the count before it. */
export function leftOpen(fds) {
  return Math.max(0, fds.later - fds.before);
}

/** Descriptors a run left open; with --rounds, the most any round left. */
function runLeftOpen(run) {
  return Math.max(...(run.roundFds ?? [run.fds]).map(leftOpen));
}

/** Highest descriptor count seen right after a load run, and what the load runs left open. */
function fdSummary(server) {
  if (server.runs.length === 0) return null;
  const maxAfter = Math.max(...server.runs.map((r) => r.fds.after));
  const left = server.runs.reduce((n, r) => n + runLeftOpen(r), 0);
  return { idle: server.idleFds, maxAfter, left };
}

function largestRun(server) {
  const big = server.runs.filter((r) => r.sizeBytes >= 1024 * 1024 && !r.error);
  return big.sort((a, b) => b.conc - a.conc)[0] ?? null;
}

/** Rows of the summary table (shared by stdout and markdown). */
function summaryRows(results) {
  const base = baselineOf(results);
  const header = [
    'server',
    ...cells(results).map((c) => `${c.size.label} c${c.conc}`),
    'peak RSS (largest run)',
    'fds idle → max after',
    'fds left by runs',
    'fds left by resets',
  ];
  const rows = [];
  for (const s of results.servers) {
    if (s.status !== 'ok') {
      rows.push([s.label, ...cells(results).map(() => ''), '', '', '', `${s.status}: ${s.note ?? ''}`]);
      continue;
    }
    const row = [s.label];
    for (const cell of cells(results)) {
      const run = findRun(s, cell, true);
      if (!run || run.error) {
        row.push(run ? 'failed' : '–');
        continue;
      }
      const b = base ? findRun(base, cell) : null;
      const r = b ? ratio(headline(run), headline(b)) : null;
      row.push(`${fmtValue(run)} ${fmtRatio(r)}`.trim());
    }
    const big = largestRun(s);
    row.push(big ? `${fmtMiB(big.peakRss)} (c${big.conc})` : '–');
    const f = fdSummary(s);
    row.push(f ? `${f.idle} → ${f.maxAfter}` : '–');
    row.push(f ? String(f.left) : '–');
    row.push(s.resets ? `${leftOpen(s.resets.fds)} of ${s.resets.count}` : '–');
    rows.push(row);
  }
  return { header, rows };
}

function pad(text, width) {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

export function textTable(results) {
  const { header, rows } = summaryRows(results);
  const widths = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cols) =>
    cols
      .map((c, i) => pad(c ?? '', widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function mdTable(header, rows) {
  const esc = (t) => String(t ?? '').replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** The issue's targets, checked against sirv-cli from the same invocation. */
export function checkTargets(results) {
  const aqua = baselineOf(results);
  const sirv = results.servers.find((s) => s.id === 'sirv-cli' && s.status === 'ok');
  if (!aqua || !sirv) return [];
  const out = [];
  for (const cell of cells(results)) {
    const a = findRun(aqua, cell);
    const b = findRun(sirv, cell);
    if (!a || !b) continue;
    const big = cell.size.bytes >= 1024 * 1024;
    const need = big ? (cell.conc >= 1000 ? 1.8 : 1.25) : 2;
    const r = headline(a) / headline(b);
    out.push({
      target: `${cell.size.label} c${cell.conc}: ${big ? 'throughput' : 'req/s'} ≥ ${need}× sirv-cli`,
      value: `×${r.toFixed(2)} (${fmtValue(a)} vs ${fmtValue(b)})`,
      met: r >= need,
    });
  }
  const big = aqua.runs.find((r) => r.sizeBytes >= 1024 * 1024 && r.conc >= 1000 && !r.error);
  if (big) {
    out.push({
      target: `peak RSS ≤ 150 MiB during ${big.size} c${big.conc}`,
      value: fmtMiB(big.peakRss),
      met: big.peakRss <= 150 * 1048576,
    });
  }
  const all = [
    ...aqua.runs.map((r) => ({ what: `${r.size} c${r.conc}`, left: runLeftOpen(r) })),
    ...(aqua.resets ? [{ what: 'reset storm', left: leftOpen(aqua.resets.fds) }] : []),
  ];
  const bad = all.filter((x) => x.left > 0);
  out.push({
    target: 'descriptors back to idle after every run',
    value: bad.length === 0 ? 'yes' : `${bad.map((x) => `${x.what}: +${x.left}`).join(', ')}`,
    met: bad.length === 0,
  });
  return out;
}

export function targetsText(results) {
  return checkTargets(results)
    .map((t) => `${t.met ? 'MET ' : 'MISS'}  ${t.target}: ${t.value}`)
    .join('\n');
}

/** With --rounds: the lowest and highest headline figure over the rounds. */
function spread(run) {
  if (!run.rounds || run.rounds.length < 2) return '–';
  const f = (v) => (run.sizeBytes >= 1024 * 1024 ? fmtRate(v) : fmtCount(v));
  return `${f(Math.min(...run.rounds))} – ${f(Math.max(...run.rounds))}`;
}

function detailRows(results) {
  const rows = [];
  for (const s of results.servers) {
    if (s.status !== 'ok') continue;
    for (const r of s.runs) {
      if (r.error) {
        const f = r.fds;
        rows.push([
          s.label,
          r.size,
          String(r.conc),
          `failed: ${r.error}`,
          '',
          '',
          '',
          '',
          '',
          fmtMiB(r.peakRss),
          `${f.before} / ${f.after} / ${f.later} (${(f.laterMs / 1000).toFixed(1)} s)`,
          '',
        ]);
        continue;
      }
      const e = r.errors;
      rows.push([
        s.label,
        r.size,
        String(r.conc),
        fmtCount(r.rps),
        fmtRate(r.throughput),
        fmtMs(r.latency.p50Ms ?? r.latency.meanMs),
        fmtMs(r.latency.p99Ms ?? r.latency.maxMs),
        `${e.connect}/${e.read}/${e.write}/${e.timeout}/${e.non2xx}`,
        r.availability === null ? '–' : `${r.availability.toFixed(2)} %`,
        fmtMiB(r.peakRss),
        `${r.fds.before} / ${r.fds.after} / ${r.fds.later} (${(r.fds.laterMs / 1000).toFixed(1)} s)`,
        spread(r),
      ]);
    }
  }
  return rows;
}

export function markdown(results) {
  const m = results.machine;
  const { header, rows } = summaryRows(results);
  const targets = checkTargets(results);
  const lines = [];
  lines.push(`# aqua-serve benchmark — ${results.mode} run`);
  lines.push('');
  lines.push(`- Date: ${results.date}`);
  lines.push(`- Machine: ${m.cores} cores (${m.cpuModel}), ${(m.memTotal / 1073741824).toFixed(1)} GiB RAM, ${m.os}`);
  lines.push(`- Node ${m.node}; aqua-serve ${results.aquaCommit ?? ''}`.trimEnd());
  lines.push(
    `- Tools: ${Object.entries(results.tools)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  lines.push(`- Load: ${results.loadDescription}`);
  lines.push(`- Descriptor limit (ulimit -n): ${results.nofile}`);
  lines.push('');
  lines.push('Every server ran alone on 127.0.0.1, one after another, with the load generator on the same cores.');
  lines.push(
    `Ratios are to ${BASELINE} (single process) from this same invocation: requests/s for 13 B and 13 KiB, throughput for 13 MiB.`,
  );
  lines.push('');
  lines.push('![benchmark chart](latest.svg)');
  lines.push('');
  lines.push('## Summary');
  lines.push('');
  lines.push(mdTable(header, rows));
  lines.push('');
  if (targets.length > 0) {
    lines.push('## Targets (issue 6, against sirv-cli)');
    lines.push('');
    lines.push(
      mdTable(
        ['target', 'measured', 'met'],
        targets.map((t) => [t.target, t.value, t.met ? 'yes' : 'no']),
      ),
    );
    lines.push('');
  }
  const limits = limitsMarkdown(results);
  if (limits) lines.push(limits);
  if (results.compression) {
    lines.push('## Compression (issue 17)');
    lines.push('');
    lines.push(compressionTable(results.compression));
    lines.push('');
  }
  lines.push('## Every run');
  lines.push('');
  lines.push(
    mdTable(
      [
        'server',
        'size',
        'clients',
        'req/s',
        'throughput',
        results.tool === 'siege' ? 'mean' : 'p50',
        results.tool === 'siege' ? 'longest' : 'p99',
        'errors c/r/w/t/non-2xx',
        'availability',
        'peak RSS',
        'fds before / after / later',
        'range over rounds',
      ],
      detailRows(results),
    ),
  );
  lines.push('');
  const storms = results.servers.filter((s) => s.status === 'ok' && s.resets);
  if (storms.length > 0) {
    lines.push('## Reset storm');
    lines.push('');
    const r0 = storms[0].resets;
    lines.push(
      `${r0.count} downloads of ${r0.path}, ${r0.parallel} at a time; each reads ${r0.readBytes / 1024} KiB and then resets the connection (RST).`,
    );
    lines.push('');
    lines.push(
      mdTable(
        ['server', 'aborted / timeout / error / ended', 'fds before', 'right after', 'later', 'left open'],
        storms.map((s) => {
          const r = s.resets;
          const o = r.outcomes;
          return [
            s.label,
            `${o.aborted} / ${o.timeout} / ${o.error} / ${o.ended}`,
            String(r.fds.before),
            String(r.fds.after),
            `${r.fds.later} (${(r.fds.laterMs / 1000).toFixed(1)} s)`,
            String(leftOpen(r.fds)),
          ];
        }),
      ),
    );
    lines.push('');
  }
  lines.push('## How to read this');
  lines.push('');
  for (const note of results.notes) lines.push(`- ${note}`);
  lines.push('');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG: one panel per size (requests/s for the small files, throughput for the large one), two
// groups per panel (the concurrencies), one bar per server. Hand-written, no dependency.

const COLORS = ['#0b6fa4', '#5fb3e0', '#e07b39', '#c9a227', '#6a4c93', '#3b8d4f', '#8c8c8c', '#b23a48'];

function escXml(t) {
  return String(t).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  // Maxima whose quarters are round numbers (four grid lines).
  for (const m of [1, 1.2, 1.6, 2, 2.4, 4, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function svg(results) {
  const servers = results.servers.filter((s) => s.status === 'ok');
  const sizes = results.config.sizes;
  const concs = results.config.concurrencies;
  const panelW = 360;
  const panelH = 260;
  const top = 70;
  const left = 56;
  const gap = 40;
  const legendH = 22 * Math.ceil(servers.length / 4) + 10;
  const width = left + sizes.length * (panelW + gap);
  const height = top + panelH + 60 + legendH;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="11">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(
    `<text x="${left}" y="24" font-size="15" font-weight="600">aqua-serve benchmark (${escXml(results.mode)}, ${escXml(results.tool)}): ${escXml(results.date.slice(0, 10))}</text>`,
  );
  out.push(
    `<text x="${left}" y="42" fill="#555">${escXml(`${results.machine.cores} cores, ${results.machine.cpuModel}, Node ${results.machine.node}. Higher is better; labels are ratios to aqua-serve.`)}</text>`,
  );
  sizes.forEach((size, pi) => {
    const x0 = left + pi * (panelW + gap);
    const big = size.bytes >= 1024 * 1024;
    const values = [];
    for (const s of servers)
      for (const conc of concs) {
        const run = findRun(s, { size, conc });
        if (run) values.push(headline(run));
      }
    const max = niceMax(Math.max(0, ...values) * 1.15);
    const unit = big ? 'throughput (GB/s)' : 'requests/s';
    out.push(`<text x="${x0}" y="${top - 10}" font-size="13" font-weight="600">${escXml(size.label)}: ${unit}</text>`);
    // axis and grid
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      const y = top + panelH - (panelH * i) / 4;
      out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + panelW}" y2="${y}" stroke="#e4e4e4"/>`);
      const label = big ? String(Number((v / 1e9).toFixed(2))) : fmtCount(v);
      out.push(`<text x="${x0 - 6}" y="${y + 4}" text-anchor="end" fill="#666">${escXml(label)}</text>`);
    }
    const groupW = panelW / concs.length;
    const barW = Math.min(28, (groupW - 20) / Math.max(1, servers.length));
    concs.forEach((conc, gi) => {
      const gx = x0 + gi * groupW + (groupW - barW * servers.length) / 2;
      const base = baselineOf(results) ? findRun(baselineOf(results), { size, conc }) : null;
      servers.forEach((s, si) => {
        const run = findRun(s, { size, conc });
        if (!run) return;
        const v = headline(run);
        const h = (panelH * v) / max;
        const x = gx + si * barW;
        const y = top + panelH - h;
        const title = `${s.label}, ${size.label}, ${conc} clients: ${fmtValue(run)}`;
        out.push(
          `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escXml(title)}</title></rect>`,
        );
        if (base) {
          const r = v / headline(base);
          const label = r >= 10 ? r.toFixed(1) : r.toFixed(2);
          out.push(
            `<text x="${(x + (barW - 2) / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="8.5" fill="#333">${label}</text>`,
          );
        }
      });
      out.push(
        `<text x="${(x0 + gi * groupW + groupW / 2).toFixed(1)}" y="${top + panelH + 16}" text-anchor="middle" fill="#333">${conc} clients</text>`,
      );
    });
    out.push(`<line x1="${x0}" y1="${top + panelH}" x2="${x0 + panelW}" y2="${top + panelH}" stroke="#999"/>`);
  });
  const ly = top + panelH + 44;
  servers.forEach((s, i) => {
    const lx = left + (i % 4) * 230;
    const y = ly + Math.floor(i / 4) * 22;
    out.push(`<rect x="${lx}" y="${y - 10}" width="12" height="12" fill="${COLORS[i % COLORS.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${y}">${escXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// The limit rows (issue 18): one connection, seeking, the listing, TLS; and the targets against
// the references measured in the same invocation (nginx, the Node ceilings).

function fmtLimit(row) {
  if (!row || row.value === null) return row ? 'failed' : '–';
  if (row.unit === 'ms') return `${row.value.toFixed(row.value < 10 ? 1 : 0)} ms`;
  return row.unit === 'rps' ? `${fmtCount(row.value)} r/s` : fmtRate(row.value);
}

function limitOf(server, name) {
  return server?.limits?.find((r) => r.row === name && r.value !== null) ?? null;
}

/** One row per limit row, one column per server that ran it: value, ratio to aqua-serve, generator CPU. */
export function limitTable(results) {
  const servers = results.servers.filter((s) => s.status === 'ok' && s.limits?.length);
  if (servers.length === 0) return null;
  const names = [...new Set(servers.flatMap((s) => s.limits.map((r) => r.row)))];
  const base = baselineOf(results);
  const header = ['row', ...servers.map((s) => s.id), 'generator CPU (most, of one core)'];
  const rows = names.map((name) => {
    const b = limitOf(base, name);
    const cols = servers.map((s) => {
      const r = s.limits.find((x) => x.row === name);
      const rel = r && b && r.value !== null ? ratio(r.value, b.value) : null;
      return `${fmtLimit(r)} ${s.id === BASELINE ? '' : fmtRatio(rel)}`.trim();
    });
    const cpu = Math.max(0, ...servers.map((s) => s.limits.find((x) => x.row === name)?.genCpu ?? 0));
    return [name, ...cols, `${(cpu * 100).toFixed(0)} %`];
  });
  return { header, rows };
}

/** Issue 18's targets, each a ratio to a reference from this invocation. */
export function checkLimitTargets(results) {
  const ok = (id) => results.servers.find((s) => s.id === id && s.status === 'ok') ?? null;
  const aqua = baselineOf(results);
  if (!aqua) return [];
  const out = [];
  const vs = (name, refId, need) => {
    const a = limitOf(aqua, name);
    const b = limitOf(ok(refId), name);
    if (!a || !b) return;
    const r = a.value / b.value;
    out.push({
      target: `${name}: ≥ ${need}× ${refId}`,
      value: `×${r.toFixed(2)} (${fmtLimit(a)} vs ${fmtLimit(b)})`,
      met: r >= need,
    });
  };
  vs('one connection', 'node-piped', 0.9);
  vs('one connection', 'nginx', 0.5);
  for (const name of [
    'TLS HTTP/1.1 one connection',
    'TLS HTTP/2 one connection',
    'TLS HTTP/1.1 100 clients (1 MiB)',
    'TLS HTTP/2 100 clients (1 MiB)',
  ])
    vs(name, 'nginx', 0.6);
  const within = (name, most) => {
    const a = limitOf(aqua, name);
    if (!a) return;
    const nginx = limitOf(ok('nginx'), name);
    out.push({
      target: `${name}: ≤ ${most} ms`,
      value: `${fmtLimit(a)}${nginx ? ` (nginx ${fmtLimit(nginx)})` : ''}`,
      met: a.value <= most,
    });
  };
  within('100,000-entry folder: first byte (cold)', 100);
  within('100,000-entry folder: 13 B p99 during 8 listings', 20);
  const hello = ok('node-hello');
  for (const run of aqua.runs.filter((r) => r.sizeBytes === 13 && !r.error)) {
    const h = hello?.runs.find((x) => x.sizeBytes === 13 && x.conc === run.conc && !x.error);
    if (!h) continue;
    const r = run.rps / h.rps;
    out.push({
      target: `13 B c${run.conc}: ≥ 0.8× node:http hello-world`,
      value: `×${r.toFixed(2)} (${fmtCount(run.rps)} vs ${fmtCount(h.rps)} r/s)`,
      met: r >= 0.8,
    });
  }
  const big = aqua.runs.find((r) => r.sizeBytes >= 1024 * 1024 && r.conc >= 1000 && !r.error);
  if (big) {
    out.push({
      target: `peak RSS ≤ 128 MiB during ${big.size} c${big.conc}`,
      value: fmtMiB(big.peakRss),
      met: big.peakRss <= 128 * 1048576,
    });
  }
  return out;
}

/** Idle RSS per process of the `--workers auto` tree (the primary and its workers). */
export function workerMemory(results) {
  const w = results.servers.find((s) => s.id === 'aqua-serve-workers' && s.status === 'ok');
  if (!w || !w.idleProcesses) return null;
  return { processes: w.idleProcesses, idleRss: w.idleRss, perProcess: w.idleRss / w.idleProcesses };
}

export function limitsText(results) {
  const t = limitTable(results);
  if (!t) return '';
  const widths = t.header.map((h, i) => Math.max([...h].length, ...t.rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cols) =>
    cols
      .map((c, i) => pad(c ?? '', widths[i]))
      .join('  ')
      .trimEnd();
  const lines = [line(t.header), line(widths.map((w) => '-'.repeat(w))), ...t.rows.map(line)];
  const targets = checkLimitTargets(results);
  if (targets.length)
    lines.push('', 'Targets (issue 18):', ...targets.map((x) => `${x.met ? 'MET ' : 'MISS'}  ${x.target}: ${x.value}`));
  return lines.join('\n');
}

function limitsMarkdown(results) {
  const t = limitTable(results);
  const lines = [];
  const la = results.loadAverage;
  if (t) {
    lines.push('## Limits: one connection, seeking, listing, TLS');
    lines.push('');
    lines.push(
      `Curl downloads a ${fmtMiB(results.config.bigBytes)} file on one connection (median of its downloads); seeking is wrk with 16 clients asking for 1 MiB ranges at random offsets of that file; the listing is a folder of 10,000 empty files; over TLS (HTTP/2 and HTTP/1.1 by ALPN, TLS 1.3) curl downloads the same file and h2load runs 100 clients on a 1 MiB file. Ratios are to aqua-serve; "generator CPU" is the load generator's own user + system time per second of the run, at most 100 % per thread.`,
    );
    lines.push('');
    lines.push(mdTable(t.header, t.rows));
    lines.push('');
  }
  const targets = checkLimitTargets(results);
  if (targets.length) {
    lines.push('## Targets (issue 18, against references from this invocation)');
    lines.push('');
    lines.push(
      mdTable(
        ['target', 'measured', 'met'],
        targets.map((x) => [x.target, x.value, x.met ? 'yes' : 'no']),
      ),
    );
    lines.push('');
  }
  const w = workerMemory(results);
  if (w) {
    lines.push(
      `\`--workers auto\`: ${w.processes} processes (primary and workers) at ${fmtMiB(w.idleRss)} idle, ${fmtMiB(w.perProcess)} each.`,
    );
    lines.push('');
  }
  if (la) {
    lines.push(
      `Machine load average (1 min) before the run ${la.before[0].toFixed(1)}, after it ${la.after[0].toFixed(1)}; per server at its start: ${results.servers
        .filter((s) => s.loadAverage !== undefined)
        .map((s) => `${s.id} ${s.loadAverage.toFixed(1)}`)
        .join(', ')}.`,
    );
    lines.push('');
  }
  return lines.join('\n');
}
