// The extension's settings (package.json contributes.configuration), read for one folder.

import * as vscode from 'vscode';

export const SECTION = 'lambdaDap';

export interface Settings {
  executable: string;
  args: string[];
  languageServerEnabled: boolean;
}

export function readSettings(scope?: vscode.ConfigurationScope): Settings {
  const config = vscode.workspace.getConfiguration(SECTION, scope);
  const args = config.get<unknown>('args', []);
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string')) {
    throw new Error('lambdaDap.args: expected a list of strings, e.g. ["--dap-log", "/tmp/lambda-dap.log"]');
  }
  const executable = config.get<unknown>('executable', 'lambda-dap');
  if (typeof executable !== 'string') {
    throw new Error('lambdaDap.executable: expected a command line such as "lambda-dap" or "python3 -m lambda_dap"');
  }
  return {
    executable,
    args,
    languageServerEnabled: config.get<boolean>('languageServer.enabled', true) !== false,
  };
}
