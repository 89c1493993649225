// Kernel commands (Run in Simulator, Show IR, Show Profile): through the server's
// workspace/executeCommand when it offers the command, else through the same program's batch CLI
// (`nki-ls --ir|--run|--profile PATH::KERNEL`). Results go to virtual documents and the output channel.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from 'vscode-languageclient/node';

import { IR_SCHEME, PROFILE_SCHEME, VirtualDocuments } from './common/documents';
import { findKernels, kernelAt } from './common/kernels';
import { cliCommand, ServerLaunch } from './common/server';
import { ServerProgress } from './common/progress';
import { resultError, resultText, runNotice } from './common/results';
import { ExtensionSettings } from './common/settings';

export interface KernelCommandHost {
  client(): LanguageClient | undefined;
  launch(): ServerLaunch | undefined;
  settings(): ExtensionSettings;
  log: vscode.LogOutputChannel;
  documents: VirtualDocuments;
  progress: ServerProgress;
}

interface KernelTarget {
  document: vscode.TextDocument;
  kernel: string;
}

type Mode = 'ir' | 'run' | 'profile';
const SERVER_COMMAND: Record<Mode, string> = { ir: 'nki.showIR', run: 'nki.run', profile: 'nki.profile' };
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;
const CANCEL_GRACE_MS = 10_000;

export async function showIR(host: KernelCommandHost): Promise<void> {
  const target = await pickKernel();
  if (!target) {
    return;
  }
  const outcome = await runKernelCommand(host, 'ir', target, {});
  if (outcome !== undefined) {
    await host.documents.show(IR_SCHEME, `${target.kernel}.ir`, target.document.uri, outcome.text);
  }
}

export async function runKernel(host: KernelCommandHost): Promise<void> {
  const target = await pickKernel();
  if (!target) {
    return;
  }
  const title = `running ${target.kernel}`;   // the server's progress title for nki.run
  const outcome = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `NKI: ${title}`, cancellable: true },
    async (progress, cancellation) => {
      const claim = host.progress.claim(title, {
        report: (message, increment) => progress.report({ message, increment }),
        close: () => undefined,   // the notification closes when the command returns
      });
      const abort = new AbortController();   // the batch mode's process
      const stopped = cancellation.onCancellationRequested(() => {
        host.log.info(`NKI: cancelling the run of ${target.kernel}`);
        claim.cancel();
        abort.abort();
      });
      try {
        return await runKernelCommand(host, 'run', target, {}, abort.signal);
      } finally {
        stopped.dispose();
        claim.dispose();
      }
    });
  if (outcome === undefined) {
    return;
  }
  host.log.info(`NKI: Run ${target.kernel}\n${outcome.text}`);
  host.log.show(true);
  const notice = runNotice(target.kernel, outcome.result);
  if (notice.kind === 'warning') {
    void vscode.window.showWarningMessage(notice.message);
  } else {
    void vscode.window.showInformationMessage(notice.message);
  }
}

export async function showProfile(host: KernelCommandHost): Promise<void> {
  const target = await pickKernel();
  if (!target) {
    return;
  }
  const trace = tracePath(target);
  const outcome = await runKernelCommand(host, 'profile', target, { trace });
  if (outcome === undefined) {
    return;
  }
  await host.documents.show(PROFILE_SCHEME, `${target.kernel}.profile`, target.document.uri, outcome.text);
  const traceUri = vscode.Uri.file(trace);
  if (!await exists(traceUri)) {   // the server's nki.profile may not write traces: the batch mode does
    const launch = host.launch();
    await (launch ? runCli(host, 'profile', launch, target, { trace }).catch(() => '') : undefined);
    if (!await exists(traceUri)) {
      return;   // no trace from this back end: the report alone is the result
    }
  }
  const reveal = 'Reveal';
  const choice = await vscode.window.showInformationMessage(
    `NKI: Perfetto trace saved as ${path.basename(trace)} (open it in ui.perfetto.dev).`, reveal);
  if (choice === reveal) {
    await vscode.commands.executeCommand('revealInExplorer', traceUri);
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** `<folder>/<stem>.<kernel>.trace.json`, next to the kernel. */
export function tracePath(target: KernelTarget): string {
  const file = target.document.uri.fsPath;
  return path.join(path.dirname(file), `${path.parse(file).name}.${target.kernel}.trace.json`);
}

async function pickKernel(): Promise<KernelTarget | undefined> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python' || editor.document.uri.scheme !== 'file') {
    void vscode.window.showWarningMessage('NKI: open a Python file with an @nki.jit kernel first.');
    return undefined;
  }
  const kernels = findKernels(editor.document.getText());
  if (kernels.length === 0) {
    void vscode.window.showWarningMessage('NKI: this file has no @nki.jit kernel.');
    return undefined;
  }
  const here = kernelAt(kernels, editor.selection.active.line);
  const name = here?.name ?? await vscode.window.showQuickPick(kernels.map((k) => k.name), { placeHolder: 'Kernel' });
  return name ? { document: editor.document, kernel: name } : undefined;
}

interface Outcome {
  text: string;
  /** The failure the server reported along with its text (e.g. a simulator error). */
  error?: string;
  /** The answer as received: the server's object, or the batch mode's text. */
  result: unknown;
}

async function runKernelCommand(
  host: KernelCommandHost, mode: Mode, target: KernelTarget, extra: { trace?: string }, signal?: AbortSignal,
): Promise<Outcome | undefined> {
  const settings = host.settings();
  const client = host.client();
  const offered = client?.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  try {
    if (client && offered.includes(SERVER_COMMAND[mode])) {
      const request = client.sendRequest('workspace/executeCommand', {
        command: SERVER_COMMAND[mode],
        arguments: [{ uri: target.document.uri.toString(), kernel: target.kernel, target: settings.target, ...extra }],
      });
      const result: unknown = await (signal ? Promise.race([request, cancelledAnswer(signal)]) : request);
      return { text: resultText(result), error: resultError(result), result };
    }
    const launch = host.launch();
    if (!launch) {
      void vscode.window.showErrorMessage('NKI: the language server is not available (see NKI: Show Output).');
      return undefined;
    }
    const text = await runCli(host, mode, launch, target, extra, signal);
    return { text, result: text };
  } catch (error) {
    if (signal?.aborted) {
      return { text: 'cancelled', error: 'cancelled', result: { error: 'cancelled' } };
    }
    const message = error instanceof Error ? error.message : String(error);
    host.log.error(`${SERVER_COMMAND[mode]} ${target.kernel}: ${message}`);
    void vscode.window.showErrorMessage(`NKI: ${SERVER_COMMAND[mode]} failed for ${target.kernel}: ${lastLine(message)}`);
    return undefined;
  }
}

async function runCli(
  host: KernelCommandHost, mode: Mode, launch: ServerLaunch, target: KernelTarget, extra: { trace?: string },
  signal?: AbortSignal,
): Promise<string> {
  const settings = host.settings();
  const file = target.document.uri.fsPath;
  const flags = [`--${mode}`, `${file}::${target.kernel}`, '--target', settings.target];
  if (extra.trace) {
    flags.push('--trace', extra.trace);
  }
  const { command, args } = cliCommand(launch, flags);
  const cwd = vscode.workspace.getWorkspaceFolder(target.document.uri)?.uri.fsPath ?? path.dirname(file);
  const timeout = mode === 'ir' ? 60_000 : (settings.simulator.timeoutSeconds + 30) * 1000;
  host.log.info(`running ${[command, ...args].join(' ')}`);
  const header = target.document.isDirty ? '# NKI: unsaved changes are not included; save the file to see them.\n' : '';
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, timeout, maxBuffer: MAX_OUTPUT_BYTES, signal }, (error, stdout, stderr) => {
      const exitCode = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
      if (exitCode === 0 || exitCode === 1) {   // 1: the kernel has errors, which the output explains
        resolve(header + stdout + (stderr ? `\n${stderr}` : ''));
      } else {
        reject(new Error((stderr || error?.message || `exit ${exitCode}`).trim()));
      }
    });
  });
}

/** Resolves CANCEL_GRACE_MS after `signal` aborts: a server that never confirms is not waited for. */
function cancelledAnswer(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => {
    signal.addEventListener('abort', () => {
      setTimeout(() => resolve({ error: 'cancelled', text: 'cancelled (the server did not confirm in time)' }), CANCEL_GRACE_MS);
    }, { once: true });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((line) => line.trim());
  return lines[lines.length - 1] ?? text;
}
