// Starts the debug adapter: `lambda-dap [lambdaDap.args] --stdio`, in the session's workspace folder.

import * as vscode from 'vscode';
import { adapterCommand } from './commandLine';
import { readSettings } from './settings';

export const DEBUG_TYPES = ['lambda', 'aws-sam'] as const;

export class LambdaDebugAdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  createDebugAdapterDescriptor(session: vscode.DebugSession): vscode.DebugAdapterDescriptor {
    const folder = session.workspaceFolder;
    const settings = readSettings(folder);
    const { command, args } = adapterCommand(settings.executable, settings.args);
    // Relative paths in a configuration are resolved against the adapter's working directory (the schema's `cwd`
    // default), so it runs in the session's folder, not wherever VS Code was started.
    const options = folder && folder.uri.scheme === 'file' ? { cwd: folder.uri.fsPath } : undefined;
    return new vscode.DebugAdapterExecutable(command, args, options);
  }
}
