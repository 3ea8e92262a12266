import { UsageError } from '../core/index.js';

/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results are in input order.
 * After the first rejection no new call is started and the returned promise rejects with it
 * (calls already running are left to finish; their results are dropped).
 */
export function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    return Promise.reject(
      new UsageError(
        'invalid-argument',
        `concurrency limit: expected an integer >= 1, got ${limit}`,
      ),
    );
  }
  const results = new Array<R>(items.length);
  if (items.length === 0) return Promise.resolve(results);
  // Workers pull [index, item] pairs from one shared iterator: each item is started exactly once.
  const queue = items.entries();
  return new Promise<R[]>((resolve, reject) => {
    let done = 0;
    let failed = false;
    const start = (): void => {
      if (failed) return;
      const next = queue.next();
      if (next.done === true) return;
      const [index, item] = next.value;
      // The async wrapper turns a synchronous throw from `fn` into a rejection.
      const pending = (async () => fn(item, index))();
      pending.then(
        (value) => {
          if (failed) return;
          results[index] = value;
          done++;
          if (done === items.length) resolve(results);
          else start();
        },
        (err: Error) => {
          if (failed) return;
          failed = true;
          reject(err);
        },
      );
    };
    for (let i = 0; i < Math.min(limit, items.length); i++) start();
  });
}
