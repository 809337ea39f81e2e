// lambda-dap for VS Code: the `lambda` and `aws-sam` debuggers (lambda-dap --stdio), "Invoke again" for keep-alive
// sessions, and the language client of `lambda-dap lsp`.

import * as vscode from 'vscode';
import { DEBUG_TYPES, LambdaDebugAdapterFactory } from './adapter';
import { LambdaConfigurationProvider } from './configurations';
import { SessionTracker, invokeAgain } from './invokeAgain';
import { LanguageServer, startDebugging } from './languageClient';
import { SECTION } from './settings';

let running: LanguageServer | undefined;

export function activate(context: vscode.ExtensionContext): { languageServer: LanguageServer; sessions: SessionTracker } {
  const factory = new LambdaDebugAdapterFactory();
  const provider = new LambdaConfigurationProvider();
  for (const type of DEBUG_TYPES) {
    context.subscriptions.push(vscode.debug.registerDebugAdapterDescriptorFactory(type, factory));
    context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider(type, provider));
  }
  context.subscriptions.push(
    vscode.debug.registerDebugConfigurationProvider('lambda', provider, vscode.DebugConfigurationProviderTriggerKind.Dynamic),
  );

  const sessions = new SessionTracker();
  const languageServer = new LanguageServer();
  running = languageServer;
  context.subscriptions.push(
    sessions,
    languageServer,
    vscode.commands.registerCommand('lambdaDap.invokeAgain', (args?: unknown) => invokeAgain(sessions, args)),
    vscode.commands.registerCommand('lambdaDap.startDebugging', startDebugging),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration(`${SECTION}.executable`) || event.affectsConfiguration(`${SECTION}.languageServer`)) {
        void languageServer.restart();
      }
    }),
  );
  void languageServer.start();
  return { languageServer, sessions };
}

/** VS Code waits for the language server to stop; the rest is disposed of through context.subscriptions. */
export function deactivate(): Promise<void> | undefined {
  const languageServer = running;
  running = undefined;
  return languageServer?.stop();
}
