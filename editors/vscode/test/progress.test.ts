import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ProgressToken, ProgressView, ServerProgress } from '../src/common/progress';

interface Recorded { title?: string; reports: [string | undefined, number | undefined][]; closed: boolean }

function recorder(title?: string): { view: ProgressView; seen: Recorded } {
  const seen: Recorded = { title, reports: [], closed: false };
  return {
    seen,
    view: {
      report: (message, increment) => seen.reports.push([message, increment]),
      close: () => { seen.closed = true; },
    },
  };
}

function setup(): { progress: ServerProgress; windows: Recorded[]; cancelled: ProgressToken[] } {
  const windows: Recorded[] = [];
  const cancelled: ProgressToken[] = [];
  const progress = new ServerProgress((title) => {
    const { view, seen } = recorder(title);
    windows.push(seen);
    return view;
  }, (token) => cancelled.push(token));
  return { progress, windows, cancelled };
}

describe('ServerProgress', () => {
  it('shows unclaimed progress (a run on save) in the status bar and closes it at the end', () => {
    const { progress, windows } = setup();
    progress.create('nki-run-1');
    progress.handle('nki-run-1', { kind: 'begin', title: 'running k.py on save', percentage: 0, cancellable: true });
    progress.handle('nki-run-1', { kind: 'report', message: 'k1', percentage: 50 });
    progress.handle('nki-run-1', { kind: 'report', message: 'k2', percentage: 40 });
    progress.handle('nki-run-1', { kind: 'end', message: 'done in 1.0 s' });
    assert.equal(windows.length, 1);
    assert.deepEqual(windows[0], {
      title: 'running k.py on save', reports: [['k1', 50], ['k2', undefined]], closed: true,
    });
  });

  it('feeds a claimed run to the command\'s view, not the status bar', () => {
    const { progress, windows } = setup();
    const { view, seen } = recorder();
    const claim = progress.claim('running scaled_copy', view);
    progress.create(7);
    progress.handle(7, { kind: 'begin', title: 'running scaled_copy', percentage: 0 });
    progress.handle(7, { kind: 'report', message: 'scaled_copy', percentage: 100 });
    progress.handle(7, { kind: 'end' });
    claim.dispose();
    assert.equal(windows.length, 0);
    assert.deepEqual(seen.reports, [['scaled_copy', 100]]);
    assert.equal(seen.closed, false);   // the command's notification closes when the command returns
  });

  it('cancels the server\'s run when the claim is cancelled, before or after it began', () => {
    const { progress, cancelled } = setup();
    const early = progress.claim('running a', recorder().view);
    early.cancel();
    progress.create('t1');
    assert.deepEqual(cancelled, []);
    progress.handle('t1', { kind: 'begin', title: 'running a' });
    assert.deepEqual(cancelled, ['t1']);

    const late = progress.claim('running b', recorder().view);
    progress.create('t2');
    progress.handle('t2', { kind: 'begin', title: 'running b' });
    late.cancel();
    assert.deepEqual(cancelled, ['t1', 't2']);
    late.dispose();
    late.cancel();   // the run is over: nothing left to cancel
    assert.deepEqual(cancelled, ['t1', 't2']);
  });

  it('ignores values of unknown tokens and progress of other titles for a claim', () => {
    const { progress, windows } = setup();
    const { view, seen } = recorder();
    progress.claim('running a', view);
    progress.handle('never-created', { kind: 'begin', title: 'running a' });
    progress.create('t');
    progress.handle('t', { kind: 'begin', title: 'running a.py on save' });
    assert.equal(seen.reports.length, 0);
    assert.equal(windows.length, 1);
  });

  it('a disposed claim is not matched again and disposing twice is harmless', () => {
    const { progress, windows } = setup();
    const first = progress.claim('running a', recorder().view);
    const second = progress.claim('running b', recorder().view);
    first.dispose();
    first.dispose();
    progress.create('t');
    progress.handle('t', { kind: 'begin', title: 'running b' });
    assert.equal(windows.length, 0);   // still claimed by `second`
    second.dispose();
  });

  it('clear() closes every open status bar progress', () => {
    const { progress, windows } = setup();
    progress.create('t');
    progress.handle('t', { kind: 'begin', title: 'running x.py on save' });
    progress.clear();
    assert.equal(windows[0].closed, true);
  });
});
