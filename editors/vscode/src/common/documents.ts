// Read-only virtual documents for the IR and the profile (`nki-ir:` and `nki-profile:` URIs).
import * as vscode from 'vscode';

export const IR_SCHEME = 'nki-ir';
export const PROFILE_SCHEME = 'nki-profile';

export class VirtualDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly contents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.contents.get(uri.toString()) ?? '';
  }

  /** Shows `text` as `<scheme>:/<title>` beside the kernel; a second call refreshes the same tab. */
  async show(scheme: string, title: string, source: vscode.Uri, text: string): Promise<vscode.TextEditor> {
    const uri = vscode.Uri.from({ scheme, path: `/${title}`, query: source.toString() });
    this.contents.set(uri.toString(), text);
    this.changed.fire(uri);
    let document = await vscode.workspace.openTextDocument(uri);
    if (document.languageId !== 'plaintext') {   // `.profile` would be taken for a shell script
      document = await vscode.languages.setTextDocumentLanguage(document, 'plaintext');
    }
    return vscode.window.showTextDocument(document, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }

  dispose(): void {
    this.changed.dispose();
    this.contents.clear();
  }
}
