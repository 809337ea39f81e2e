// The client of `lambda-dap lsp` (stdio), started with the same executable as the debug adapter. The server's own
// commands (code lenses, code actions) reach it through workspace/executeCommand, which vscode-languageclient wires
// up from the server's capabilities; nothing here knows their names. A command whose result carries a launch
// configuration (`{configuration, workspaceFolder}`) has it started, as lambdaDap.startDebugging does.

import type { LanguageClient } from 'vscode-languageclient/node';
import * as vscode from 'vscode';
import { languageServerCommand } from './commandLine';
import { readSettings } from './settings';

export const CLIENT_ID = 'lambdaDap'; // settings `lambdaDap.trace.server` apply to it
export const CLIENT_NAME = 'lambda-dap language server';

/** What the server sees: SAM templates, handler files and launch.json. */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'yaml', pattern: '**/*template*.{yaml,yml}' },
  { scheme: 'file', language: 'json', pattern: '**/*template*.json' },
  { scheme: 'file', language: 'python' },
  { scheme: 'file', language: 'javascript' },
  { scheme: 'file', language: 'typescript' },
  { scheme: 'file', language: 'jsonc', pattern: '**/.vscode/launch.json' },
  { scheme: 'file', language: 'json', pattern: '**/.vscode/launch.json' },
];

/** Starts, stops and restarts the language client as the settings say. */
export class LanguageServer implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private running: Promise<void> = Promise.resolve();

  /** Start the client unless lambdaDap.languageServer.enabled is false; resolves once it runs (or failed). */
  start(): Promise<void> {
    this.running = this.running.then(() => this.startNow());
    return this.running;
  }

  /** Stop the client if it runs. */
  stop(): Promise<void> {
    this.running = this.running.then(() => this.stopNow());
    return this.running;
  }

  /** Resolves when the starts and stops asked for so far are done. */
  settled(): Promise<void> {
    return this.running;
  }

  restart(): Promise<void> {
    void this.stop();
    return this.start(); // queued right after the stop
  }

  dispose(): void {
    void this.stop();
  }

  private async startNow(): Promise<void> {
    if (this.client) return;
    let commandLine = 'lambda-dap lsp';
    try {
      const settings = readSettings();
      if (!settings.languageServerEnabled) return;
      const { command, args } = languageServerCommand(settings.executable);
      commandLine = [command, ...args].join(' ');
      const { LanguageClient: Client, TransportKind } = require('vscode-languageclient/node') as typeof import('vscode-languageclient/node');
      const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
      this.client = new Client(
        CLIENT_ID,
        CLIENT_NAME,
        { command, args, transport: TransportKind.stdio, options: cwd ? { cwd } : undefined },
        {
          documentSelector: DOCUMENT_SELECTOR,
          synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*template*.{yaml,yml,json}') },
          middleware: { executeCommand: startReturnedConfiguration },
        },
      );
      await this.client.start();
    } catch (error) {
      this.client = undefined;
      void vscode.window.showWarningMessage(
        `lambda-dap: the language server (${commandLine}) did not start: ${
          error instanceof Error ? error.message : String(error)
        }. Set lambdaDap.executable, or lambdaDap.languageServer.enabled to false.`,
      );
    }
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) await client.stop().catch(() => undefined);
  }
}

/** After a server command: start the launch configuration it returned, if it returned one. */
export async function startReturnedConfiguration(
  command: string,
  args: unknown[],
  next: (command: string, args: unknown[]) => unknown,
): Promise<unknown> {
  const result = await next(command, args);
  if (isRecord(result) && isLaunchConfiguration(result.configuration)) await startDebugging(result);
  return result;
}

/**
 * `lambdaDap.startDebugging(configuration, folder?)`: start a launch configuration the server handed over (a code
 * lens's arguments). `folder` is a workspace folder's URI (string or Uri); without it, the folder holding the
 * configuration's template, else the active editor's, else the first. A single `{configuration, folder}` (or
 * `workspaceFolder`) argument works too: what the language server's launch commands return.
 */
export async function startDebugging(configuration: unknown, folder?: unknown): Promise<boolean> {
  if (isRecord(configuration) && isRecord(configuration.configuration) && configuration.type === undefined) {
    folder = configuration.folder ?? configuration.workspaceFolder;
    configuration = configuration.configuration;
  }
  if (!isLaunchConfiguration(configuration)) {
    await vscode.window.showErrorMessage('lambda-dap: startDebugging: expected a launch configuration with type and request');
    return false;
  }
  const debugConfiguration = { name: 'lambda-dap', ...configuration } as vscode.DebugConfiguration;
  return vscode.debug.startDebugging(workspaceFolderFor(debugConfiguration, folder), debugConfiguration);
}

function workspaceFolderFor(configuration: vscode.DebugConfiguration, folder: unknown): vscode.WorkspaceFolder | undefined {
  const candidates: (vscode.Uri | undefined)[] = [];
  if (folder instanceof vscode.Uri) candidates.push(folder);
  else if (typeof folder === 'string') candidates.push(/^[a-z][a-z0-9+.-]+:/i.test(folder) ? vscode.Uri.parse(folder) : vscode.Uri.file(folder));
  for (const key of ['template', 'cwd', 'codeDir']) {
    const value = configuration[key];
    if (typeof value === 'string' && value.startsWith('/')) candidates.push(vscode.Uri.file(value));
  }
  const templatePath = configuration.invokeTarget?.templatePath;
  if (typeof templatePath === 'string' && templatePath.startsWith('/')) candidates.push(vscode.Uri.file(templatePath));
  candidates.push(vscode.window.activeTextEditor?.document.uri);
  for (const uri of candidates) {
    const found = uri && vscode.workspace.getWorkspaceFolder(uri);
    if (found) return found;
  }
  return vscode.workspace.workspaceFolders?.[0];
}

function isLaunchConfiguration(value: unknown): value is Record<string, any> {
  return isRecord(value) && typeof value.type === 'string' && typeof value.request === 'string';
}

function isRecord(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
