import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapConcurrent } from '../../src/client/concurrency.js';
import { UsageError } from '../../src/core/index.js';

describe('mapConcurrent', () => {
  it('returns results in input order although calls finish out of order', async () => {
    const delays = [30, 5, 20, 1, 10];
    const out = await mapConcurrent(delays, 3, async (ms, i) => {
      await sleep(ms);
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10']);
  });

  it('never has more than `limit` calls in flight', async () => {
    let running = 0;
    let peak = 0;
    await mapConcurrent(
      Array.from({ length: 40 }, (_, i) => i),
      4,
      async () => {
        running++;
        peak = Math.max(peak, running);
        await sleep(1);
        running--;
      },
    );
    expect(peak).toBe(4);
  });

  it('rejects with the first failure and starts no new work after it', async () => {
    const started: number[] = [];
    const boom = new Error('boom');
    const result = mapConcurrent(
      Array.from({ length: 20 }, (_, i) => i),
      2,
      async (i) => {
        started.push(i);
        await sleep(2);
        if (i === 3) throw boom;
        return i;
      },
    );
    await expect(result).rejects.toBe(boom);
    await sleep(20);
    expect(Math.max(...started)).toBeLessThanOrEqual(4);
  });

  it('turns a synchronous throw into the rejection', async () => {
    const boom = new Error('sync');
    await expect(
      mapConcurrent([1], 1, () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });

  it('handles an empty list and refuses a limit below 1', async () => {
    expect(await mapConcurrent([], 3, () => Promise.resolve(1))).toEqual([]);
    await expect(mapConcurrent([1], 0, () => Promise.resolve(1))).rejects.toBeInstanceOf(
      UsageError,
    );
  });
});
