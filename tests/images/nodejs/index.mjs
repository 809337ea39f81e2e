// /var/runtime/index.mjs of the lambda-dap test image: a small Lambda runtime interface client for Node.js,
// standard library only, behaving like the one in public.ecr.aws/lambda/nodejs:18 where tests can see it:
//
// - the handler "dir/file.export.path" (from _HANDLER) is imported from LAMBDA_TASK_ROOT, trying file.mjs, file.js
//   and file.cjs; import failures go to /runtime/init/error (Runtime.ImportModuleError, Runtime.UserCodeSyntaxError,
//   Runtime.HandlerNotFound, Runtime.MalformedHandlerName or the thrown error's own name) and the process exits 129;
// - it is called with (event, context), or (event, context, callback) when it declares three parameters, and what
//   it returns (or resolves to) is posted as JSON to /response; what it throws to /error as
//   {errorType, errorMessage, trace};
// - console.* write Lambda's text log lines to stdout: "<ISO time>\t<request id>\t<LEVEL>\t<message>", newlines in
//   the message as \r, so that one call is one line;
// - an uncaught exception or unhandled rejection ends the invocation with an error and the process with 129.

import { existsSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { format } from "node:util";

const API_PREFIX = "/2018-06-01/runtime";
const ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";
const HANDLER_SUFFIXES = [".mjs", ".js", ".cjs"];

let currentRequestId; // the invocation in progress, undefined during init

class RuntimeError extends Error {
  constructor(type, message, cause) {
    super(message, cause ? { cause } : undefined);
    this.name = type;
    if (cause?.stack) this.stack = [`${type}: ${message}`, ...String(cause.stack).split("\n").slice(1)].join("\n");
  }
}

function patchConsole() {
  const levels = { log: "INFO", info: "INFO", warn: "WARN", error: "ERROR", debug: "DEBUG", trace: "TRACE" };
  for (const [method, level] of Object.entries(levels)) {
    console[method] = (...args) => {
      const line = `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${format(...args)}`;
      process.stdout.write(`${line.replace(/\n/g, "\r")}\n`);
    };
  }
}

function runtimeApi() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  if (!address) {
    process.stderr.write("index.mjs: AWS_LAMBDA_RUNTIME_API is not set\n");
    process.exit(1);
  }
  const url = new URL(`http://${address}`);
  return { hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 80) };
}

const api = runtimeApi();

function call(method, route, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(body, "utf8");
    const request = http.request(
      {
        ...api,
        method,
        path: `${API_PREFIX}${route}`,
        agent: false,
        headers: payload ? { ...headers, "Content-Length": payload.length } : headers,
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () =>
          resolve({ status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

async function post(route, body, headers) {
  const response = await call("POST", route, body, { "Content-Type": "application/json", ...headers });
  if (response.status >= 300) {
    process.stderr.write(`index.mjs: POST ${route}: HTTP ${response.status} ${response.body}\n`);
  }
}

function errorDocument(error) {
  if (error instanceof Error) {
    return {
      errorType: error.name || error.constructor?.name || "Error",
      errorMessage: error.message,
      trace: String(error.stack ?? "").split("\n"),
    };
  }
  return { errorType: typeof error, errorMessage: format(error), trace: [] };
}

async function postError(route, error) {
  const document = errorDocument(error);
  console.error(route === "/init/error" ? "Init Error" : "Invoke Error", `\t${JSON.stringify(document)}`);
  await post(route, JSON.stringify(document), { [ERROR_TYPE_HEADER]: document.errorType });
}

function moduleNotFound(error) {
  return error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "MODULE_NOT_FOUND";
}

async function loadHandler(taskRoot, handlerName) {
  const slash = handlerName.lastIndexOf("/");
  const directory = handlerName.slice(0, slash + 1);
  const [moduleName, ...functionPath] = handlerName.slice(slash + 1).split(".");
  if (!moduleName || functionPath.length === 0 || functionPath.includes("")) {
    throw new RuntimeError("Runtime.MalformedHandlerName", `Bad handler ${handlerName}`);
  }
  const base = path.resolve(taskRoot, directory, moduleName);
  const file = HANDLER_SUFFIXES.map((suffix) => base + suffix).find((candidate) => existsSync(candidate));
  if (!file) {
    throw new RuntimeError("Runtime.ImportModuleError", `Error: Cannot find module '${directory}${moduleName}'`);
  }
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError("Runtime.UserCodeSyntaxError", String(error), error);
    if (moduleNotFound(error)) throw new RuntimeError("Runtime.ImportModuleError", String(error), error);
    throw error;
  }
  const lookup = (root) => functionPath.reduce((value, key) => (value == null ? undefined : value[key]), root);
  const handler = lookup(module) ?? lookup(module.default); // CommonJS exports may only be on default
  if (typeof handler !== "function") {
    throw new RuntimeError("Runtime.HandlerNotFound", `${handlerName} is undefined or not exported`);
  }
  return handler;
}

function parseHeader(value) {
  if (!value) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

function makeContext(headers) {
  const deadline = Number(headers["lambda-runtime-deadline-ms"]);
  const env = process.env;
  return {
    callbackWaitsForEmptyEventLoop: true,
    awsRequestId: headers["lambda-runtime-aws-request-id"],
    invokedFunctionArn: headers["lambda-runtime-invoked-function-arn"],
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: parseHeader(headers["lambda-runtime-client-context"]),
    identity: parseHeader(headers["lambda-runtime-cognito-identity"]),
    getRemainingTimeInMillis: () => (Number.isFinite(deadline) ? Math.max(deadline - Date.now(), 0) : 0),
  };
}

function callHandler(handler, event, context) {
  if (handler.length < 3) return Promise.resolve().then(() => handler(event, context));
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error == null ? resolve(result) : reject(error));
    const returned = handler(event, context, callback);
    if (typeof returned?.then === "function") returned.then(resolve, reject);
  });
}

async function fatal(error) {
  try {
    if (currentRequestId) await postError(`/invocation/${currentRequestId}/error`, error);
    else await postError("/init/error", error);
  } finally {
    process.exit(129);
  }
}

async function main() {
  patchConsole();
  process.on("uncaughtException", (error) => fatal(error));
  process.on("unhandledRejection", (reason) =>
    fatal(new RuntimeError("Runtime.UnhandledPromiseRejection", String(reason), reason)),
  );

  let handler;
  try {
    handler = await loadHandler(process.env.LAMBDA_TASK_ROOT || "/var/task", process.env._HANDLER || "");
  } catch (error) {
    await fatal(error);
  }

  for (;;) {
    const next = await call("GET", "/invocation/next");
    if (next.status !== 200) {
      process.stderr.write(`index.mjs: GET /invocation/next: HTTP ${next.status} ${next.body}\n`);
      process.exit(next.status === 410 ? 0 : 1);
    }
    const context = makeContext(next.headers);
    currentRequestId = context.awsRequestId;
    const traceId = next.headers["lambda-runtime-trace-id"];
    if (traceId) process.env._X_AMZN_TRACE_ID = traceId;
    else delete process.env._X_AMZN_TRACE_ID;

    let body;
    try {
      const event = JSON.parse(next.body.toString("utf8") || "null");
      body = JSON.stringify(await callHandler(handler, event, context)) ?? "null";
    } catch (error) {
      await postError(`/invocation/${currentRequestId}/error`, error);
      currentRequestId = undefined;
      continue;
    }
    await post(`/invocation/${currentRequestId}/response`, body);
    currentRequestId = undefined;
  }
}

main().catch((error) => fatal(error));
