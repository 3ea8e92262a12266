// Security review: the text output of pg-mirror goes to terminals and CI logs, where a newline
// followed by "::" is a GitHub Actions workflow command and ESC starts a terminal escape.
// File names in git (and role names in signed metadata) are attacker-controlled.
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main-mirror.js';
import type { MirrorIo } from '../../src/cli/pg-mirror/context.js';
import { fixture, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function collector(): Writable & { text(): string } {
  const chunks: Buffer[] = [];
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      done();
    },
  });
  return Object.assign(w, { text: () => Buffer.concat(chunks).toString('utf8') });
}

function testIo(cwd: string): MirrorIo & { all(): string } {
  const stdout = collector();
  const stderr = collector();
  return {
    stdout,
    stderr,
    env: {},
    cwd,
    isTTY: false,
    all: () => stdout.text() + stderr.text(),
  };
}

const FORGED = 'x\n::error title=pg-mirror::forged annotation\u001b[2K';

function expectNoInjectedLines(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/\u001b/);
  expect(text.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
}

describe('review: pg-mirror text output with hostile names', () => {
  it('keeps a git file name with a newline and ESC on one inert line (warning of a published build)', async () => {
    const f = await fixture(dirs);
    await f.commit('unused metadata file with a hostile name', (files) =>
      files.set(`metadata/${FORGED}.json`, utf8('{}')),
    );
    const io = testIo(f.git);
    expect(await run(['build', '--git', '.', '--out', f.out], io)).toBe(0);
    expect(io.all()).toContain('not referenced by any verified role');
    expectNoInjectedLines(io.all());
  });

  it('keeps a hostile artifact name on one inert line in the refusal (problem list)', async () => {
    const f = await fixture(dirs);
    await f.commit('smuggled artifact with a hostile name', (files) =>
      files.set(`targets/${FORGED}`, utf8('unsigned')),
    );
    const io = testIo(f.git);
    expect(await run(['build', '--git', '.', '--out', f.out], io)).toBe(1);
    expect(io.all()).toContain('unlisted-artifact');
    expectNoInjectedLines(io.all());
  });
});
