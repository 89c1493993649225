// The extension's settings (design.md §6) read from a configuration getter, validated, and mapped to
// what the server receives. Pure: no `vscode` import, so node's test runner covers it.

export const TARGETS = ['trn1', 'trn2', 'trn3'] as const;
export type Target = (typeof TARGETS)[number];

/** Settings that the language server understands (initializationOptions / didChangeConfiguration). */
export interface ServerSettings {
  target: Target;
  runOnSave: boolean;
  select: string[];
  ignore: string[];
  inlayHints: boolean;
  simulator: { timeoutSeconds: number };
}

/** Everything under `nki.*`, including the extension's own launch settings. */
export interface ExtensionSettings extends ServerSettings {
  interpreter: string;
  serverCommand: string[];
}

export const DEFAULTS: ExtensionSettings = {
  target: 'trn2',
  runOnSave: false,
  select: [],
  ignore: [],
  inlayHints: false,
  simulator: { timeoutSeconds: 30 },
  interpreter: '',
  serverCommand: [],
};

/** `get('simulator.timeoutSeconds')`: the value under `nki.` or undefined when unset. */
export type ConfigGetter = (key: string) => unknown;

export interface ReadResult {
  settings: ExtensionSettings;
  /** One sentence per invalid value, naming the setting; the default is used instead. */
  warnings: string[];
}

const MAX_TIMEOUT_SECONDS = 3600;

export function readSettings(get: ConfigGetter): ReadResult {
  const warnings: string[] = [];
  const pick = <T>(key: string, fallback: T, parse: (value: unknown) => T | undefined, expected: string): T => {
    const raw = get(key);
    if (raw === undefined || raw === null) {
      return fallback;
    }
    const parsed = parse(raw);
    if (parsed === undefined) {
      warnings.push(`nki.${key}: ${JSON.stringify(raw)} is not ${expected}; using ${JSON.stringify(fallback)}`);
      return fallback;
    }
    return parsed;
  };
  return {
    settings: {
      target: pick('target', DEFAULTS.target, parseTarget, `one of ${TARGETS.join(', ')}`),
      runOnSave: pick('runOnSave', DEFAULTS.runOnSave, parseFlag, 'true or false'),
      select: pick('select', DEFAULTS.select, parseCodes, 'a list of codes such as ["NKI203", "NKI5"]'),
      ignore: pick('ignore', DEFAULTS.ignore, parseCodes, 'a list of codes such as ["NKI203", "NKI5"]'),
      inlayHints: pick('inlayHints', DEFAULTS.inlayHints, parseFlag, 'true or false'),
      simulator: {
        timeoutSeconds: pick('simulator.timeoutSeconds', DEFAULTS.simulator.timeoutSeconds, parseSeconds,
          `a number of seconds in (0, ${MAX_TIMEOUT_SECONDS}]`),
      },
      interpreter: pick('interpreter', DEFAULTS.interpreter, parsePath, 'a path to a Python interpreter'),
      serverCommand: pick('serverCommand', DEFAULTS.serverCommand, parseArgv, 'a list of strings'),
    },
    warnings,
  };
}

/** The server's view: only the keys it knows (it warns about unknown ones), nested under `nki`. */
export function serverSettings(settings: ExtensionSettings): { nki: ServerSettings } {
  const { target, runOnSave, select, ignore, inlayHints, simulator } = settings;
  return { nki: { target, runOnSave, select, ignore, inlayHints, simulator: { ...simulator } } };
}

/** Whether a settings change needs a new server process (launch settings) rather than a notification. */
export function needsRestart(before: ExtensionSettings, after: ExtensionSettings): boolean {
  return before.interpreter !== after.interpreter
    || JSON.stringify(before.serverCommand) !== JSON.stringify(after.serverCommand);
}

function parseTarget(value: unknown): Target | undefined {
  if (typeof value !== 'string') {
    return undefined;
  }
  const lowered = value.trim().toLowerCase();
  return (TARGETS as readonly string[]).includes(lowered) ? (lowered as Target) : undefined;
}

function parseFlag(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/** Codes are upper-cased, trimmed and de-duplicated; a comma-separated string is accepted too. */
function parseCodes(value: unknown): string[] | undefined {
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    return undefined;
  }
  const codes = items.map((item: string) => item.trim().toUpperCase()).filter((item) => item.length > 0);
  return [...new Set(codes)];
}

function parseSeconds(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value <= MAX_TIMEOUT_SECONDS
    ? value : undefined;
}

function parsePath(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : undefined;
}

function parseArgv(value: unknown): string[] | undefined {
  if (typeof value === 'string') {
    return value.trim() ? [value.trim()] : [];
  }
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    return undefined;
  }
  return value.filter((item: string) => item.length > 0);
}
