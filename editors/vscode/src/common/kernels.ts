// Which kernel a command applies to: the `@nki.jit` functions of a file, found from its text, and the
// one that contains the cursor. Pure; the server remains the authority on what is a kernel.

export interface KernelLocation {
  name: string;
  /** 0-based line of the `def`. */
  defLine: number;
  /** 0-based last line of the function body (inclusive). */
  endLine: number;
}

const DEF = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)\s*\(/;
const DECORATOR = /^\s*@/;
const JIT_DECORATOR = /^\s*@\s*(?:[A-Za-z_][\w.]*\.)?jit\b/;

/** Top-level and nested functions decorated with `@nki.jit` (any `@<module>.jit` or `@jit`). */
export function findKernels(text: string): KernelLocation[] {
  const lines = text.split(/\r\n|\r|\n/);
  const kernels: KernelLocation[] = [];
  lines.forEach((line, index) => {
    const match = DEF.exec(line);
    if (!match || !decoratedWithJit(lines, index)) {
      return;
    }
    kernels.push({ name: match[2], defLine: index, endLine: blockEnd(lines, index, match[1].length) });
  });
  return kernels;
}

/** The kernel around `line`, else the only kernel of the file, else undefined (the caller asks). */
export function kernelAt(kernels: KernelLocation[], line: number): KernelLocation | undefined {
  const around = kernels.filter((k) => k.defLine <= line && line <= k.endLine);
  if (around.length > 0) {
    return around[around.length - 1];
  }
  return kernels.length === 1 ? kernels[0] : undefined;
}

function decoratedWithJit(lines: string[], defLine: number): boolean {
  for (let i = defLine - 1; i >= 0; i--) {
    const line = lines[i];
    if (JIT_DECORATOR.test(line)) {
      return true;
    }
    if (!DECORATOR.test(line) && !isContinuation(line)) {
      return false;
    }
  }
  return false;
}

function isContinuation(line: string): boolean {   // blank, comment, or a multi-line decorator's argument line
  const trimmed = line.trim();
  return trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(')') || trimmed.endsWith(',');
}

function blockEnd(lines: string[], defLine: number, indent: number): number {
  let end = defLine;
  for (let i = defLine + 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '' || line.trim().startsWith('#')) {
      continue;
    }
    if (line.length - line.trimStart().length <= indent) {
      break;
    }
    end = i;
  }
  return end;
}
