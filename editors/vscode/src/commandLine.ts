// The `lambdaDap.executable` setting as a program and its arguments, and the command lines built from it.

/** A configured executable could not be split (an unclosed quote, nothing but spaces). */
export class CommandLineError extends Error {}

/**
 * Split `text` into words the way a POSIX shell does for a simple command: whitespace separates words, '...' keeps
 * everything literally, "..." keeps everything but a backslash before " \ $ `, and a backslash outside quotes
 * escapes the next character. No expansion of variables, globs or ~.
 */
export function splitCommandLine(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new CommandLineError(`unclosed ${quote} in ${JSON.stringify(text)}`);
  if (inWord) words.push(word);
  return words;
}

export interface Command {
  command: string;
  args: string[];
}

/** The program and leading arguments of a configured executable such as "python3 -m lambda_dap". */
export function executableCommand(executable: string): Command {
  const words = splitCommandLine(executable);
  if (words.length === 0) {
    throw new CommandLineError('lambdaDap.executable: expected the lambda-dap command (e.g. "lambda-dap"), got ""');
  }
  return { command: words[0], args: words.slice(1) };
}

/** The debug adapter's command line: the executable, then `extraArgs` (lambdaDap.args), then --stdio. */
export function adapterCommand(executable: string, extraArgs: readonly string[] = []): Command {
  const { command, args } = executableCommand(executable);
  return { command, args: [...args, ...extraArgs, '--stdio'] };
}

/** The language server's command line: the executable, then `lsp`. */
export function languageServerCommand(executable: string): Command {
  const { command, args } = executableCommand(executable);
  return { command, args: [...args, 'lsp'] };
}
