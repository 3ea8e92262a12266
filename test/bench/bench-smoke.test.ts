// Runs the real benchmark entry (bench/main.ts, forking bench/runner.ts per run) on the tiniest
// configuration, straight from the sources, so the harness cannot rot unnoticed.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../bench/results.js';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const hooks = fileURLToPath(new URL('./ts-resolve-hooks.ts', import.meta.url));

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--experimental-transform-types',
        '--no-warnings',
        '--import',
        hooks,
        'bench/main.ts',
        ...args,
      ],
      { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pg-bench-smoke-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('npm run bench (smoke)', () => {
  it(
    'runs every scenario for both clients and verifies what they downloaded',
    { timeout: 300_000 },
    async () => {
      const out = join(dir, 'results.json');
      const tiny = [
        '--quick',
        '--bins',
        '32',
        '--targets-per-bin',
        '8',
        '--lookups',
        '10',
        '--large-mib',
        '2',
        '--skip-mirror',
      ];
      const result = await runBench([...tiny, '--json', '--out', out]);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as BenchReport;
      expect(JSON.parse(await readFile(out, 'utf8'))).toEqual(report);

      expect(report.repositories.map((r) => r.name)).toEqual([
        'small: 16 bins',
        'traditional 32 bins',
        'succinct 32 bins',
      ]);
      const keys = report.scenarios.map(
        (s) => `${s.repository}|${s.scenario}|${s.client}|${s.status}`,
      );
      for (const repository of ['small: 16 bins', 'traditional 32 bins', 'succinct 32 bins']) {
        for (const scenario of ['cold', 'warm', 'warm-changed']) {
          for (const client of ['ours', 'tuf-js'])
            expect(keys).toContain(`${repository}|${scenario}|${client}|ok`);
        }
      }
      for (const client of ['ours', 'tuf-js', 'local-read']) {
        expect(
          report.scenarios.find((s) => s.client === client && s.repository.endsWith('2 MiB target'))
            ?.status,
        ).toBe('ok');
      }
      // Every cold run downloaded all ten targets and each stored file had the generator's sha256.
      for (const s of report.scenarios.filter((x) => x.scenario === 'cold')) {
        expect(s.runs.map((r) => r.verifiedDownloads)).toEqual([10]);
        expect(s.median?.requests).toBeGreaterThan(10);
      }
      const warm = report.scenarios.filter((s) => s.scenario === 'warm' && s.client === 'ours');
      expect(warm.map((s) => s.runs[0]?.requestPaths)).toEqual(
        Array(3).fill(['metadata/2.root.json', 'metadata/timestamp.json']),
      );
      expect(warm.every((s) => s.checks.every((c) => c.ok))).toBe(true);
      expect(
        report.scenarios.find((s) => s.client === 'ours' && s.scenario === 'cold')?.ratioToTufJs,
      ).toBeGreaterThan(0);
      expect(result.stderr).toContain('results written to');
    },
  );

  it(
    'reports a baseline past the time limit as over the limit instead of dropping it',
    { timeout: 120_000 },
    async () => {
      const out = join(dir, 'results.json');
      const result = await runBench([
        '--quick',
        '--bins',
        '2',
        '--targets-per-bin',
        '2',
        '--skip-large',
        '--skip-mirror',
        '--only',
        'tuf-js',
        '--baseline-limit',
        '0.001',
        '--out',
        out,
      ]);
      // Only tuf-js ran, so nothing of ours failed: exit 0, and the table says what happened.
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain('over the limit (> 0.001 s)');
      const report = JSON.parse(await readFile(out, 'utf8')) as BenchReport;
      const cold = report.scenarios.filter((s) => s.scenario === 'cold');
      expect(cold.map((s) => s.status)).toEqual(['over-limit', 'over-limit', 'over-limit']);
      expect(cold.every((s) => s.runs.length === 1 && s.runs[0]?.overLimit === true)).toBe(true);
    },
  );
});
