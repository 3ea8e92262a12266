// tuf-conformance test_file_download.py (notes 3.5): artifact URLs, hash algorithms, caching and
// substituted artifacts. TD is inspected recursively (dot-files included) and ordered by mtime.
import { describe, expect, it } from 'vitest';
import { hashHex } from '../../src/core/index.js';
import { conformanceHarness, objectAt, type ConformanceTest } from './driver.js';

const newTest = conformanceHarness();
const sha256 = (s: string): string => hashHex('sha256', Buffer.from(s));

async function withArtifacts(name: string, files: [string, string][]): Promise<ConformanceTest> {
  const t = await newTest(name);
  for (const [path, content] of files) t.sim.addTarget('targets', path, Buffer.from(content));
  t.sim.publish();
  await t.init();
  return t;
}

describe.concurrent('conformance: artifact download', () => {
  it('test_client_downloads_expected_file: one request with the sha256 prefix', async () => {
    const t = await withArtifacts('test_client_downloads_expected_file', [
      ['target_file.txt', 'target file contents'],
    ]);
    expect(await t.refresh(), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual([]);
    expect(await t.download('target_file.txt'), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual(['target file contents']);
    expect(t.paths().filter((p) => p.startsWith('targets/'))).toEqual([
      `targets/${sha256('target file contents')}.target_file.txt`,
    ]);
    expect(t.methods()).toEqual(['GET']);
  });

  it('test_client_downloads_expected_file_in_sub_dir: the prefix goes on the basename', async () => {
    const t = await withArtifacts('test_client_downloads_expected_file_in_sub_dir', [
      ['path/to/a/target_file.txt', 'target file contents'],
    ]);
    expect(await t.download('path/to/a/target_file.txt'), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual(['target file contents']);
    expect(t.paths().filter((p) => p.startsWith('targets/'))).toEqual([
      `targets/path/to/a/${sha256('target file contents')}.target_file.txt`,
    ]);
  });

  it.each([
    ['hashes0', ['sha256'] as const],
    ['hashes1', ['sha512'] as const],
    ['hashes2', ['sha256', 'sha512'] as const],
  ])('test_download_with_hash_algorithms[%s]: exactly one artifact request', async (id, algs) => {
    const t = await newTest(`test_download_with_hash_algorithms[${id}]`);
    const entry = t.sim.addTarget(
      'targets',
      'target_file.txt',
      Buffer.from('contents'),
      undefined,
      [...algs],
    );
    t.sim.publish();
    await t.init();
    expect(await t.download('target_file.txt'), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual(['contents']);
    const stats = t.artifactStats();
    expect(stats).toHaveLength(1);
    expect(stats[0]?.[0]).toBe('target_file.txt');
    expect(Object.values(objectAt(entry, 'hashes'))).toContain(stats[0]?.[1]);
  });

  it('test_download_with_unknown_hash_algorithm: the artifact is rejected', async () => {
    const t = await newTest('test_download_with_unknown_hash_algorithm');
    const entry = t.sim.addTarget(
      'targets',
      'target_file.txt',
      Buffer.from('contents'),
      undefined,
      ['sha512'],
    );
    entry['hashes'] = { 'unknown-hash': hashHex('sha512', Buffer.from('contents')) };
    t.sim.publish();
    await t.init();
    expect(await t.download('target_file.txt'), t.last()).toBe(1);
    expect(await t.downloaded()).toEqual([]); // fetching first is allowed, storing is not
  });

  it('test_artifact_cache: a second download run makes no artifact request', async () => {
    const t = await withArtifacts('test_artifact_cache', [['target_file.txt', 'cached contents']]);
    expect(await t.download('target_file.txt'), t.last()).toBe(0);
    expect(await t.download('target_file.txt'), t.last()).toBe(0);
    expect(await t.downloaded()).toEqual(['cached contents']);
    expect(t.artifactStats()).toHaveLength(1);
    // Metadata requests still happen (implicit refresh), and only the cheap ones.
    expect(t.stats().slice(4)).toEqual([
      ['root', 2],
      ['timestamp', null],
    ]);
  });

  it('several --target-name values: stops at the first failure, keeping earlier ones', async () => {
    const t = await withArtifacts('test_several_target_names', [
      ['a.txt', 'a'],
      ['b.txt', 'b'],
    ]);
    expect(await t.download(['a.txt', 'missing', 'b.txt']), t.last()).toBe(1);
    expect(await t.downloaded()).toEqual(['a']);
    expect(t.stats().filter(([r]) => r === 'timestamp')).toHaveLength(1); // one refresh only
  });
});

describe.concurrent('conformance: substituted artifacts', () => {
  it('test_repository_substitutes_target_file: bad bytes never reach TD', async () => {
    const files: [string, string][] = [1, 2, 3, 4].map((i) => [
      `target_${i}.txt`,
      `target file ${i} contents`,
    ]);
    const t = await withArtifacts('test_repository_substitutes_target_file', files);
    expect(await t.download('target_1.txt'), t.last()).toBe(0);
    const before = await t.targetFiles();
    expect(await t.downloaded()).toEqual(['target file 1 contents']);
    const url = (i: number): string =>
      `targets/${sha256(`target file ${i} contents`)}.target_${i}.txt`;
    // The server now serves malicious bytes: same length (1, 2), shorter (4), and longer
    // without a Content-Length (3, not in the suite: the body must be cut at the length).
    t.sim.overrides.set(url(1), Buffer.from('malicious file 1 bytes'));
    t.sim.overrides.set(url(2), Buffer.from('malicious file 2 bytes'));
    t.server.faults.set(url(3), {
      replaceBody: Buffer.from('malicious target file 3 contents, and more'),
      omitContentLength: true,
    });
    t.sim.overrides.set(url(4), Buffer.from('target file 4'));
    expect([0, 1]).toContain(await t.download('target_1.txt')); // cached (0) or refused (1)
    for (const i of [2, 3, 4]) {
      expect(await t.download(`target_${i}.txt`), t.last()).toBe(1);
      expect(t.artifactStats().at(-1)?.[0]).toBe(`target_${i}.txt`);
    }
    // TD is exactly the earlier good file, untouched (same bytes, same mtime), no temp files.
    expect(await t.targetFiles()).toEqual(before);
    expect(await t.downloaded()).toEqual(['target file 1 contents']);
  });

  it('test_multiple_changes_to_target: legitimate changes replace the file in place', async () => {
    const t = await newTest('test_multiple_changes_to_target');
    await t.init();
    for (let i = 0; i <= 10; i++) {
      t.sim.addTarget('targets', 'target_file.txt', Buffer.from(`modified ${i}`));
      t.sim.addTarget('targets', `new-target-${i}`, Buffer.from(`new ${i}`));
      t.sim.publish();
      if (i % 5 !== 0) continue;
      expect(await t.download('target_file.txt'), t.last()).toBe(0);
      expect((await t.downloaded()).at(-1)).toBe(`modified ${i}`);
      expect(await t.download(`new-target-${i}`), t.last()).toBe(0);
    }
    const expected = ['new 0', 'new 5', 'modified 10', 'new 10'];
    expect(await t.downloaded()).toEqual(expected);
    // Malicious bytes without a metadata change, then an unrelated targets bump.
    t.sim.overrides.set(
      `targets/${sha256('modified 10')}.target_file.txt`,
      Buffer.from('malicious 1'),
    );
    t.sim.publish({ bumpAll: true });
    expect([0, 1]).toContain(await t.download('target_file.txt'));
    expect(await t.downloaded()).toEqual(expected);
  });
});
