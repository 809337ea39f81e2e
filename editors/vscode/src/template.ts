// Finding a workspace folder's SAM template and the functions it declares, for a default launch configuration.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The templates lambda-dap looks for when a configuration names none, in its order. */
export const TEMPLATE_NAMES = ['.aws-sam/build/template.yaml', 'template.yaml', 'template.yml', 'template.json'];
const FUNCTION_TYPES = new Set(['AWS::Serverless::Function', 'AWS::Lambda::Function']);

/** The first of TEMPLATE_NAMES that is a file in `folder`, relative to it; undefined when there is none. */
export function findTemplate(folder: string): string | undefined {
  return TEMPLATE_NAMES.find((name) => {
    try {
      return fs.statSync(path.join(folder, name)).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The logical ids of the function resources of a template, in order. JSON templates are parsed; YAML ones are
 * scanned line by line (a key right under `Resources:` whose `Type:` is a function), which is enough for choosing a
 * function without a YAML parser that knows CloudFormation's tags. Unreadable text gives [].
 */
export function templateFunctions(text: string, fileName: string): string[] {
  if (fileName.endsWith('.json')) {
    try {
      const resources = JSON.parse(text)?.Resources ?? {};
      return Object.keys(resources).filter((id) => FUNCTION_TYPES.has(resources[id]?.Type));
    } catch {
      return [];
    }
  }
  const functions: string[] = [];
  let inResources = false;
  let resourceIndent: number | undefined;
  let current: string | undefined;
  let propertyIndent: number | undefined; // the indent of a resource's own keys (Type, Properties)
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      inResources = /^Resources\s*:\s*$/.test(line);
      resourceIndent = undefined;
      current = undefined;
      continue;
    }
    if (!inResources) continue;
    resourceIndent ??= indent;
    const key = /^\s*["']?([A-Za-z0-9]+)["']?\s*:\s*$/.exec(line);
    if (indent === resourceIndent) {
      current = key ? key[1] : undefined;
      propertyIndent = undefined;
      continue;
    }
    propertyIndent ??= indent;
    if (indent !== propertyIndent) continue;
    const type = /^\s*Type\s*:\s*["']?([A-Za-z0-9:]+)["']?\s*$/.exec(line);
    if (current && type && FUNCTION_TYPES.has(type[1]) && !functions.includes(current)) functions.push(current);
  }
  return functions;
}
