-- A stand-in for nvim-dap in lambda_dap's tests (nvim-dap is on no package registry the tests can install from):
-- the tables setup() fills in, a session that records requests, and `_resolve`, which does to a configuration what
-- nvim-dap does before it launches one (metatable __call, function values, ${...} variables, dap.ABORT).
local M = {}

M.ABORT = {}
M.adapters = {}
M.configurations = {}

M._session = nil

function M.session()
  return M._session
end

--- A session whose requests are recorded; `reply(command, arguments)` returns err, result for the callback.
function M._fake_session(reply)
  local session = { requests = {} }
  function session:request(command, arguments, callback)
    self.requests[#self.requests + 1] = { command = command, arguments = arguments }
    local err, result = reply(command, arguments)
    if callback then
      callback(err, result)
    end
  end
  M._session = session
  return session
end

local variables = {
  ["${file}"] = function()
    return vim.fn.expand("%:p")
  end,
  ["${fileDirname}"] = function()
    return vim.fn.expand("%:p:h")
  end,
  ["${workspaceFolder}"] = function()
    return vim.fn.getcwd()
  end,
}

local function expand(value)
  if type(value) == "function" then
    value = value()
  end
  if value == M.ABORT then
    return value
  end
  if type(value) == "table" then
    local result = {}
    for key, item in pairs(value) do
      result[key] = expand(item)
    end
    return setmetatable(result, getmetatable(value))
  end
  if type(value) == "string" then
    for name, fn in pairs(variables) do
      value = value:gsub(vim.pesc(name), function()
        return fn()
      end)
    end
  end
  return value
end

--- The configuration nvim-dap would send; nil when a prompt answered dap.ABORT. Must run in a coroutine.
function M._resolve(config)
  local mt = getmetatable(config)
  if mt and type(mt.__call) == "function" then
    config = config()
  end
  local result = {}
  for key, value in pairs(config) do
    result[key] = expand(value)
    if result[key] == M.ABORT then
      return nil
    end
  end
  return result
end

return M
