import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { resultError, resultText, runNotice } from '../src/common/results';

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

describe('runNotice', () => {
  it('summarizes the outputs of nki.run', () => {
    const answer = { kernel: 'k', summary: ['out: float32[128,512] min=-1 max=1 nan=0'], findings: [], error: null, text: '' };
    assert.deepEqual(runNotice('k', answer), {
      kind: 'info', message: 'NKI: k ran in the simulator: out: float32[128,512] min=-1 max=1 nan=0.',
    });
  });

  it('warns about findings, failures and says when the run was cancelled', () => {
    const found = { summary: ['out: float32[2] min=nan max=nan nan=2'], findings: ['NKI702 first NaN', 'NKI703 x'] };
    assert.deepEqual(runNotice('k', found), {
      kind: 'warning',
      message: 'NKI: k ran in the simulator: out: float32[2] min=nan max=nan nan=2. 2 findings, see the NKI output.',
    });
    assert.deepEqual(runNotice('k', { error: 'stopped after the timeout' }),
      { kind: 'warning', message: 'NKI: k did not run to the end: stopped after the timeout' });
    assert.deepEqual(runNotice('k', { error: 'cancelled' }), { kind: 'info', message: 'NKI: the run of k was cancelled.' });
  });

  it('takes the batch mode\'s text lines as the summary and shortens long ones', () => {
    assert.equal(runNotice('k', '# note\nout: float32[4]\n').message, 'NKI: k ran in the simulator: out: float32[4].');
    const long = runNotice('k', { summary: ['x'.repeat(1000)] }).message;
    assert.ok(long.length < 300 && long.includes('…'));
  });
});
