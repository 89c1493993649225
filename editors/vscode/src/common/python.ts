// Where Python comes from: the Python extension's active interpreter (when that extension is
// installed), whether an interpreter can import the server, and executables on PATH.
import { execFile } from 'node:child_process';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

import { SERVER_MODULE } from './server';

const PYTHON_EXTENSION = 'ms-python.python';
const PROBE_TIMEOUT_MS = 20_000;

/** The subset of the Python extension's API that we use (both the new and the legacy shape). */
interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string }): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails(resource?: vscode.Uri): { execCommand: string[] | undefined };
    onDidChangeExecutionDetails?: vscode.Event<unknown>;
  };
}

async function pythonApi(): Promise<PythonApi | undefined> {
  const extension = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!extension) {
    return undefined;
  }
  try {
    return extension.isActive ? extension.exports : await extension.activate();
  } catch {
    return undefined;
  }
}

/** The active interpreter's argv (e.g. ["/venv/bin/python"]), or undefined without the Python extension. */
export async function activeInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
  const api = await pythonApi();
  try {
    if (api?.environments) {
      const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
      const executable = env?.executable.uri?.fsPath;
      if (executable) {
        return [executable];
      }
    }
    const command = api?.settings?.getExecutionDetails(resource).execCommand;
    return command && command.length > 0 ? command : undefined;
  } catch {
    return undefined;   // a broken environment is the same as none: discovery goes on to PATH
  }
}

/** Fires when the user selects another interpreter in the Python extension. */
export async function onActiveInterpreterChange(listener: () => void): Promise<vscode.Disposable | undefined> {
  const api = await pythonApi();
  const event = api?.environments?.onDidChangeActiveEnvironmentPath ?? api?.settings?.onDidChangeExecutionDetails;
  return event ? event(() => listener()) : undefined;
}

export function canImportServer(python: string[]): Promise<boolean> {
  const [command, ...args] = python;
  return new Promise((resolve) => {
    // from a neutral folder: a source checkout in the current folder must not count as installed
    execFile(command, [...args, '-c', `import ${SERVER_MODULE}`], { timeout: PROBE_TIMEOUT_MS, cwd: os.tmpdir() },
      (error) => resolve(!error));
  });
}

export async function which(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
