// The status bar item: server state and target; a click opens the output channel.
import * as vscode from 'vscode';

export type ServerState = 'starting' | 'running' | 'stopped' | 'notFound' | 'failed';

const ICONS: Record<ServerState, string> = {
  starting: '$(sync~spin)',
  running: '$(check)',
  stopped: '$(circle-slash)',
  notFound: '$(warning)',
  failed: '$(error)',
};

const WORDS: Record<ServerState, string> = {
  starting: 'starting',
  running: 'running',
  stopped: 'stopped',
  notFound: 'not found',
  failed: 'failed to start',
};

export class StatusItem implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('nki.status', vscode.StatusBarAlignment.Right, 100);
  private state: ServerState = 'stopped';
  private target = 'trn2';
  private detail = '';

  constructor() {
    this.item.name = 'NKI language server';
    this.item.command = 'nki.showOutput';
    this.render();
  }

  update(state: ServerState, detail?: string): void {
    this.state = state;
    if (detail !== undefined) {
      this.detail = detail;
    }
    this.render();
  }

  setTarget(target: string): void {
    this.target = target;
    this.render();
  }

  /** Visible while a Python editor is active. */
  setVisible(visible: boolean): void {
    if (visible) {
      this.item.show();
    } else {
      this.item.hide();
    }
  }

  dispose(): void {
    this.item.dispose();
  }

  private render(): void {
    this.item.text = `${ICONS[this.state]} NKI ${this.target}`;
    const lines = [`NKI language server: ${WORDS[this.state]}`, `Target: ${this.target}`];
    if (this.detail) {
      lines.push(this.detail);
    }
    lines.push('Click to show the output.');
    this.item.tooltip = lines.join('\n');
    const bad = this.state === 'failed' || this.state === 'notFound';
    this.item.backgroundColor = bad ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }
}
