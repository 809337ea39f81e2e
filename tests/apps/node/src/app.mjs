// The Node.js test function. tests/debug/test_node.py sets a breakpoint on the line marked @bp (found by the marker,
// so lines may move) and reads `greeting` there.
const coldStart = new Date().toISOString();

export const handler = async (event, context) => {
  const name = event?.name ?? "world";
  const greeting = `Hello, ${name}!`;
  console.log("greeting", name); // @bp
  return {
    greeting,
    event,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    remainingMs: context.getRemainingTimeInMillis(),
    node: process.version,
    coldStart,
  };
};

export const fails = async (event) => {
  throw new RangeError(`cannot handle ${JSON.stringify(event)}`);
};
