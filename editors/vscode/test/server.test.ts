import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { cliCommand, describeLaunch, discoverServer, DiscoveryInputs, expandVariables } from '../src/common/server';

/** Inputs where every probe fails unless told otherwise; records which interpreters were probed. */
function inputs(overrides: Partial<DiscoveryInputs> & { importable?: string[]; onPath?: string[] } = {}) {
  const probed: string[][] = [];
  const { importable = [], onPath = [], ...rest } = overrides;
  const base: DiscoveryInputs = {
    serverCommand: [],
    interpreter: '',
    canImportServer: async (python) => {
      probed.push(python);
      return importable.includes(python[0]);
    },
    which: async (name) => (onPath.includes(name) ? `/usr/local/bin/${name}` : undefined),
  };
  return { probed, inputs: { ...base, ...rest } };
}

describe('discoverServer', () => {
  it('uses nki.serverCommand as given, without probing', async () => {
    const { probed, inputs: given } = inputs({ serverCommand: ['${workspaceFolder}/venv/bin/nki-ls', '--stdio'],
      variables: { workspaceFolder: '/ws' }, importable: ['/usr/bin/python3'], interpreter: '/usr/bin/python3' });
    const result = await discoverServer(given);
    assert.deepEqual(result, { found: true, launch: { command: '/ws/venv/bin/nki-ls', args: ['--stdio'], source: 'nki.serverCommand' } });
    assert.deepEqual(probed, []);
  });

  it('runs `-m nki_ls` with nki.interpreter when it can import the server', async () => {
    const { inputs: given } = inputs({ interpreter: '~/venv/bin/python', variables: { userHome: '/home/u' },
      importable: ['/home/u/venv/bin/python'] });
    const result = await discoverServer(given);
    assert.deepEqual(result, { found: true,
      launch: { command: '/home/u/venv/bin/python', args: ['-m', 'nki_ls', '--stdio'], source: 'nki.interpreter' } });
  });

  it('does not fall back when nki.interpreter lacks the server, and says how to install it', async () => {
    const { inputs: given } = inputs({ interpreter: '/opt/py', onPath: ['nki-ls'], activeInterpreter: ['/venv/bin/python'],
      importable: ['/venv/bin/python'] });
    const result = await discoverServer(given);
    assert.equal(result.found, false);
    if (!result.found) {
      assert.match(result.notFound.problem, /nki\.interpreter/);
      assert.doesNotMatch(result.notFound.problem, /PATH/);
      assert.equal(result.notFound.installCommand, '/opt/py -m pip install nki-toolchain');
      assert.ok(result.notFound.fixes.some((fix) => fix.includes('/opt/py -m pip install nki-toolchain')));
    }
  });

  it("prefers the Python extension's active interpreter to PATH", async () => {
    const { inputs: given } = inputs({ activeInterpreter: ['conda', 'run', '-n', 'nki', 'python'],
      importable: ['conda'], onPath: ['nki-ls'] });
    const result = await discoverServer(given);
    assert.deepEqual(result, { found: true,
      launch: { command: 'conda', args: ['run', '-n', 'nki', 'python', '-m', 'nki_ls', '--stdio'], source: 'Python extension' } });
  });

  it('falls back to nki-ls on PATH when the active interpreter lacks the server', async () => {
    const { probed, inputs: given } = inputs({ activeInterpreter: ['/venv/bin/python'], onPath: ['nki-ls'] });
    const result = await discoverServer(given);
    assert.deepEqual(result, { found: true, launch: { command: '/usr/local/bin/nki-ls', args: ['--stdio'], source: 'PATH' } });
    assert.deepEqual(probed, [['/venv/bin/python']]);
  });

  it('names the active interpreter and its install command when nothing is found', async () => {
    const { inputs: given } = inputs({ activeInterpreter: ['/my env/bin/python'] });
    const result = await discoverServer(given);
    assert.equal(result.found, false);
    if (!result.found) {
      assert.equal(result.notFound.installCommand, "'/my env/bin/python' -m pip install nki-toolchain");
      assert.match(result.notFound.problem, /active Python interpreter.*not on PATH/);
    }
  });

  it('explains what to do without any interpreter or PATH entry', async () => {
    const result = await discoverServer(inputs().inputs);
    assert.equal(result.found, false);
    if (!result.found) {
      assert.match(result.notFound.problem, /not on PATH/);
      assert.ok(result.notFound.fixes.some((fix) => fix.includes('pip install nki-toolchain')));
      assert.equal(result.notFound.installCommand, undefined);
    }
  });
});

describe('launch helpers', () => {
  it('turns a server launch into a batch command', () => {
    const launch = { command: 'python', args: ['-m', 'nki_ls', '--stdio'], source: 'PATH' as const };
    assert.deepEqual(cliCommand(launch, ['--ir', 'k.py::f']), { command: 'python', args: ['-m', 'nki_ls', '--ir', 'k.py::f'] });
    assert.equal(describeLaunch(launch), 'python -m nki_ls --stdio (from PATH)');
  });

  it('expands known variables and leaves unknown ones', () => {
    assert.equal(expandVariables('${workspaceFolder}/x ${other}', { workspaceFolder: '/w' }), '/w/x ${other}');
    assert.equal(expandVariables('~/bin/python', { userHome: '/h' }), '/h/bin/python');
    assert.equal(expandVariables('~user/python', { userHome: '/h' }), '~user/python');
  });
});
