// `npm run demo` must succeed end to end: build, serve, init, get, info, and the refused attack.
import { beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/demo/main.js';
import { ensureBuilt } from './ensure-built.js';

beforeAll(ensureBuilt, 180_000);

describe('demo', () => {
  it('runs every step, including the tampered-artifact attack, and exits 0', async () => {
    const lines: string[] = [];
    const code = await runDemo({ log: (line) => lines.push(line) });
    const text = lines.join('\n');
    expect(code, text).toBe(0);
    expect(text).toContain('expected failure: exit 1');
    expect(text).toContain('chain targets -> releases');
    expect(text).toContain('Demo finished');
  }, 60_000);
});
