import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { DEFAULTS, needsRestart, readSettings, serverSettings } from '../src/common/settings';

const getter = (values: Record<string, unknown>) => (key: string) => values[key];

describe('readSettings', () => {
  it('gives the defaults when nothing is set', () => {
    assert.deepEqual(readSettings(getter({})), { settings: DEFAULTS, warnings: [] });
  });

  it('normalises targets and codes', () => {
    const { settings, warnings } = readSettings(getter({
      target: ' TRN3 ', select: ['nki0', ' NKI203 ', 'nki0', ''], ignore: 'nki5, nki9', 'simulator.timeoutSeconds': 2.5,
      runOnSave: true, inlayHints: true, interpreter: ' /venv/bin/python ', serverCommand: 'nki-ls',
    }));
    assert.deepEqual(warnings, []);
    assert.equal(settings.target, 'trn3');
    assert.deepEqual(settings.select, ['NKI0', 'NKI203']);
    assert.deepEqual(settings.ignore, ['NKI5', 'NKI9']);
    assert.equal(settings.simulator.timeoutSeconds, 2.5);
    assert.equal(settings.interpreter, '/venv/bin/python');
    assert.deepEqual(settings.serverCommand, ['nki-ls']);
  });

  it('keeps the default and warns, naming the setting, for each invalid value', () => {
    const { settings, warnings } = readSettings(getter({
      target: 'trn9', runOnSave: 'yes', select: [1, 2], 'simulator.timeoutSeconds': -1, serverCommand: [3],
    }));
    assert.equal(settings.target, 'trn2');
    assert.equal(settings.runOnSave, false);
    assert.deepEqual(settings.select, []);
    assert.equal(settings.simulator.timeoutSeconds, 30);
    assert.deepEqual(settings.serverCommand, []);
    assert.equal(warnings.length, 5);
    for (const key of ['nki.target', 'nki.runOnSave', 'nki.select', 'nki.simulator.timeoutSeconds', 'nki.serverCommand']) {
      assert.ok(warnings.some((w) => w.startsWith(`${key}:`)), key);
    }
  });
});

describe('serverSettings', () => {
  it('sends only the keys the server knows, nested under nki', () => {
    const { settings } = readSettings(getter({ target: 'trn1', interpreter: '/py', select: ['NKI2'] }));
    assert.deepEqual(serverSettings(settings), { nki: {
      target: 'trn1', runOnSave: false, select: ['NKI2'], ignore: [], inlayHints: false, simulator: { timeoutSeconds: 30 },
    } });
  });

  it('restarts for launch settings only', () => {
    const base = readSettings(getter({})).settings;
    assert.equal(needsRestart(base, { ...base, target: 'trn3' }), false);
    assert.equal(needsRestart(base, { ...base, interpreter: '/py' }), true);
    assert.equal(needsRestart(base, { ...base, serverCommand: ['nki-ls'] }), true);
  });
});
