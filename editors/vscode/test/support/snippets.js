'use strict';
// A debugger's configurationSnippets body as VS Code inserts it into launch.json (its JSON language service):
// strings starting with ^ go in as raw text, others as JSON strings; then the snippet syntax is resolved, each
// placeholder to its default (${1:x} -> x, ${1|a,b|} -> a, $1 -> nothing, \$ -> $).

function snippetText(value) {
  if (typeof value === 'string') return value.startsWith('^') ? value.slice(1) : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(snippetText).join(', ')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${snippetText(v)}`).join(', ')}}`;
  }
  return JSON.stringify(value);
}

function resolvePlaceholders(text) {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && '$}\\'.includes(text[i + 1])) {
      out += text[++i];
    } else if (c === '$' && /[0-9]/.test(text[i + 1])) {
      while (/[0-9]/.test(text[i + 1])) i++;
    } else if (c === '$' && text[i + 1] === '{') {
      const match = /^\$\{[0-9]+(?::([^}]*)|\|([^|]*)\|)?\}/.exec(text.slice(i));
      if (!match) throw new Error(`snippet: not a placeholder at ${JSON.stringify(text.slice(i, i + 20))}`);
      out += match[1] !== undefined ? resolvePlaceholders(match[1]) : match[2] !== undefined ? match[2].split(',')[0] : '';
      i += match[0].length - 1;
    } else {
      out += c;
    }
  }
  return out;
}

function renderSnippet(body) {
  return JSON.parse(resolvePlaceholders(snippetText(body)));
}

module.exports = { renderSnippet };
