// Security review: length caps, the root loop's end condition and the reference time.

import { afterEach, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/core/index.js';
import { startHarness, type Harness } from '../support/client-harness.js';

let h: Harness;
afterEach(async () => h?.close());

describe('review: length caps (TUF 5.2 endless data)', () => {
  // UpdaterOptions.limits promises "a response over its cap is aborted". A signed meta length
  // (from the online timestamp key) must not lift that cap: metadata is buffered in memory.
  it('a timestamp meta length above the snapshot cap does not raise the cap', async () => {
    h = await startHarness();
    const meta = h.sim.signed('timestamp')['meta'] as Record<string, JsonObject>;
    (meta['snapshot.json'] as JsonObject)['length'] = 4_000_000;
    h.sim.signRole('timestamp');
    h.server.faults.add(`metadata/${h.sim.publishedVersion('snapshot')}.snapshot.json`, {
      endless: true,
    });
    const cap = 20_000;
    const updater = h.updater({ limits: { snapshot: cap } });
    await expect(updater.refresh()).rejects.toMatchObject({ code: 'too-large' });
    expect(updater.stats.bytes).toBeLessThanOrEqual(cap + 16_384);
  });

  it('a snapshot meta length above the targets cap does not raise the cap', async () => {
    h = await startHarness();
    const meta = h.sim.signed('snapshot')['meta'] as Record<string, JsonObject>;
    (meta['targets.json'] as JsonObject)['length'] = 4_000_000;
    h.sim.signRole('snapshot');
    h.sim.updateTimestamp();
    h.server.faults.add(`metadata/${h.sim.publishedVersion('targets')}.targets.json`, {
      endless: true,
    });
    const cap = 20_000;
    const updater = h.updater({ limits: { targets: cap } });
    await expect(updater.refresh()).rejects.toMatchObject({ code: 'too-large' });
    expect(updater.stats.bytes).toBeLessThanOrEqual(cap + 16_384);
  });
});

describe('review: root loop end (TUF 5.3.3, python-tuf)', () => {
  // python-tuf ends the loop on 403 as on 404; S3 and some CDNs answer 403 for a missing object.
  it('403 for the next root version ends the root loop like 404', async () => {
    h = await startHarness();
    h.server.faults.add('metadata/2.root.json', { status: 403 });
    const updater = h.updater();
    await expect(updater.refresh()).resolves.toMatchObject({ versions: { root: 1, timestamp: 1 } });
  });
});

describe('review: reference time', () => {
  // A clock returning an invalid Date yields NaN; `expiresMs <= NaN` is false, so nothing
  // would ever count as expired (freeze protection off). It must be a typed error instead.
  it('an invalid reference time is refused instead of disabling expiry checks', async () => {
    h = await startHarness();
    h.sim.timestamp.expires = h.sim.daysFromNow(-1);
    h.sim.signRole('timestamp');
    const updater = h.updater({ clock: () => new Date(Number.NaN) });
    await expect(updater.refresh()).rejects.toMatchObject({
      code: expect.stringMatching(/^(invalid-argument|expired)$/) as unknown,
    });
  });
});

describe('updater options', () => {
  it('refuses a base URL with a query or fragment, which would swallow appended file names', async () => {
    const { Updater } = await import('../../src/client/index.js');
    for (const metadataBaseUrl of [
      'http://127.0.0.1:1/metadata/?x=1',
      'http://127.0.0.1:1/metadata/#frag',
      'not a url',
    ]) {
      expect(() => new Updater({ metadataDir: '/nonexistent', metadataBaseUrl })).toThrow(
        /expected an absolute URL without query or fragment/,
      );
    }
  });
});
