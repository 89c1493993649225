// Finding the language server: nki.serverCommand, then nki.interpreter, then the Python extension's
// active interpreter, then `nki-ls` on PATH. Pure (the probes are injected) so it is unit-tested.

export type LaunchSource = 'nki.serverCommand' | 'nki.interpreter' | 'Python extension' | 'PATH';

export interface ServerLaunch {
  command: string;
  args: string[];
  source: LaunchSource;
}

export interface NotFound {
  /** One sentence: what was tried and why it failed. */
  problem: string;
  /** Concrete things the user can do, most likely first (shown as the notification's detail). */
  fixes: string[];
  /** A command line that would install the server into the interpreter we know about, if any. */
  installCommand?: string;
}

export type Discovery = { found: true; launch: ServerLaunch } | { found: false; notFound: NotFound };

export interface DiscoveryInputs {
  serverCommand: string[];
  interpreter: string;
  /** The Python extension's active interpreter (argv, usually one path), when that extension is present. */
  activeInterpreter?: string[];
  /** Whether `python -c "import nki_ls"` succeeds for this interpreter argv. */
  canImportServer: (python: string[]) => Promise<boolean>;
  /** Absolute path of an executable on PATH, or undefined. */
  which: (name: string) => Promise<string | undefined>;
  /** Values for `${workspaceFolder}`, `${userHome}` and `~` in configured paths. */
  variables?: Record<string, string>;
}

export const SERVER_MODULE = 'nki_ls';
export const SERVER_EXECUTABLE = 'nki-ls';
export const PACKAGE_NAME = 'nki-toolchain';
const STDIO = '--stdio';

export async function discoverServer(inputs: DiscoveryInputs): Promise<Discovery> {
  const vars = inputs.variables ?? {};
  if (inputs.serverCommand.length > 0) {
    const [command, ...args] = inputs.serverCommand.map((part) => expandVariables(part, vars));
    return { found: true, launch: { command, args, source: 'nki.serverCommand' } };
  }
  if (inputs.interpreter) {
    const python = expandVariables(inputs.interpreter, vars);
    if (await inputs.canImportServer([python])) {
      return { found: true, launch: moduleLaunch([python], 'nki.interpreter') };
    }
    return { found: false, notFound: missingFrom([python], 'nki.interpreter') };
  }
  const active = inputs.activeInterpreter;
  if (active && active.length > 0 && await inputs.canImportServer(active)) {
    return { found: true, launch: moduleLaunch(active, 'Python extension') };
  }
  const executable = await inputs.which(SERVER_EXECUTABLE);
  if (executable) {
    return { found: true, launch: { command: executable, args: [STDIO], source: 'PATH' } };
  }
  if (active && active.length > 0) {
    return { found: false, notFound: missingFrom(active, 'Python extension') };
  }
  return {
    found: false,
    notFound: {
      problem: `The NKI language server was not found: no Python interpreter is selected and \`${SERVER_EXECUTABLE}\` is not on PATH.`,
      fixes: [
        `Install it with \`pip install ${PACKAGE_NAME}\` into the environment you use for your kernels.`,
        'Then set "nki.interpreter" to that environment\'s python, or select it with "Python: Select Interpreter".',
      ],
    },
  };
}

function moduleLaunch(python: string[], source: LaunchSource): ServerLaunch {
  const [command, ...rest] = python;
  return { command, args: [...rest, '-m', SERVER_MODULE, STDIO], source };
}

function missingFrom(python: string[], source: LaunchSource): NotFound {
  const shown = python.map(quote).join(' ');
  const installCommand = `${shown} -m pip install ${PACKAGE_NAME}`;
  const where = source === 'nki.interpreter' ? 'the interpreter set in "nki.interpreter"' : 'the active Python interpreter';
  return {
    problem: `The NKI language server is not installed in ${where} (${shown}: \`import ${SERVER_MODULE}\` fails)`
      + (source === 'nki.interpreter' ? '.' : `, and \`${SERVER_EXECUTABLE}\` is not on PATH.`),
    fixes: [
      `Install it: \`${installCommand}\`.`,
      source === 'nki.interpreter'
        ? 'Or point "nki.interpreter" at an environment that has it.'
        : 'Or select an environment that has it ("Python: Select Interpreter"), or set "nki.interpreter".',
    ],
    installCommand,
  };
}

/** The same program as a batch command: the launch argv without `--stdio`, plus `extra`. */
export function cliCommand(launch: ServerLaunch, extra: string[]): { command: string; args: string[] } {
  return { command: launch.command, args: [...launch.args.filter((arg) => arg !== STDIO), ...extra] };
}

export function expandVariables(text: string, vars: Record<string, string>): string {
  let out = text.replace(/\$\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
  if ((out === '~' || out.startsWith('~/')) && vars.userHome) {
    out = vars.userHome + out.slice(1);
  }
  return out;
}

export function describeLaunch(launch: ServerLaunch): string {
  return `${[launch.command, ...launch.args].map(quote).join(' ')} (from ${launch.source})`;
}

function quote(part: string): string {
  return /^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, `'\\''`)}'`;
}
