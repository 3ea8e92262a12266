// The printer of pg-mirror: build reports and sync iterations as text or JSON, errors as one
// line on stderr (plus an error document on stdout with --json). Every line is made inert
// (inertText): names from git and metadata reach terminals and CI logs, where "\n::" is a
// workflow command and ESC a terminal escape.
import { describeError } from '../../core/index.js';
import { type BuildReport, type SyncIteration, inertJson, inertText } from '../../mirror/index.js';
import { errorDoc } from '../output.js';

/** JSON text with every control character escaped (still the same JSON value). */
export function safeJson(value: unknown, indent?: number): string {
  return inertJson(JSON.stringify(value, null, indent));
}

/** Text of a build report (stdout) and its warnings (stderr). */
export function buildText(report: BuildReport, outDir: string): { stdout: string; stderr: string } {
  const lines: string[] = [];
  const short = report.commit.slice(0, 12);
  const v = report.versions;
  if (report.ok) {
    lines.push(`Published commit ${short} (${report.ref}) to ${outDir}`);
    if (v)
      lines.push(
        `  root v${v.root}, timestamp v${v.timestamp}, snapshot v${v.snapshot}, targets v${v.targets}`,
      );
    lines.push(
      `  ${report.roles} role${plural(report.roles)}, ${report.targets} target${plural(report.targets)}, ${report.artifactFiles} artifact file${plural(report.artifactFiles)}`,
    );
    lines.push(
      `  wrote ${report.written.length} file${plural(report.written.length)}, ${report.unchanged} unchanged, pruned ${report.pruned.length}; hashed ${report.hashedArtifacts} artifact${plural(report.hashedArtifacts)}; ${report.durationMs} ms`,
    );
  } else {
    const count = report.problems.length + report.omittedProblems;
    lines.push(
      `REFUSED commit ${short} (${report.ref}): ${count} problem${plural(count)}, nothing published to ${outDir}`,
    );
    for (const p of report.problems)
      lines.push(`  - ${p.role === null ? '' : `[${p.role}] `}${p.message} (${p.code})`);
    if (report.omittedProblems > 0) lines.push(`  ... and ${report.omittedProblems} more`);
  }
  const stderr = report.warnings.map((w) => `${inertText(`warning: ${w}`)}\n`).join('');
  return { stdout: `${lines.map(inertText).join('\n')}\n`, stderr };
}

/** JSON document of a build report. */
export function buildJson(report: BuildReport): string {
  return `${safeJson(report, 2)}\n`;
}

/** One line (text) or one JSON line per sync iteration. */
export function syncLine(it: SyncIteration, json: boolean): string {
  if (json) {
    const error = it.error === undefined ? undefined : errorDoc(it.error);
    return `${safeJson({ ...it, ...(error ? { error } : {}) })}\n`;
  }
  const commit = it.commit?.slice(0, 12) ?? '?';
  // Remote names come from git config: inert like everything else.
  const fetched = it.fetched.length > 0 ? ` (fetched ${it.fetched.join(', ')})` : '';
  switch (it.outcome) {
    case 'unchanged':
      return `${inertText(`${it.at} ${commit}: already published${fetched}`)}\n`;
    case 'built':
      return `${inertText(`${it.at} ${commit}: published${fetched}; wrote ${it.report?.written.length ?? 0} files, pruned ${it.report?.pruned.length ?? 0}`)}\n`;
    case 'refused': {
      const lines = [`${it.at} ${commit}: REFUSED, the previous tree stays published${fetched}`];
      for (const p of it.report?.problems ?? []) lines.push(`  - ${p.message} (${p.code})`);
      return `${lines.map(inertText).join('\n')}\n`;
    }
    case 'failed':
      return `${inertText(`${it.at} ${commit}: failed, the previous tree stays published: ${describeError(it.error)}`)}\n`;
  }
}

function plural(n: number): string {
  return n === 1 ? '' : 's';
}
