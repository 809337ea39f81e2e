// "lambda-dap: Invoke again": the custom DAP request `invoke` to a keep-alive session, which runs the next event in
// the same container with the breakpoints kept.

import * as vscode from 'vscode';
import { DEBUG_TYPES } from './adapter';

export interface InvokeArguments {
  event?: unknown;
  eventFile?: string;
}

/** The lambda-dap sessions that are running, the most recently started last. */
export class SessionTracker implements vscode.Disposable {
  private readonly sessions: vscode.DebugSession[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.debug.onDidStartDebugSession((session) => {
        if (isLambdaSession(session)) this.sessions.push(session);
      }),
      vscode.debug.onDidTerminateDebugSession((session) => {
        const index = this.sessions.findIndex((s) => s.id === session.id);
        if (index >= 0) this.sessions.splice(index, 1);
      }),
    ];
  }

  /** The active session's lambda-dap session (itself or the parent of a child debugger), else the latest one. */
  target(): vscode.DebugSession | undefined {
    for (let s = vscode.debug.activeDebugSession; s; s = s.parentSession) {
      if (isLambdaSession(s)) return s;
    }
    return this.sessions[this.sessions.length - 1];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}

function isLambdaSession(session: vscode.DebugSession): boolean {
  return (DEBUG_TYPES as readonly string[]).includes(session.type);
}

/**
 * Send `invoke` to the target session, with `args` ({event} or {eventFile}) or, without them, the event the user
 * picks. Returns the adapter's response body (exitCode, outcome, payload), undefined when nothing was sent.
 */
export async function invokeAgain(tracker: SessionTracker, args?: unknown): Promise<unknown> {
  const session = tracker.target();
  if (!session) {
    await vscode.window.showErrorMessage(
      'lambda-dap: Invoke again needs a running lambda-dap debug session launched with "keepAlive": true.',
    );
    return undefined;
  }
  if (session.configuration.keepAlive !== true) {
    await vscode.window.showErrorMessage(
      `lambda-dap: "${session.name}" was launched without "keepAlive": true; add it to the launch configuration to invoke the same container again.`,
    );
    return undefined;
  }
  const request = isInvokeArguments(args) ? args : await pickEvent(session);
  if (!request) return undefined;
  try {
    const body = await session.customRequest('invoke', request);
    void vscode.window.showInformationMessage(`lambda-dap: ${session.name}: ${summary(body)}`);
    return body;
  } catch (error) {
    await vscode.window.showErrorMessage(`lambda-dap: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

function isInvokeArguments(value: unknown): value is InvokeArguments {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] === 'event' || (keys[0] === 'eventFile' && typeof (value as InvokeArguments).eventFile === 'string'));
}

async function pickEvent(session: vscode.DebugSession): Promise<InvokeArguments | undefined> {
  const choices = [
    { label: '$(debug-restart) The launch configuration\'s event', choice: 'same' },
    { label: '$(file) An event file…', choice: 'file' },
    { label: '$(json) Type an event…', choice: 'typed' },
  ] as const;
  const choice = await vscode.window.showQuickPick([...choices], { placeHolder: `Invoke ${session.name} again with` });
  if (!choice) return undefined;
  if (choice.choice === 'same') return {};
  if (choice.choice === 'file') {
    const files = await vscode.window.showOpenDialog({
      canSelectMany: false,
      defaultUri: session.workspaceFolder?.uri,
      filters: { 'JSON event': ['json'] },
      openLabel: 'Invoke with this event',
    });
    return files && files.length > 0 ? { eventFile: files[0].fsPath } : undefined;
  }
  const text = await vscode.window.showInputBox({
    prompt: 'The event, as JSON',
    value: '{}',
    validateInput: (value) => (parsesAsJson(value) ? undefined : 'expected JSON, e.g. {"name": "world"}'),
  });
  return text === undefined ? undefined : { event: JSON.parse(text) };
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function summary(body: unknown): string {
  const result = (body ?? {}) as { outcome?: string; exitCode?: number; payload?: string };
  const payload = typeof result.payload === 'string' ? result.payload : '';
  const shown = payload.length > 200 ? `${payload.slice(0, 200)}…` : payload;
  return `${result.outcome ?? 'done'} (exit code ${result.exitCode ?? '?'})${shown ? `: ${shown}` : ''}`;
}
