// tuf-conformance test_static_repositories.py (notes 3.10) through the executable: a real
// tuf-on-ci 0.11 repository (test/fixtures/static, copied from the suite) served as static
// files; init, refresh and download (both under the fixture's faketime) must all exit 0.
// The sigstore-root-signing fixture is only partly reconstructed (PROVENANCE.md), so it is
// covered in-process by test/client/static-repositories.test.ts, not here.
import { readFile, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceHarness } from './driver.js';

const newTest = conformanceHarness();
const FIXTURE = fileURLToPath(new URL('../fixtures/static/tuf-on-ci-0.11/', import.meta.url));

// Only the published trees are served (404 for anything else), as the suite's StaticServer.
async function staticFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const top of ['metadata', 'targets']) {
    for (const e of await readdir(join(dir, top), { recursive: true, withFileTypes: true })) {
      if (!e.isFile()) continue;
      const full = join(e.parentPath, e.name);
      files.set(relative(dir, full).split(sep).join('/'), await readFile(full));
    }
  }
  return files;
}

describe('conformance: static repositories', () => {
  it('test_static_repository[tuf-on-ci-0.11]: init, refresh and download exit 0', async () => {
    const files = await staticFiles(FIXTURE);
    const t = await newTest(
      'test_static_repository[tuf-on-ci-0.11]',
      {},
      {
        get: (path) => files.get(path),
      },
    );
    const fakeTime = (await readFile(join(FIXTURE, 'faketime'), 'utf8')).trim();
    const targetPath = (await readFile(join(FIXTURE, 'targetpath'), 'utf8')).trim();
    expect(await t.init(await readFile(join(FIXTURE, 'initial_root.json'))), t.last()).toBe(0);
    expect(await t.refresh(fakeTime), t.last()).toBe(0);
    expect(await t.download(targetPath, fakeTime), t.last()).toBe(0);
    expect(t.paths()).toEqual([
      'metadata/2.root.json',
      'metadata/timestamp.json',
      'metadata/2.snapshot.json',
      'metadata/1.targets.json',
      'metadata/2.root.json',
      'metadata/timestamp.json',
      'metadata/2.delegatedrole.json',
      'targets/delegatedrole/45f337ee451b4c098d121d09cc224bacc7794503ac58a47a78cfe7ebefb7fab3.artifact',
    ]);
    expect(await t.trustedRoles()).toEqual([
      ['delegatedrole', 2],
      ['root', 1],
      ['snapshot', 2],
      ['targets', 1],
      ['timestamp', 2],
    ]);
    const artifact = files.get(
      'targets/delegatedrole/45f337ee451b4c098d121d09cc224bacc7794503ac58a47a78cfe7ebefb7fab3.artifact',
    );
    expect(await t.downloaded()).toEqual([Buffer.from(artifact ?? []).toString('utf8')]);
  });
});
