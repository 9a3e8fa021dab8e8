import { strict as assert } from 'node:assert';
import { formatAxisUsd, formatInt, formatPercent, formatUsd } from '../../src/core/format';

describe('number formats', () => {
  it('integers are exact with thousands separators', () => {
    assert.equal(formatInt(0), '0');
    assert.equal(formatInt(999), '999');
    assert.equal(formatInt(1000), '1,000');
    assert.equal(formatInt(98765432), '98,765,432');
    assert.equal(formatInt(-1234567.6), '-1,234,568');
  });

  it('money: cents from $1 up, four significant digits below, never $0.00 for a real cost', () => {
    assert.equal(formatUsd(0), '$0.00');
    assert.equal(formatUsd(1234.567), '$1,234.57');
    assert.equal(formatUsd(1), '$1.00');
    assert.equal(formatUsd(0.999), '$1.00');
    assert.equal(formatUsd(0.5), '$0.50');
    assert.equal(formatUsd(0.12345), '$0.1235');
    assert.equal(formatUsd(0.004213), '$0.004213');
    assert.equal(formatUsd(0.0000012346), '$0.000001235');
    assert.equal(formatUsd(0.00001), '$0.00001');
    assert.equal(formatUsd(-2.5), '-$2.50');
  });

  it('axis ticks stay distinct on small ranges', () => {
    assert.deepEqual([0, 0.02, 0.04, 0.06, 0.08].map(formatAxisUsd), ['$0', '$0.02', '$0.04', '$0.06', '$0.08']);
    assert.deepEqual([0.5, 1, 1.5, 20, 1500, 2_000_000].map(formatAxisUsd), ['$0.5', '$1', '$1.5', '$20', '$1.5K', '$2M']);
  });

  it('percentages', () => {
    assert.equal(formatPercent(0.075), '7.5%');
    assert.equal(formatPercent(0.42), '42%');
    assert.equal(formatPercent(0), '0%');
  });
});
