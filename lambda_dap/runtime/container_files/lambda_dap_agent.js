// lambda-dap's agent, in Node.js: the container's entrypoint in remote mode for an image with node but no python3
// (Lambda's own nodejs images). The same agent as lambda_dap_agent.py, frame for frame: read that file's docstring
// for what it does; the comments here say where Node makes it differ in how, never in what goes on the wire.
//
//     node lambda_dap_agent.js [launch.sh arguments...]
//
// Node's own modules only (Node 18 and later). Frames: a type byte, a channel (u32), a length (u32), the payload.
//
// Order is the point: whatever the runtime, the launcher and the extensions wrote goes out before any channel data
// that follows it (a function's output before its answer). Node reads the FIFOs and pipes asynchronously, so before
// each channel's data the agent reads them itself, synchronously, to their end (EAGAIN: nothing more), and every
// frame is written to fd 1 synchronously, whole, before anything else happens (EAGAIN: wait and write on).
//
// Left out: the Python agent's release of an extension log's pages once sent (fallocate's punch hole; Node has no
// such call). An extension's log stays in the run directory's tmpfs as it grows.

"use strict";

const childProcess = require("node:child_process");
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");

const [ACCEPT, OPEN, OPENED, DATA, EOF, CLOSE, OUTPUT, FILE, GO, DEADLINE, EXIT, MEMORY] = [
  1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
];
// The container's peak memory as its own cgroup counts it (v2, then v1): lambda-dap cannot read it from elsewhere.
const PEAK_FILES = ["/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"];
const HEADER_SIZE = 9;
const [RUNTIME_STDOUT, RUNTIME_STDERR, LAUNCHER_STDOUT, LAUNCHER_STDERR] = [1, 2, 3, 4];
const RUN = "/var/lambda-dap";
const FILES = "/var/lambda-dap-files";
const CHUNK = 65536;
const POLL_MS = 10; // how often the run directory is looked at for the extensions' files, during init
const IDLE_POLL_MS = 100; // ... once the runtime runs (all of it goes out before any channel data, whatever this is)
const CONNECT_TIMEOUT_MS = 2000;
const SET_ASIDE = "LAMBDA_DAP_NODE_OPTIONS"; // NODE_OPTIONS, kept by the entrypoint for the launcher (spec.AGENTS)
// What the Python agent says for a failed dial (its OSError's strerror), for the errors a dial meets.
const STRERROR = {
  ECONNREFUSED: "Connection refused",
  ECONNRESET: "Connection reset by peer",
  EHOSTUNREACH: "No route to host",
  ENETUNREACH: "Network is unreachable",
  EADDRNOTAVAIL: "Cannot assign requested address",
  ETIMEDOUT: "timed out",
  ENOTFOUND: "Name or service not known",
  EAI_AGAIN: "Temporary failure in name resolution",
};

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAll(fd, data) {
  let offset = 0;
  while (offset < data.length) {
    try {
      offset += fs.writeSync(fd, data, offset, data.length - offset);
    } catch (error) {
      if (error.code !== "EAGAIN" && error.code !== "EINTR") {
        throw error;
      }
      Atomics.wait(pause, 0, 0, 1); // fd 1 is non-blocking: the reader is behind, wait for it (order first)
    }
  }
}

function writeFrame(kind, channel, payload = Buffer.alloc(0)) {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt8(kind, 0);
  header.writeUInt32BE(channel, 1);
  header.writeUInt32BE(payload.length, 5);
  writeAll(1, Buffer.concat([header, payload]));
}

/** Everything readable of a non-blocking fd now, each read sent as it comes; false at its end. */
function readAvailable(fd, channel) {
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    let count;
    try {
      count = fs.readSync(fd, buffer, 0, CHUNK, null);
    } catch (error) {
      if (error.code === "EAGAIN" || error.code === "EWOULDBLOCK" || error.code === "EINTR") {
        return true;
      }
      count = 0;
    }
    if (count === 0) {
      return false;
    }
    writeFrame(OUTPUT, channel, Buffer.from(buffer.subarray(0, count)));
  }
}

function readWhole(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return null;
  }
}

class Channel {
  constructor(sock) {
    this.sock = sock;
    this.peerDone = false; // lambda-dap sent EOF
    this.localDone = false; // the socket ended
    this.written = false; // our side of the socket is shut, all of lambda-dap's data taken
  }
}

class Agent {
  constructor(args) {
    this.args = args;
    this.channels = new Map();
    this.nextChannel = 2; // the agent's channels are even, lambda-dap's odd
    this.inbox = Buffer.alloc(0);
    this.fifos = []; // [read fd, OUTPUT channel, its socket]
    this.keepOpen = [];
    this.launcherPipes = new Map(); // OUTPUT channel -> {fd, stream}
    this.offsets = new Map(); // ext-NAME.log -> bytes sent
    this.sentFiles = new Map(); // other mirrored files -> their content as sent
    this.child = null;
    this.pollMs = POLL_MS;
    this.ended = false;
  }

  // --- set-up --------------------------------------------------------------------------------------------------

  /** The run directory, its FIFOs, the listener; `ready()` once the listener listens. */
  prepare(ready, failed) {
    fs.mkdirSync(RUN, { recursive: true });
    for (const name of fs.readdirSync(FILES).sort()) {
      const source = path.join(FILES, name);
      const stat = fs.statSync(source, { throwIfNoEntry: false }); // a dangling link is no file (os.path.isfile)
      if (stat !== undefined && stat.isFile() && !name.startsWith(".")) {
        const target = path.join(RUN, name); // as shutil.copy2: content, mode and times
        fs.copyFileSync(source, target);
        fs.chmodSync(target, stat.mode & 0o7777);
        fs.utimesSync(target, stat.atime, stat.mtime);
      }
    }
    const umask = process.umask(0o022); // read (set back at once): os.mkfifo(path, 0o666) is subject to it
    process.umask(umask);
    const mode = (0o666 & ~umask).toString(8);
    const fifos = ["go", "stdout", "stderr"].map((name) => path.join(RUN, name));
    childProcess.execFileSync("mkfifo", ["-m", mode, ...fifos], { stdio: ["ignore", "ignore", "inherit"] });
    for (const name of ["stdout", "stderr"]) {
      fs.chmodSync(path.join(RUN, name), 0o666); // past the umask: the runtime may run as another user
    }
    for (const [name, channel] of [
      ["stdout", RUNTIME_STDOUT],
      ["stderr", RUNTIME_STDERR],
    ]) {
      const file = path.join(RUN, name);
      const readFd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      this.keepOpen.push(fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)); // no end between runtimes
      const stream = new net.Socket({ fd: readFd, readable: true, writable: false });
      stream.on("data", (data) => writeFrame(OUTPUT, channel, data));
      stream.on("error", () => {});
      this.fifos.push([readFd, channel, stream]);
    }
    const address = process.env.AWS_LAMBDA_RUNTIME_API || "127.0.0.1:9001";
    const colon = address.lastIndexOf(":");
    const host = colon >= 0 ? address.slice(0, colon) : "";
    const port = Number.parseInt(colon >= 0 ? address.slice(colon + 1) : address, 10);
    this.listener = net.createServer({ allowHalfOpen: true }, (sock) => this.accept(sock));
    this.listener.once("error", failed);
    this.listener.listen({ host: host || "127.0.0.1", port, backlog: 64 }, () => {
      this.listener.removeListener("error", failed);
      this.listener.on("error", () => {});
      ready();
    });
  }

  startLauncher() {
    const env = { ...process.env };
    if (SET_ASIDE in env) {
      env.NODE_OPTIONS = env[SET_ASIDE]; // the function's own, which the entrypoint kept from the agent's node
      delete env[SET_ASIDE];
    }
    this.child = childProcess.spawn("/bin/sh", [path.join(RUN, "launch.sh"), ...this.args], {
      stdio: ["ignore", "pipe", "pipe"],
      env,
    });
    for (const [stream, channel] of [
      [this.child.stdout, LAUNCHER_STDOUT],
      [this.child.stderr, LAUNCHER_STDERR],
    ]) {
      const fd = stream._handle && typeof stream._handle.fd === "number" ? stream._handle.fd : -1;
      this.launcherPipes.set(channel, { fd, stream });
      stream.on("data", (data) => writeFrame(OUTPUT, channel, data));
      for (const event of ["end", "error", "close"]) {
        stream.on(event, () => this.launcherPipes.delete(channel)); // its fd is no longer ours to read
      }
    }
    this.child.on("exit", (code, signal) => this.finish(code, signal));
    this.child.on("error", (error) => {
      process.stderr.write(`lambda-dap agent: cannot start the launcher: ${error.message}\n`);
      process.exit(126);
    });
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) {
      process.on(signal, () => this.forwardSignal(signal));
    }
  }

  forwardSignal(signal) {
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) {
      try {
        process.kill(this.child.pid, signal);
      } catch {
        // gone meanwhile
      }
    }
  }

  // --- the loop ------------------------------------------------------------------------------------------------

  run() {
    process.stdin.on("data", (data) => this.readInbox(data));
    process.stdin.on("end", () => this.abandon());
    process.stdin.on("error", () => this.abandon());
    const tick = () => {
      if (this.ended) {
        return;
      }
      this.mirrorFiles();
      setTimeout(tick, this.pollMs);
    };
    tick();
  }

  /** Everything the runtime, the launcher and the extensions wrote so far goes out, before what follows. */
  drain() {
    for (const [fd, channel] of this.fifos) {
      readAvailable(fd, channel);
    }
    for (const [channel, pipe] of this.launcherPipes) {
      if (pipe.fd >= 0 && !readAvailable(pipe.fd, channel)) {
        this.launcherPipes.delete(channel); // its end: the stream's own reading sees it too
      }
    }
    this.mirrorFiles();
  }

  /** The launcher's files for lambda-dap (`extensions`, `ext-NAME.log` and `ext-NAME.exit`), as they grow. */
  mirrorFiles() {
    let names;
    try {
      names = fs.readdirSync(RUN).sort();
    } catch {
      return;
    }
    for (const name of names) {
      // logs before exits: an extension's last words come before its end
      if (name.startsWith("ext-") && name.endsWith(".log")) {
        this.mirrorLog(name);
      }
    }
    for (const name of names) {
      if (name === "extensions" || (name.startsWith("ext-") && name.endsWith(".exit"))) {
        this.mirrorWhole(name);
      }
    }
  }

  mirrorLog(name) {
    const offset = this.offsets.get(name) || 0;
    const parts = [];
    let fd;
    try {
      fd = fs.openSync(path.join(RUN, name), "r");
    } catch {
      return;
    }
    try {
      const buffer = Buffer.allocUnsafe(CHUNK);
      let position = offset;
      for (;;) {
        const count = fs.readSync(fd, buffer, 0, CHUNK, position);
        if (count === 0) {
          break;
        }
        parts.push(Buffer.from(buffer.subarray(0, count)));
        position += count;
      }
    } catch {
      return;
    } finally {
      fs.closeSync(fd);
    }
    const data = Buffer.concat(parts);
    if (data.length) {
      this.offsets.set(name, offset + data.length);
      writeFrame(FILE, 0, Buffer.concat([Buffer.from(`a${name}\0`), data]));
    }
  }

  mirrorWhole(name) {
    const data = readWhole(path.join(RUN, name));
    if (data === null || data.length === 0 || data[data.length - 1] !== 0x0a) {
      return; // still being written
    }
    const sent = this.sentFiles.get(name);
    if (sent !== undefined && sent.equals(data)) {
      return;
    }
    this.sentFiles.set(name, data);
    writeFrame(FILE, 0, Buffer.concat([Buffer.from(`w${name}\0`), data]));
  }

  // --- channels ------------------------------------------------------------------------------------------------

  accept(sock) {
    const channel = this.nextChannel;
    this.nextChannel += 2;
    if (!fs.existsSync(path.join(RUN, "extensions"))) {
      this.pollMs = IDLE_POLL_MS; // no extension to wait for: the runtime itself connects
    }
    this.addChannel(channel, sock);
    writeFrame(ACCEPT, channel);
  }

  addChannel(channel, sock) {
    try {
      sock.setNoDelay(true);
    } catch {
      // not a TCP socket any more
    }
    const state = new Channel(sock);
    this.channels.set(channel, state);
    sock.on("data", (data) => {
      if (this.channels.get(channel) !== state) {
        return;
      }
      this.drain();
      writeFrame(DATA, channel, data);
    });
    sock.on("end", () => this.onLocalEnd(channel, state));
    sock.on("finish", () => {
      state.written = true;
      if (state.localDone) {
        this.closeChannel(channel, true);
      }
    });
    sock.on("error", (error) => {
      // as the Python agent: a failed read is the socket's end (EOF), a failed write the channel's (CLOSE)
      if (error.syscall === "read") {
        this.onLocalEnd(channel, state);
      } else {
        this.closeChannel(channel, true);
      }
    });
    return state;
  }

  onLocalEnd(channel, state) {
    if (this.channels.get(channel) !== state || state.localDone) {
      return;
    }
    this.drain();
    state.localDone = true;
    writeFrame(EOF, channel);
    if (state.peerDone && state.written) {
      this.closeChannel(channel, true);
    }
  }

  closeChannel(channel, notify) {
    const state = this.channels.get(channel);
    if (state === undefined) {
      return;
    }
    this.channels.delete(channel);
    state.sock.destroy();
    if (notify) {
      writeFrame(CLOSE, channel);
    }
  }

  openChannel(channel, target) {
    const text = target.toString();
    const colon = text.lastIndexOf(":");
    const host = text.slice(0, colon);
    const port = Number(text.slice(colon + 1));
    if (colon < 0 || !Number.isInteger(port) || port < 0 || port > 65535 || text.slice(colon + 1) === "") {
      writeFrame(CLOSE, channel, Buffer.from(`invalid literal for int() with base 10: '${text.slice(colon + 1)}'`));
      return;
    }
    const sock = net.connect({ host, port, allowHalfOpen: true });
    const late = () => sock.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" }));
    const timer = setTimeout(late, CONNECT_TIMEOUT_MS);
    const refused = (error) => {
      clearTimeout(timer);
      writeFrame(CLOSE, channel, Buffer.from(STRERROR[error.code] || error.message));
    };
    sock.once("error", refused);
    sock.once("connect", () => {
      clearTimeout(timer);
      sock.removeListener("error", refused);
      this.addChannel(channel, sock);
      writeFrame(OPENED, channel);
    });
  }

  // --- frames from lambda-dap ----------------------------------------------------------------------------------

  readInbox(data) {
    this.inbox = this.inbox.length ? Buffer.concat([this.inbox, data]) : data;
    while (this.inbox.length >= HEADER_SIZE) {
      const kind = this.inbox.readUInt8(0);
      const channel = this.inbox.readUInt32BE(1);
      const length = this.inbox.readUInt32BE(5);
      if (this.inbox.length < HEADER_SIZE + length) {
        break;
      }
      const payload = this.inbox.subarray(HEADER_SIZE, HEADER_SIZE + length);
      this.inbox = this.inbox.subarray(HEADER_SIZE + length);
      this.onFrame(kind, channel, Buffer.from(payload));
      if (this.ended) {
        return;
      }
    }
  }

  onFrame(kind, channel, payload) {
    const state = this.channels.get(channel);
    if (kind === DATA && state !== undefined && !state.peerDone) {
      state.sock.write(payload);
    } else if (kind === EOF && state !== undefined) {
      if (!state.peerDone) {
        state.peerDone = true;
        if (state.sock.destroyed) {
          state.written = true; // nothing more can go: the socket failed
          if (state.localDone) {
            this.closeChannel(channel, true);
          }
        } else {
          state.sock.end(); // after what was written: Node sends it first, then shuts the socket's write side
        }
      }
    } else if (kind === CLOSE && state !== undefined) {
      this.closeChannel(channel, false);
    } else if (kind === OPEN) {
      this.openChannel(channel, payload);
    } else if (kind === GO) {
      this.pollMs = IDLE_POLL_MS;
      // the FIFO's open waits for launch.sh to read: in the thread pool, not in the loop
      fs.writeFile(path.join(RUN, "go"), "go\n", () => {});
    } else if (kind === MEMORY) {
      writeFrame(MEMORY, 0, peakMemory());
    } else if (kind === DEADLINE) {
      const staging = path.join(RUN, "deadline.new");
      fs.writeFileSync(staging, payload);
      fs.chmodSync(staging, 0o644);
      fs.renameSync(staging, path.join(RUN, "deadline"));
    }
  }

  // --- the end -------------------------------------------------------------------------------------------------

  /** The launcher ended: what it and the runtime wrote goes out, then its status. */
  finish(code, signal) {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.drain();
    const status = signal ? 128 + (os.constants.signals[signal] || 0) : code;
    writeFrame(EXIT, 0, Buffer.from(String(status)));
    process.exit(status);
  }

  /** lambda-dap is gone (stdin ended): end everything, so the container goes too. */
  abandon() {
    if (this.ended) {
      return;
    }
    this.ended = true;
    if (this.child !== null && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.removeAllListeners("exit");
      this.child.once("exit", () => process.exit(137));
      this.child.kill("SIGKILL");
      return;
    }
    process.exit(137);
  }
}

function peakMemory() {
  for (const file of PEAK_FILES) {
    const data = readWhole(file);
    if (data === null) {
      continue;
    }
    const value = data.toString("latin1").trim();
    if (/^[0-9]+$/.test(value)) {
      return Buffer.from(value);
    }
  }
  return Buffer.alloc(0);
}

function main(args) {
  const agent = new Agent(args);
  const failed = (error) => {
    process.stderr.write(`lambda-dap agent: cannot set up ${RUN}: ${error.message}\n`);
    process.exit(126);
  };
  try {
    agent.prepare(() => {
      agent.startLauncher();
      agent.run();
    }, failed);
  } catch (error) {
    failed(error);
  }
}

main(process.argv.slice(2));
