import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { findKernels, kernelAt } from '../src/common/kernels';

const SOURCE = [
  'import nki',                    // 0
  '',                              // 1
  'def helper(x):',                // 2
  '    return x',                  // 3
  '',                              // 4
  '@nki.jit',                      // 5
  'def first(a):',                 // 6
  '    b = helper(a)',             // 7
  '',                              // 8
  '    return b',                  // 9
  '',                              // 10
  '@some.decorator(',              // 11
  '    mode="x",',                 // 12
  ')',                             // 13
  '@jit',                          // 14
  'def second(a):',                // 15
  '    return a',                  // 16
  'x = first',                     // 17
].join('\n');

describe('findKernels', () => {
  it('finds decorated kernels with their extent, and ignores helpers', () => {
    assert.deepEqual(findKernels(SOURCE), [
      { name: 'first', defLine: 6, endLine: 9 },
      { name: 'second', defLine: 15, endLine: 16 },
    ]);
  });

  it('handles CRLF and files without kernels', () => {
    assert.deepEqual(findKernels('@nki.jit\r\ndef k():\r\n    pass\r\n').map((k) => k.name), ['k']);
    assert.deepEqual(findKernels('def f():\n    pass\n'), []);
  });

  it('does not take a decorator separated by code', () => {
    assert.deepEqual(findKernels('@nki.jit\ndef k():\n    pass\ny = 1\ndef not_kernel():\n    pass\n').map((k) => k.name), ['k']);
  });
});

describe('kernelAt', () => {
  const kernels = findKernels(SOURCE);
  it('picks the kernel around the cursor', () => {
    assert.equal(kernelAt(kernels, 8)?.name, 'first');
    assert.equal(kernelAt(kernels, 16)?.name, 'second');
  });
  it('asks (undefined) outside kernels when there are several, and takes the only one otherwise', () => {
    assert.equal(kernelAt(kernels, 0), undefined);
    assert.equal(kernelAt(kernels.slice(0, 1), 0)?.name, 'first');
  });
});
