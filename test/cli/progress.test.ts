import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function sink(): { stream: Writable; text(): string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

describe('createProgress', () => {
  it('draws one line in place on a TTY and clears it when done', () => {
    const out = sink();
    let now = 0;
    const progress = createProgress(out.stream, true, () => now);
    progress.update('a.tgz', 512, 2048);
    now = 10;
    progress.update('a.tgz', 1024, 2048); // throttled: less than 100 ms later
    now = 500;
    progress.update('a.tgz', 2048, 2048);
    progress.done();
    expect(out.text()).toBe(
      '\r\x1b[Ka.tgz 512 B / 2.0 KiB 25%\r\x1b[Ka.tgz 2.0 KiB / 2.0 KiB 100%\r\x1b[K',
    );
  });

  it('writes nothing when disabled (not a TTY, or --quiet)', () => {
    const out = sink();
    const progress = createProgress(out.stream, false);
    progress.update('a.tgz', 1, 2);
    progress.done();
    expect(out.text()).toBe('');
  });
});
