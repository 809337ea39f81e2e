'use strict';
// @vscode/debugadapter-testsupport's DebugClient, checked: every message in both directions is validated against
// the DAP JSON schema, the adapter's seqs must run 1, 2, 3, ..., every response must answer one request of ours
// (once, with its command), and nothing but Content-Length frames may come from the adapter. Violations are kept
// in `violations`; `within()` fails as soon as one happens, and `finish()` asserts there were none.

const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');
const { schemaError } = require('./dap-schema');

const ADAPTER_SH = path.join(__dirname, 'adapter.sh');
const HEADER_END = Buffer.from('\r\n\r\n');
const HEADER_LINE = /^[A-Za-z][A-Za-z0-9-]*: ?[^\r\n]*$/;

class CheckedDebugClient extends DebugClient {
  /**
   * @param {object} options
   * @param {string} [options.adapter] the adapter's command line (default: $LAMBDA_DAP_ADAPTER)
   * @param {string} [options.debugType] the adapterID sent in initialize
   * @param {boolean} [options.strictStartup] no event or request before the initialize response (the spec's rule)
   * @param {boolean} [options.seqInWriteOrder] the adapter's seqs arrive 1, 2, 3, ... (off: each once, 1..n in the
   *   end, in any order)
   * @param {number} [options.timeout] DebugClient's defaultTimeout and our own waits, in ms
   */
  constructor({
    adapter, debugType = 'lambda', strictStartup = true, seqInWriteOrder = true, timeout = 15000, env = {},
  } = {}) {
    const command = adapter || process.env.LAMBDA_DAP_ADAPTER;
    super('/bin/sh', ADAPTER_SH, debugType, { env: { ...process.env, ...env, LAMBDA_DAP_ADAPTER: command || '' } });
    this.defaultTimeout = timeout;
    this.adapterCommand = command;
    this.strictStartup = strictStartup;
    this.seqInWriteOrder = seqInWriteOrder;
    this._seqsSeen = new Set();
    this.violations = [];
    this.received = [];
    this.sentMessages = [];
    this.stderr = '';
    this._ourPending = new Map();
    this._answered = new Set();
    this._expectedSeq = 1;
    this._initializeAnswered = false;
    this._inbox = Buffer.alloc(0);
    this._framingLost = false;
    this._violationWaiters = [];
  }

  /** Start the adapter (stdio) or connect to one serving `port` on 127.0.0.1. */
  async start(port) {
    if (port === undefined && !this.adapterCommand) {
      throw new Error('set LAMBDA_DAP_ADAPTER to the adapter command, e.g. "python3 -m lambda_dap --stdio"');
    }
    if (port !== undefined) {
      // DebugClient.start(port) connects once, and a refused connection is an uncaught error. Retry until the server
      // listens instead (no probe connection: some servers end when their first client goes), then set up the
      // socket just as DebugClient.start(port) does.
      this._socket = await connectWithRetry(port, this.defaultTimeout);
      this.connect(this._socket, this._socket);
      return;
    }
    await super.start();
    if (this._adapterProcess) {
      this._adapterProcess.stderr.on('data', (chunk) => { this.stderr += chunk.toString('utf8'); });
      this.adapterProcess = this._adapterProcess;
    }
  }

  connect(readable, writable) {
    readable.on('data', (chunk) => this._inspect(chunk)); // before DebugClient's own listener
    const checked = {
      write: (data, encoding) => {
        this._outgoing(Buffer.isBuffer(data) ? data : Buffer.from(data, encoding || 'utf8'));
        return writable.write(data, encoding);
      },
    };
    super.connect(readable, checked);
  }

  _violation(text) {
    this.violations.push(text);
    for (const reject of this._violationWaiters.splice(0)) reject(this._violationError());
  }

  _violationError() {
    return new assert.AssertionError({
      message: `the adapter broke the protocol:\n  ${this.violations.join('\n  ')}${this._stderrTail()}`,
    });
  }

  _stderrTail() {
    return this.stderr ? `\nadapter stderr (tail):\n${this.stderr.slice(-2000)}` : '';
  }

  _outgoing(frame) {
    const end = frame.indexOf(HEADER_END);
    const header = frame.subarray(0, end).toString('latin1');
    const body = frame.subarray(end + HEADER_END.length);
    const length = /^Content-Length: (\d+)$/.exec(header);
    assert.ok(length && Number(length[1]) === body.length, `we sent a bad frame header: ${header}`);
    const message = JSON.parse(body.toString('utf8'));
    const error = schemaError(message);
    if (error) throw new assert.AssertionError({ message: `we were about to send an invalid message: ${error}` });
    assert.equal(message.seq, this.sentMessages.length + 1, 'our own seqs run 1, 2, 3, ...');
    this.sentMessages.push(message);
    if (message.type === 'request') this._ourPending.set(message.seq, message.command);
  }

  _inspect(chunk) {
    if (this._framingLost) return;
    this._inbox = Buffer.concat([this._inbox, chunk]);
    for (;;) {
      const end = this._inbox.indexOf(HEADER_END);
      if (end < 0) {
        const text = this._inbox.toString('latin1');
        const complete = text.split('\r\n').slice(0, -1);
        if (complete.some((line) => !HEADER_LINE.test(line)) || /(^|[^\r])\n/.test(text) || text.length > 8192) {
          this._lose(`not DAP framing on the adapter's output: ${JSON.stringify(text.slice(0, 80))}`);
        }
        return;
      }
      const lines = this._inbox.subarray(0, end).toString('latin1').split('\r\n');
      const lengths = lines.filter((line) => line.startsWith('Content-Length:'));
      const bad = lines.find((line) => !HEADER_LINE.test(line));
      if (bad !== undefined || lengths.length !== 1 || !/^Content-Length: ?\d+$/.test(lengths[0])) {
        this._lose(`bad DAP header from the adapter: ${JSON.stringify(lines)}`);
        return;
      }
      const length = Number(lengths[0].split(':')[1]);
      const start = end + HEADER_END.length;
      if (this._inbox.length < start + length) return;
      const body = this._inbox.subarray(start, start + length);
      this._inbox = this._inbox.subarray(start + length);
      let message;
      try {
        message = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
      } catch (error) {
        this._violation(`body is not UTF-8 JSON (${error.message}): ${JSON.stringify(body.subarray(0, 120).toString())}`);
        continue;
      }
      this._check(message);
    }
  }

  _lose(text) {
    this._framingLost = true;
    this._violation(text);
  }

  _check(message) {
    this.received.push(message);
    const error = schemaError(message);
    if (error) this._violation(`${error}: ${JSON.stringify(message).slice(0, 300)}`);
    if (this.seqInWriteOrder && message.seq !== this._expectedSeq) {
      this._violation(`seq ${message.seq} from the adapter, expected ${this._expectedSeq} (1, 2, 3, ...)`);
    }
    if (this._seqsSeen.has(message.seq)) this._violation(`seq ${message.seq} from the adapter a second time`);
    this._seqsSeen.add(message.seq);
    if (Number.isInteger(message.seq)) this._expectedSeq = message.seq + 1;
    const name = message.event || message.command;
    if ((message.type === 'event' || message.type === 'request') && this.strictStartup && !this._initializeAnswered) {
      this._violation(`${message.type} '${name}' before the initialize response`);
    }
    if (message.type === 'response') {
      const command = this._ourPending.get(message.request_seq);
      if (command === undefined) {
        this._violation(`response '${name}' with request_seq ${message.request_seq}: ` +
          (this._answered.has(message.request_seq) ? 'a second answer to that request' : 'not a request of ours'));
      } else {
        this._ourPending.delete(message.request_seq);
        this._answered.add(message.request_seq);
        if (command !== message.command) {
          this._violation(`response to '${command}' (request_seq ${message.request_seq}) says command '${name}'`);
        }
        if (command === 'initialize') this._initializeAnswered = true;
      }
    } else if (message.type === 'request') {
      this._violation(`reverse request '${name}': DebugClient cannot answer it (test it with tests/dap/client.py)`);
    }
  }

  /** `promise`, failing early on a protocol violation and after `ms` (DebugClient has no timeouts over TCP). */
  within(promise, what, ms = this.defaultTimeout) {
    let timer;
    let rejectGuard;
    const guard = new Promise((resolve, reject) => {
      rejectGuard = reject;
      if (this.violations.length) reject(this._violationError());
      this._violationWaiters.push(reject);
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; last messages: ` +
        JSON.stringify(this.received.slice(-6).map((m) => `${m.type} ${m.command || m.event}`)) +
        this._stderrTail())), ms);
    });
    return Promise.race([promise, guard]).finally(() => {
      clearTimeout(timer);
      this._violationWaiters = this._violationWaiters.filter((reject) => reject !== rejectGuard);
    });
  }

  /** All `output` events' text so far (only `category`, when given). */
  output(category) {
    return this.received
      .filter((m) => m.type === 'event' && m.event === 'output' && (!category || (m.body.category || 'console') === category))
      .map((m) => m.body.output)
      .join('');
  }

  /** Wait until the output (of `category`) contains `text`. */
  waitForOutput(text, category, ms = this.defaultTimeout) {
    if (this.output(category).includes(text)) return Promise.resolve(this.output(category));
    return this.within(new Promise((resolve) => {
      const listener = () => {
        if (this.output(category).includes(text)) {
          this.removeListener('output', listener);
          resolve(this.output(category));
        }
      };
      this.on('output', listener);
    }), `output ${JSON.stringify(text)}${category ? ` (${category})` : ''}`, ms);
  }

  /** name -> value of the first scope of a frame. */
  async variables(frameId) {
    const { body: { scopes } } = await this.scopesRequest({ frameId });
    const { body: { variables } } = await this.variablesRequest({ variablesReference: scopes[0].variablesReference });
    return Object.fromEntries(variables.map((v) => [v.name, v.value]));
  }

  /** The top frame of the thread a `stopped` event names. */
  async topFrame(stopped) {
    const trace = await this.stackTraceRequest({ threadId: stopped.body.threadId, startFrame: 0, levels: 20 });
    return trace.body.stackFrames[0];
  }

  /**
   * End the session as an editor does: `disconnect`, then (stdio) close the adapter's stdin unless `endInput` is
   * false; the adapter must then exit by itself within `exitWithinMs`, or it is killed and that is a violation.
   * Asserts the session broke no rule.
   */
  async finish({ exitWithinMs = 10000, endInput = true } = {}) {
    try {
      await this.within(this.disconnectRequest({}), 'disconnect response');
    } catch (error) {
      if (!this.violations.length) this._violation(`disconnect: ${error.message}`);
    }
    const child = this._adapterProcess;
    if (child && endInput) child.stdin.end();
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), exitWithinMs);
        child.once('exit', () => { clearTimeout(timer); resolve(true); });
      });
      if (!exited) this._violation(`the adapter did not exit within ${exitWithinMs} ms of the disconnect response` +
        (endInput ? ' and the end of its input' : ''));
    }
    this.stopAdapter();
    const missing = [...Array(this._seqsSeen.size).keys()].map((index) => index + 1).filter((seq) => !this._seqsSeen.has(seq));
    if (missing.length) this._violation(`the adapter's seqs skip ${missing.slice(0, 5).join(', ')} (1..n expected)`);
    if (this.violations.length) throw this._violationError();
  }
}

function connectWithRetry(port, ms) {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => { socket.removeAllListeners('error'); resolve(socket); });
      socket.once('error', (error) => {
        if (error.code !== 'ECONNREFUSED' || Date.now() > deadline) reject(error);
        else setTimeout(attempt, 25);
      });
    };
    attempt();
  });
}

/** The line of `file` carrying `// @marker` or `# @marker`. */
function markedLine(file, marker) {
  const lines = require('node:fs').readFileSync(file, 'utf8').split('\n');
  const index = lines.findIndex((line) => new RegExp(`(#|//) ${marker}\\b`).test(line));
  assert.ok(index >= 0, `no line marked ${marker} in ${file}`);
  return index + 1;
}

module.exports = { CheckedDebugClient, markedLine };
