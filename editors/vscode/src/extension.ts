// NKI extension: finds and starts the nki-ls language server, forwards the nki.* settings, and adds
// the status item, the output channel and the kernel commands.
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind, WorkDoneProgress,
  WorkDoneProgressCancelNotification, WorkDoneProgressCreateRequest,
} from 'vscode-languageclient/node';

import { runKernel, showIR, showProfile } from './commands';
import { IR_SCHEME, PROFILE_SCHEME, VirtualDocuments } from './common/documents';
import { ProgressView, ServerProgress } from './common/progress';
import { activeInterpreter, canImportServer, onActiveInterpreterChange, which } from './common/python';
import { describeLaunch, discoverServer, NotFound, ServerLaunch } from './common/server';
import { ExtensionSettings, needsRestart, readSettings, serverSettings } from './common/settings';
import { StatusItem } from './common/status';

const CLIENT_ID = 'nki';
const CLIENT_NAME = 'NKI Language Server';
const LAUNCH_SETTINGS = ['interpreter', 'serverCommand'];

let session: Session | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  session = new Session(context);
  await session.start();
}

export async function deactivate(): Promise<void> {
  await session?.stop();
  session = undefined;
}

class Session {
  readonly log = vscode.window.createOutputChannel('NKI', { log: true });
  readonly documents = new VirtualDocuments();
  private readonly status = new StatusItem();
  private readonly progress = new ServerProgress(
    openWindowProgress, (token) => void this.client?.sendNotification(WorkDoneProgressCancelNotification.type, { token }));
  private current: ExtensionSettings;
  private client: LanguageClient | undefined;
  private launch: ServerLaunch | undefined;
  private starting: Promise<void> | undefined;

  constructor(context: vscode.ExtensionContext) {
    this.current = this.readSettings();
    this.status.setTarget(this.current.target);
    const host = {
      client: () => this.client,
      launch: () => this.launch,
      settings: () => this.current,
      log: this.log,
      documents: this.documents,
      progress: this.progress,
    };
    context.subscriptions.push(
      this.log, this.documents, this.status,
      vscode.workspace.registerTextDocumentContentProvider(IR_SCHEME, this.documents),
      vscode.workspace.registerTextDocumentContentProvider(PROFILE_SCHEME, this.documents),
      vscode.commands.registerCommand('nki.restartServer', () => this.restart()),
      vscode.commands.registerCommand('nki.showOutput', () => this.log.show()),
      // not `nki.showIR`: the language client registers the server's own command under that name
      vscode.commands.registerCommand('nki.showKernelIR', () => showIR(host)),
      vscode.commands.registerCommand('nki.runKernel', () => runKernel(host)),
      vscode.commands.registerCommand('nki.showProfile', () => showProfile(host)),
      vscode.workspace.onDidChangeConfiguration((event) => this.onConfigurationChange(event)),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.showStatusFor(editor)),
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        this.current = this.readSettings();
        void this.restart();
      }),
    );
    this.showStatusFor(vscode.window.activeTextEditor);
    void onActiveInterpreterChange(() => {
      if (!this.current.interpreter && this.current.serverCommand.length === 0) {
        this.log.info('the active Python interpreter changed: restarting the server');
        void this.restart();
      }
    }).then((disposable) => disposable && context.subscriptions.push(disposable));
  }

  async start(): Promise<void> {
    this.starting ??= this.startOnce().finally(() => { this.starting = undefined; });
    return this.starting;
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.progress.clear();
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.log.warn(`stopping the server: ${String(error)}`);
      }
      await client.dispose();
    }
    this.status.update('stopped');
  }

  async restart(): Promise<void> {
    await this.starting;
    await this.stop();
    await this.start();
  }

  private async startOnce(): Promise<void> {
    this.status.update('starting', '');
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const discovery = await discoverServer({
      serverCommand: this.current.serverCommand,
      interpreter: this.current.interpreter,
      // probing runs the interpreter, which an untrusted folder may have chosen
      activeInterpreter: vscode.workspace.isTrusted ? await activeInterpreter(folder) : undefined,
      canImportServer,
      which,
      variables: { workspaceFolder: folder?.fsPath ?? '', userHome: os.homedir() },
    });
    if (!discovery.found) {
      this.launch = undefined;
      this.reportNotFound(discovery.notFound);
      return;
    }
    this.launch = discovery.launch;
    this.log.info(`starting the server: ${describeLaunch(discovery.launch)}`);
    const client = this.createClient(discovery.launch);
    this.client = client;
    try {
      await client.start();
      this.routeProgress(client);
      const info = client.initializeResult?.serverInfo;
      this.log.info(`server running: ${info ? `${info.name} ${info.version ?? ''}` : 'unnamed'}`);
    } catch (error) {
      this.status.update('failed', describeLaunch(discovery.launch));
      this.log.error(`the server failed to start: ${String(error)}`);
      void this.offerFixes(`NKI: the language server failed to start (${describeLaunch(discovery.launch)}).`, []);
    }
  }

  private createClient(launch: ServerLaunch): LanguageClient {
    const run = { command: launch.command, args: launch.args, transport: TransportKind.stdio };
    const serverOptions: ServerOptions = { run, debug: run };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', language: 'python' }, { scheme: 'untitled', language: 'python' }],
      initializationOptions: serverSettings(this.current),
      outputChannel: this.log,
      traceOutputChannel: this.log,
      middleware: {
        workspace: {   // the server may pull settings: answer its section from our validated copy
          configuration: async (params, token, next) => {
            const fromEditor = await next(params, token);
            if (!Array.isArray(fromEditor)) {
              return fromEditor;   // an error from the editor: pass it on
            }
            return params.items.map((item, index) => (item.section === 'nki' ? serverSettings(this.current).nki : fromEditor[index]));
          },
        },
      },
    };
    const client = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    client.onDidChangeState((event) => {
      const state = event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped';
      this.status.update(state, describeLaunch(launch));
    });
    return client;
  }

  /**
   * Replaces the client's own handler (registered during start): its progress is a status bar item
   * that cannot be cancelled, while a run started by NKI: Run Kernel in Simulator needs a notification
   * with a Cancel button (see common/progress.ts).
   */
  private routeProgress(client: LanguageClient): void {
    client.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
      this.progress.create(token);
      const listener = client.onProgress(WorkDoneProgress.type, token, (value) => {
        this.progress.handle(token, value);
        if (value.kind === 'end') {
          listener.dispose();
        }
      });
    });
  }

  private async onConfigurationChange(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration('nki')) {
      return;
    }
    const before = this.current;
    this.current = this.readSettings();
    this.status.setTarget(this.current.target);
    if (needsRestart(before, this.current)) {
      this.log.info('launch settings changed: restarting the server');
      await this.restart();
    } else if (this.client?.isRunning()) {
      const settings = serverSettings(this.current);
      this.log.info(`settings sent to the server: ${JSON.stringify(settings.nki)}`);
      await this.client.sendNotification('workspace/didChangeConfiguration', { settings });
    }
  }

  private readSettings(): ExtensionSettings {
    const config = vscode.workspace.getConfiguration('nki');
    const trusted = vscode.workspace.isTrusted;
    const { settings, warnings } = readSettings((key) => {
      const inspected = config.inspect(key);   // only values the user set; undefined means "default"
      if (!trusted && LAUNCH_SETTINGS.includes(key)) {
        return inspected?.globalValue;   // an untrusted folder must not choose the program we start
      }
      return inspected?.workspaceFolderValue ?? inspected?.workspaceValue ?? inspected?.globalValue;
    });
    for (const warning of warnings) {
      this.log.warn(warning);
      void vscode.window.showWarningMessage(`NKI: ${warning}`);
    }
    return settings;
  }

  private reportNotFound(notFound: NotFound): void {
    this.status.update('notFound', notFound.problem);
    this.log.error([notFound.problem, ...notFound.fixes, `(searched PATH: ${process.env.PATH ?? ''})`].join('\n  '));
    void this.offerFixes(`NKI: ${notFound.problem} ${notFound.fixes.join(' ')}`, notFound.installCommand ? [notFound.installCommand] : []);
  }

  private async offerFixes(message: string, installCommands: string[]): Promise<void> {
    const install = 'Install';
    const settings = 'Open Settings';
    const retry = 'Restart Server';
    const actions = installCommands.length > 0 ? [install, settings, retry] : [settings, retry];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === install) {
      const terminal = vscode.window.createTerminal('NKI: install nki-toolchain');
      terminal.show();
      terminal.sendText(installCommands[0]);
      void vscode.window.showInformationMessage('NKI: when the installation has finished, restart the server.', retry)
        .then(async (again) => {
          if (again === retry) {
            await this.restart();
          }
        });
    } else if (choice === settings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'nki.interpreter');
    } else if (choice === retry) {
      await this.restart();
    }
  }

  private showStatusFor(editor: vscode.TextEditor | undefined): void {
    const scheme = editor?.document.uri.scheme;
    this.status.setVisible(editor?.document.languageId === 'python' || scheme === IR_SCHEME || scheme === PROFILE_SCHEME);
  }
}

/** A status bar progress that lasts until `close()` (which may come before the editor shows it). */
function openWindowProgress(title: string): ProgressView {
  let closed = false;
  let close = (): void => undefined;
  let report: ProgressView['report'] = () => undefined;
  void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `NKI: ${title}` }, (progress) => {
    report = (message, increment) => progress.report({ message, increment });
    return closed ? Promise.resolve() : new Promise<void>((resolve) => { close = resolve; });
  });
  return {
    report: (message, increment) => report(message, increment),
    close: () => { closed = true; close(); },
  };
}
