import { strict as assert } from 'node:assert';
import { mix, opaque, parseColor } from '../../../src/webview/lib/colorMath';

describe('chart colours from the theme', () => {
  it('reads the forms themes use: #rgb, #rrggbb, #rrggbbaa, rgb() and rgba()', () => {
    assert.deepEqual(parseColor('#abc'), [0xaa, 0xbb, 0xcc, 1]);
    assert.deepEqual(parseColor('#EA5C0055'), [0xea, 0x5c, 0x00, 0x55 / 255]);
    assert.deepEqual(parseColor('rgba(204, 204, 204, 0.5)'), [204, 204, 204, 0.5]);
    assert.equal(parseColor('var(--x)'), undefined);
  });

  it('draws translucent palette colours opaque (VS Code’s default charts.orange is #EA5C0055)', () => {
    assert.equal(opaque('#EA5C0055'), 'rgb(234, 92, 0)');
    assert.equal(opaque('rgba(55, 148, 255, 0.4)'), 'rgb(55, 148, 255)');
    assert.equal(opaque('#3794ff'), '#3794ff');
    assert.equal(opaque('Highlight'), 'Highlight');
  });

  it('mixes toward another colour, leaving what it cannot read', () => {
    assert.equal(mix('#000000', '#ffffff', 0.5), 'rgb(128, 128, 128)');
    assert.equal(mix('Highlight', '#ffffff', 0.5), 'Highlight');
  });
});
