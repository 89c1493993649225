// What the server's kernel commands answer, as text for a document. Pure, unit-tested.

/**
 * The server answers a string or an object with the report in `text` (or `ir`, `report`, `output`) and
 * optionally `diagnostics` (strings) and `error`; those are appended as comment lines. Anything else is
 * shown as JSON, so that nothing the server says is lost.
 */
export function resultText(result: unknown): string {
  if (typeof result === 'string') {
    return result;
  }
  if (!result || typeof result !== 'object') {
    return JSON.stringify(result, null, 2);
  }
  const answer = result as Record<string, unknown>;
  const key = ['text', 'ir', 'report', 'output'].find((name) => typeof answer[name] === 'string');
  if (key === undefined) {
    return JSON.stringify(result, null, 2);
  }
  const lines = [(answer[key] as string).replace(/\n$/, '')];
  const problems = Array.isArray(answer.diagnostics) ? answer.diagnostics.filter((d) => typeof d === 'string') : [];
  if (problems.length > 0) {
    lines.push('', '# problems:', ...problems.map((problem) => `#   ${problem}`));
  }
  if (typeof answer.error === 'string' && answer.error) {
    lines.push('', `# error: ${answer.error}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The failure an answer reports in `error` (a string), if any. */
export function resultError(result: unknown): string | undefined {
  if (!result || typeof result !== 'object') {
    return undefined;
  }
  const error = (result as Record<string, unknown>).error;
  return typeof error === 'string' && error ? error : undefined;
}

export interface RunNotice {
  kind: 'info' | 'warning';
  message: string;
}

const MAX_NOTICE_CHARS = 240;

/**
 * The notification after a run: `nki.run` answers `{summary: string[], findings: string[], error}`;
 * the batch mode answers its text, whose lines are the summary.
 */
export function runNotice(kernel: string, result: unknown): RunNotice {
  const error = resultError(result);
  if (error === 'cancelled') {
    return { kind: 'info', message: `NKI: the run of ${kernel} was cancelled.` };
  }
  if (error) {
    return { kind: 'warning', message: `NKI: ${kernel} did not run to the end: ${error}` };
  }
  const answer = result && typeof result === 'object' ? (result as Record<string, unknown>) : {};
  const summary = Array.isArray(answer.summary)
    ? answer.summary.filter((line): line is string => typeof line === 'string')
    : resultText(result).split('\n').filter((line) => line.trim() && !line.startsWith('#'));
  const findings = Array.isArray(answer.findings) ? answer.findings.length : 0;
  const outputs = summary.length > 0 ? `: ${shorten(summary.join('; '))}` : '';
  const found = findings > 0 ? ` ${findings} finding${findings === 1 ? '' : 's'}, see the NKI output.` : '';
  return { kind: findings > 0 ? 'warning' : 'info', message: `NKI: ${kernel} ran in the simulator${outputs}.${found}` };
}

function shorten(text: string): string {
  return text.length <= MAX_NOTICE_CHARS ? text : `${text.slice(0, MAX_NOTICE_CHARS - 1)}…`;
}
