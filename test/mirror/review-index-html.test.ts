// Security review: index.html is built from attacker-influenced names. Escaping alone is not
// enough when an escaped name is then used as a String.prototype.replace replacement, where
// "$`", "$'" and "$&" splice other parts of the page in.
import { afterEach, describe, expect, it } from 'vitest';
import { fixture, tempDirs, utf8 } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe('review: index.html with hostile role names', () => {
  it('shows a delegator name containing "$`" and "$&" literally, without splicing the row into itself', async () => {
    const f = await fixture(dirs);
    const parent = 'evil$`$&';
    f.sim.addDelegation('targets', { name: parent, paths: ['evil/*'], terminating: false });
    f.sim.addDelegation(parent, { name: 'child', paths: ['evil/*'] });
    f.sim.addTarget('child', 'evil/a.txt', utf8('a\n'));
    f.sim.publish();
    await f.commit('delegator with replacement patterns');
    const report = await f.build();
    expect(report.ok).toBe(true);
    const html = (await f.readOut('index.html')).toString();
    // Today the row of `child` gets `<small>(evil` + "<tr><td ...><a href=...>child" + "</a></td>"
    // spliced in ("$&" eats the "&" of the escaped "&#38;"): a second link inside the label.
    expect(html).toContain('<small>(evil$`$&#38;)</small>');
    expect(html.match(/href="metadata\/1\.child\.json"/g)?.length).toBe(1);
  });
});
