// Launch configurations: a default one when launch.json has none, one per template function in the Run and Debug
// list, and the AWS Toolkit's `direct-invoke` request rewritten to `launch` (VS Code refuses any other request).

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TEMPLATE_NAMES, findTemplate, templateFunctions } from './template';

export class LambdaConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** F5 without a launch.json gives an empty `configuration`: debug a function of the folder's template. */
  async resolveDebugConfiguration(
    folder: vscode.WorkspaceFolder | undefined,
    configuration: vscode.DebugConfiguration,
  ): Promise<vscode.DebugConfiguration | null | undefined> {
    if (!configuration.type && !configuration.request && !configuration.name) {
      return defaultConfiguration(folder ?? vscode.workspace.workspaceFolders?.[0]);
    }
    if (configuration.request === 'direct-invoke') {
      // The Toolkit's name for launch; VS Code starts only `launch` and `attach`, and the adapter takes both.
      return { ...configuration, request: 'launch' };
    }
    return configuration;
  }

  /** The Run and Debug list's dynamic entries: one launch configuration per function of the folder's template. */
  provideDebugConfigurations(folder: vscode.WorkspaceFolder | undefined): vscode.DebugConfiguration[] {
    const found = folder && templateOf(folder);
    if (!found) return [];
    return found.functions.map((logicalId) => ({
      type: 'lambda',
      request: 'launch',
      name: `lambda-dap: ${logicalId}`,
      template: `\${workspaceFolder}/${found.template}`,
      function: logicalId,
    }));
  }
}

async function defaultConfiguration(
  folder: vscode.WorkspaceFolder | undefined,
): Promise<vscode.DebugConfiguration | null | undefined> {
  if (!folder) {
    await vscode.window.showErrorMessage('lambda-dap: open the folder of a SAM template (template.yaml) to debug its functions.');
    return undefined;
  }
  const found = templateOf(folder);
  if (!found) {
    await vscode.window.showErrorMessage(
      `lambda-dap: no ${TEMPLATE_NAMES.join(', ')} in ${folder.uri.fsPath}; add a launch configuration that names the template.`,
    );
    return null; // opens launch.json
  }
  let logicalId: string | undefined = found.functions[0];
  if (found.functions.length > 1) {
    logicalId = await vscode.window.showQuickPick(found.functions, {
      placeHolder: `The function of ${found.template} to debug`,
    });
    if (logicalId === undefined) return undefined; // dismissed
  }
  const configuration: vscode.DebugConfiguration = {
    type: 'lambda',
    request: 'launch',
    name: `lambda-dap: ${logicalId ?? found.template}`,
    template: path.join(folder.uri.fsPath, found.template),
  };
  if (logicalId !== undefined) configuration.function = logicalId;
  return configuration;
}

function templateOf(folder: vscode.WorkspaceFolder): { template: string; functions: string[] } | undefined {
  if (folder.uri.scheme !== 'file') return undefined;
  const template = findTemplate(folder.uri.fsPath);
  if (!template) return undefined;
  let text = '';
  try {
    text = fs.readFileSync(path.join(folder.uri.fsPath, template), 'utf8');
  } catch {
    // unreadable: no function list; the adapter names the problem when the session starts
  }
  return { template, functions: templateFunctions(text, template) };
}
