import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { resultError, resultText } from '../src/common/results';

describe('resultText', () => {
  it('takes a plain string as it is', () => {
    assert.equal(resultText('kernel k\n'), 'kernel k\n');
  });

  it('takes the text of an answer and appends its problems and error', () => {
    const answer = { kernel: 'k', text: 'kernel k\n  dma_copy\n', diagnostics: ['NKI301 bad shape', 7], error: 'stopped' };
    assert.equal(resultText(answer), 'kernel k\n  dma_copy\n\n# problems:\n#   NKI301 bad shape\n\n# error: stopped\n');
  });

  it('falls back to other text keys, then to JSON', () => {
    assert.equal(resultText({ ir: 'x' }), 'x\n');
    assert.equal(resultText({ summary: ['a'] }), '{\n  "summary": [\n    "a"\n  ]\n}');
    assert.equal(resultText(null), 'null');
  });
});

describe('resultError', () => {
  it('reports a non-empty error string only', () => {
    assert.equal(resultError({ error: 'stopped after the timeout' }), 'stopped after the timeout');
    assert.equal(resultError({ error: false }), undefined);
    assert.equal(resultError({ error: '' }), undefined);
    assert.equal(resultError('text'), undefined);
  });
});
