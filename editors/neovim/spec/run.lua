-- Drives lambda_dap in a headless Neovim for tests/editors/test_neovim.py:
--
--   nvim --headless -u NONE -l run.lua SCENARIO.json OUT.json
--
-- The scenario says what to put on 'runtimepath', which directory to work in, the setup() options, the answers to
-- prompts (by prompt text), which files to open, whether to resolve the configurations as nvim-dap would, and the
-- :LambdaDapInvokeAgain command lines to run against a recording session. OUT.json gets what happened.
local scenario = vim.json.decode(table.concat(vim.fn.readfile(arg[1]), "\n"))
local out_path = arg[2]

for _, dir in ipairs(scenario.rtp or {}) do
  vim.opt.runtimepath:prepend(dir)
end
if scenario.cwd then
  vim.fn.chdir(scenario.cwd)
end
vim.cmd("filetype on")

local report = { prompts = {}, notifications = {}, lsp_starts = {}, resolved = {}, requests = {}, errors = {} }
local answers = scenario.answers or {}

vim.ui.select = function(items, opts, callback)
  table.insert(report.prompts, { kind = "select", prompt = opts.prompt, items = items })
  local answer = answers[opts.prompt]
  callback(vim.tbl_contains(items, answer) and answer or nil)
end
vim.ui.input = function(opts, callback)
  table.insert(report.prompts, { kind = "input", prompt = opts.prompt, default = opts.default })
  local answer = answers[opts.prompt]
  if answer == vim.NIL then
    answer = nil
  elseif answer == nil then
    answer = opts.default
  end
  callback(answer)
end
vim.notify = function(message, level)
  table.insert(report.notifications, { message = message, level = level })
end
report.codelens_refreshes = {}
if scenario.real_lsp then
  goto real_lsp
end
vim.lsp.codelens.refresh = function(opts)
  table.insert(report.codelens_refreshes, vim.api.nvim_buf_get_name(opts.bufnr))
end
vim.lsp.start = function(config, opts)
  -- The server's side of attaching: a client that offers code lenses.
  config.on_attach({
    supports_method = function(_, method)
      return method == "textDocument/codeLens"
    end,
  }, opts.bufnr)
  table.insert(report.lsp_starts, {
    name = config.name,
    cmd = config.cmd,
    root_dir = config.root_dir,
    buffer = vim.api.nvim_buf_get_name(opts and opts.bufnr or 0),
  })
  return #report.lsp_starts
end
::real_lsp::

for _, path in ipairs(scenario.before_setup or {}) do
  vim.cmd.edit(vim.fn.fnameescape(path))
end

local dap = require("dap")
local ok, err = pcall(function()
  require("lambda_dap").setup(scenario.setup ~= vim.NIL and scenario.setup or nil)
end)
if not ok then
  table.insert(report.errors, tostring(err))
end

for _, path in ipairs(scenario.open or {}) do
  vim.cmd.edit(vim.fn.fnameescape(path))
end

-- What setup() registered, with functions named rather than dropped.
local function plain(value)
  if type(value) == "function" then
    return "<function>"
  end
  if type(value) == "table" then
    local result = {}
    for key, item in pairs(value) do
      result[key] = plain(item)
    end
    local mt = getmetatable(value)
    if mt and mt.__call then
      result["<__call>"] = true
    end
    return result
  end
  return value
end
report.adapters = plain(dap.adapters)
report.configurations = plain(dap.configurations)
report.type_to_filetypes = require("dap.ext.vscode").type_to_filetypes
report.command = vim.api.nvim_get_commands({}).LambdaDapInvokeAgain

if scenario.resolve then
  if scenario.buffer then
    vim.cmd.edit(vim.fn.fnameescape(scenario.buffer))
  end
  local done = false
  coroutine.wrap(function()
    for _, filetype in ipairs(scenario.resolve) do
      report.resolved[filetype] = {}
      for _, config in ipairs(dap.configurations[filetype] or {}) do
        local resolved = dap._resolve(config)
        table.insert(report.resolved[filetype], resolved or { aborted = config.name })
      end
    end
    done = true
  end)()
  if not vim.wait(10000, function()
    return done
  end) then
    table.insert(report.errors, "resolving the configurations did not finish")
  end
end

if scenario.real_lsp then
  -- The real client against the real server: wait for it to initialize, then ask for the buffer's code lenses.
  local bufnr = vim.api.nvim_get_current_buf()
  local client
  local ready = vim.wait(30000, function()
    client = vim.lsp.get_clients({ name = "lambda-dap", bufnr = bufnr })[1]
    return client ~= nil and client.initialized == true
  end, 50)
  if not ready then
    table.insert(report.errors, "the language server did not initialize")
  else
    local params = { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }
    local response = client:request_sync("textDocument/codeLens", params, 30000, bufnr)
    report.lsp = { root_dir = client.config.root_dir, cmd = client.config.cmd, lenses = {} }
    for _, lens in ipairs(response and response.result or {}) do
      table.insert(report.lsp.lenses, {
        line = lens.range.start.line,
        title = lens.command and lens.command.title or vim.NIL,
      })
    end
    client:stop(true)
  end
end

if scenario.launch_json then
  -- As nvim-dap reads .vscode/launch.json before Neovim 0.12: comment lines dropped, then vim.json.decode.
  local lines = {}
  for _, line in ipairs(vim.fn.readfile(scenario.launch_json)) do
    if not vim.startswith(vim.trim(line), "//") then
      lines[#lines + 1] = line
    end
  end
  report.launch_json = {}
  for _, config in ipairs(vim.json.decode(table.concat(lines, "\n")).configurations) do
    table.insert(report.launch_json, { type = config.type, has_adapter = dap.adapters[config.type] ~= nil, configuration = config })
  end
end

if scenario.invoke then
  local session = nil
  if not scenario.no_session then
    session = dap._fake_session(function()
      if scenario.invoke_error then
        return { message = scenario.invoke_error }, nil
      end
      return nil, {}
    end)
  end
  for _, line in ipairs(scenario.invoke) do
    local ran, problem = pcall(vim.cmd, line)
    if not ran then
      table.insert(report.errors, tostring(problem))
    end
  end
  -- vim.json.encode cannot tell an empty object from an empty list: say which it is.
  for _, request in ipairs(session and session.requests or {}) do
    table.insert(report.requests, { command = request.command, arguments = vim.json.encode(request.arguments) })
  end
end

vim.fn.writefile({ vim.json.encode(report) }, out_path)
