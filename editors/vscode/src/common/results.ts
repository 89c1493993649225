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
