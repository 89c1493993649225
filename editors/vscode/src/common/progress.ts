// The server's work-done progress ($/progress), routed. A run the user started with NKI: Run Kernel in
// Simulator is "claimed": its progress feeds the command's own cancellable notification, and cancelling
// that notification cancels the server's run (window/workDoneProgress/cancel kills its worker). Any
// other progress (a run on save) is shown in the status bar. Pure: the UI and the connection are
// injected, so node's test runner covers it.

export type ProgressToken = string | number;

/** `WorkDoneProgressBegin | Report | End` as the server sends them. */
export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
  cancellable?: boolean;
}

/** One progress shown by the editor; `increment` is in percent, as `vscode.Progress.report` wants. */
export interface ProgressView {
  report(message: string | undefined, increment: number | undefined): void;
  close(): void;
}

/** Opens a non-interactive progress (status bar) for progress nobody claimed. */
export type OpenView = (title: string) => ProgressView;

export interface Claim {
  /** Cancel the server's run now, or as soon as it begins. */
  cancel(): void;
  /** The run is over: forget the claim (its token's later values are ignored). */
  dispose(): void;
}

interface Tracked {
  view?: ProgressView;
  claim?: ClaimState;
  reported: number;
}

interface ClaimState {
  title: string;
  view: ProgressView;
  token?: ProgressToken;
  cancelled: boolean;
  disposed: boolean;
}

export class ServerProgress {
  private readonly tokens = new Map<ProgressToken, Tracked>();
  private readonly claims: ClaimState[] = [];

  constructor(private readonly openView: OpenView, private readonly sendCancel: (token: ProgressToken) => void) {}

  /** `window/workDoneProgress/create`: values for `token` will follow. */
  create(token: ProgressToken): void {
    this.tokens.set(token, { reported: 0 });
  }

  /** Route the server's next progress with this `title` to `view` (a user-started run). */
  claim(title: string, view: ProgressView): Claim {
    const state: ClaimState = { title, view, cancelled: false, disposed: false };
    this.claims.push(state);
    return {
      cancel: () => {
        state.cancelled = true;
        if (state.token !== undefined && !state.disposed) {
          this.sendCancel(state.token);
        }
      },
      dispose: () => {
        if (state.disposed) {
          return;
        }
        state.disposed = true;
        this.claims.splice(this.claims.indexOf(state), 1);
        if (state.token !== undefined) {
          this.tokens.delete(state.token);
        }
      },
    };
  }

  /** `$/progress` for `token`. Values for tokens never created are ignored, as LSP says. */
  handle(token: ProgressToken, value: ProgressValue): void {
    const tracked = this.tokens.get(token);
    if (tracked === undefined) {
      return;
    }
    if (value.kind === 'begin') {
      this.begin(token, tracked, value);
    } else if (value.kind === 'report') {
      this.report(tracked, value);
    } else {
      tracked.view?.close();
      this.tokens.delete(token);
    }
  }

  /** The connection ended: close every progress still open. */
  clear(): void {
    for (const tracked of this.tokens.values()) {
      tracked.view?.close();
    }
    this.tokens.clear();
  }

  private begin(token: ProgressToken, tracked: Tracked, value: ProgressValue): void {
    const claim = this.claims.find((c) => c.token === undefined && c.title === value.title);
    if (claim === undefined) {
      tracked.view = this.openView(value.title ?? 'NKI');
      this.report(tracked, value);
      return;
    }
    claim.token = token;
    tracked.claim = claim;
    if (claim.cancelled) {
      this.sendCancel(token);
    }
    this.report(tracked, value);
  }

  private report(tracked: Tracked, value: ProgressValue): void {
    const view = tracked.claim?.view ?? tracked.view;
    if (view === undefined || tracked.claim?.disposed) {
      return;
    }
    let increment: number | undefined;
    if (typeof value.percentage === 'number' && Number.isFinite(value.percentage)) {
      const percentage = Math.max(0, Math.min(value.percentage, 100));
      increment = Math.max(0, percentage - tracked.reported);
      tracked.reported += increment;
    }
    if (value.message !== undefined || increment) {
      view.report(value.message, increment || undefined);
    }
  }
}
