// Renders benchmark results as plain-text tables (stdout) — one row per scenario and client, a
// lookup-time table per bin count, the checks against the stated targets, and the mirror figures.

import { renderMirror } from './report-mirror.js';
import type { BenchReport, ScenarioResult } from './results.js';
import { formatBytes, formatMs, formatRatio } from './stats.js';

/** The whole report as text, ending with a newline. */
export function renderReport(report: BenchReport, limitMs: number): string {
  const sections = [
    renderScenarios(report.scenarios, limitMs),
    renderLookups(report),
    renderChecks(report.scenarios),
  ];
  if (report.mirror !== undefined) sections.push(renderMirror(report.mirror));
  return `${sections.filter((s) => s.length > 0).join('\n\n')}\n`;
}

const SCENARIO_LABEL: Record<ScenarioResult['scenario'], string> = {
  cold: 'cold: refresh + lookups + downloads',
  warm: 'warm, no change: refresh',
  'warm-changed': 'warm, one bin changed: refresh + lookup',
  large: 'large target: download',
  reference: 'reference',
};

function renderScenarios(scenarios: readonly ScenarioResult[], limitMs: number): string {
  const header = [
    'repository',
    'scenario',
    'client',
    'median ms',
    'vs tuf-js',
    'requests',
    'transferred',
    'peak RSS',
    'runs',
    'status',
  ];
  const rows = scenarios.map((r) => [
    r.repository,
    scenarioLabel(r),
    r.client,
    r.median ? formatMs(r.median.ms) : '-',
    ratioCell(r, scenarios, limitMs),
    r.median ? String(r.median.requests) : '-',
    r.median ? formatBytes(r.median.bytes) : '-',
    r.median ? formatBytes(r.median.maxRssKiB * 1024) : '-',
    String(r.runs.filter((run) => run.ok).length),
    statusCell(r, limitMs),
  ]);
  return `Medians per scenario (requests and bytes counted at the server; peak RSS of the client process)\n${table(header, rows)}`;
}

function scenarioLabel(r: ScenarioResult): string {
  if (r.client === 'local-read') return 'reference: read file + sha256';
  if (r.client === 'loopback-get') return 'floor: GET over loopback, discard';
  return SCENARIO_LABEL[r.scenario];
}

// When tuf-js ran past the limit the ratio is only bounded: ours ÷ limit.
function ratioCell(r: ScenarioResult, all: readonly ScenarioResult[], limitMs: number): string {
  if (r.client !== 'ours') return '';
  if (r.ratioToTufJs !== undefined) return formatRatio(r.ratioToTufJs);
  const theirs = all.find(
    (x) => x.client === 'tuf-js' && x.scenario === r.scenario && x.repository === r.repository,
  );
  if (theirs?.status === 'over-limit' && r.median) return `< ${formatRatio(r.median.ms / limitMs)}`;
  return '-';
}

function statusCell(r: ScenarioResult, limitMs: number): string {
  if (r.status === 'over-limit') return `over the limit (> ${limitMs / 1000} s)`;
  if (r.status === 'failed') return `FAILED: ${(r.error ?? '?').slice(0, 120)}`;
  return r.status;
}

function renderLookups(report: BenchReport): string {
  const cold = report.scenarios.filter((r) => r.scenario === 'cold');
  if (cold.length === 0) return '';
  const header = [
    'bins',
    'layout',
    'targets',
    'ours cold µs',
    'ours hot µs',
    'tuf-js cold µs',
    'tuf-js hot µs',
  ];
  const rows = report.repositories.map((repo) => {
    const of = (client: string) =>
      cold.find((r) => r.repository === repo.name && r.client === client)?.median;
    const us = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
    return [
      String(repo.bins),
      repo.succinct ? 'succinct' : 'traditional',
      String(repo.targets),
      us(of('ours')?.lookupUs),
      us(of('ours')?.hotLookupUs),
      us(of('tuf-js')?.lookupUs),
      us(of('tuf-js')?.hotLookupUs),
    ];
  });
  return `Lookup time per target, median µs (cold: first lookup, may fetch the bin; hot: same path again)\n${table(header, rows)}`;
}

function renderChecks(scenarios: readonly ScenarioResult[]): string {
  const lines = scenarios.flatMap((r) =>
    r.checks.map((c) => `  ${c.ok ? 'PASS' : 'MISS'}  ${r.repository}: ${c.name} — ${c.detail}`),
  );
  const failures = scenarios.filter(
    (r) => r.client === 'ours' && (r.status === 'failed' || r.status === 'over-limit'),
  );
  for (const r of failures)
    lines.push(`  FAIL  ${r.repository}: ${r.scenario} (ours) — ${r.error ?? r.status}`);
  return lines.length === 0 ? '' : `Targets\n${lines.join('\n')}`;
}

/** Left-aligned text columns separated by two spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
