-- lambda-dap for Neovim: nvim-dap adapters and configurations, an "invoke again" command, and the language server.
--
--   require("lambda_dap").setup()            -- after nvim-dap is on 'runtimepath'
--
-- Registers dap.adapters.lambda and dap.adapters["aws-sam"] (both start `lambda-dap --stdio`), so AWS Toolkit
-- configurations in .vscode/launch.json work unchanged through nvim-dap's own launch.json support; adds
-- configurations for Python, JavaScript and TypeScript buffers; defines :LambdaDapInvokeAgain; and starts
-- `lambda-dap lsp` for template, handler and launch.json buffers inside a SAM project.

local M = {}

local TEMPLATE_NAMES = { "template.yaml", "template.yml", "template.json" }
local ROOT_MARKERS = { "template.yaml", "template.yml", "template.json", "samconfig.toml", ".aws-sam" }
local FUNCTION_TYPES = { ["AWS::Serverless::Function"] = true, ["AWS::Lambda::Function"] = true }

M.defaults = {
  -- The adapter's command line: the executable, then its arguments.
  command = { "lambda-dap", "--stdio" },
  -- Buffers of these filetypes get the configurations below (nvim-dap picks them by filetype).
  filetypes = { "python", "javascript", "typescript" },
  -- Runtime offered for a handler without a template, per filetype.
  runtimes = { python = "python3.12", javascript = "nodejs20.x", typescript = "nodejs20.x" },
  -- The language server; false to leave it out.
  lsp = {
    cmd = { "lambda-dap", "lsp" },
    filetypes = { "yaml", "json", "jsonc", "python", "javascript", "typescript" },
    root_markers = ROOT_MARKERS,
  },
}

M.options = nil

local function notify(message, level)
  vim.notify("lambda-dap: " .. message, level or vim.log.levels.INFO)
end

local function abort()
  local ok, dap = pcall(require, "dap")
  return ok and dap.ABORT or nil
end

--- Ask the user to pick one of `items` (strings); inside nvim-dap's coroutine it waits for vim.ui.select.
---@return string|nil
local function choose(items, prompt)
  local co = coroutine.running()
  if co == nil then -- called outside a coroutine: Neovim's own synchronous prompt
    local lines = { prompt }
    for i, item in ipairs(items) do
      lines[#lines + 1] = string.format("%d. %s", i, item)
    end
    return items[vim.fn.inputlist(lines)]
  end
  vim.ui.select(items, { prompt = prompt }, function(choice)
    vim.schedule(function()
      coroutine.resume(co, choice)
    end)
  end)
  return coroutine.yield()
end

--- Ask the user for a line of text (vim.ui.input inside a coroutine); nil when cancelled.
---@return string|nil
local function ask(prompt, default, completion)
  local co = coroutine.running()
  local opts = { prompt = prompt, default = default or "", completion = completion }
  if co == nil then
    local answer = vim.fn.input(opts)
    return answer ~= "" and answer or nil
  end
  vim.ui.input(opts, function(answer)
    vim.schedule(function()
      coroutine.resume(co, answer)
    end)
  end)
  local answer = coroutine.yield()
  if answer == nil or answer == "" then
    return nil
  end
  return answer
end

--- The logical IDs of the functions a SAM/CloudFormation template declares, in file order.
---
--- JSON templates are decoded; YAML ones are scanned line by line (their `!Ref`-style tags make them YAML that
--- Neovim cannot decode): the keys one level under the top-level `Resources:` whose `Type:` is a function type.
---@param path string
---@return string[]
function M.template_functions(path)
  local ok, lines = pcall(vim.fn.readfile, path)
  if not ok then
    return {}
  end
  local names = {}
  if path:match("%.json$") then
    local decoded, document = pcall(vim.json.decode, table.concat(lines, "\n"))
    local resources = decoded and type(document) == "table" and document.Resources
    if type(resources) == "table" then
      for name, resource in pairs(resources) do
        if type(resource) == "table" and FUNCTION_TYPES[resource.Type] then
          names[#names + 1] = name
        end
      end
    end
    table.sort(names)
    return names
  end
  local in_resources, indent, current = false, nil, nil
  for _, line in ipairs(lines) do
    if line:match("%S") and not line:match("^%s*#") then
      local lead = #line:match("^%s*")
      if lead == 0 then
        in_resources = line:match("^Resources%s*:%s*$") ~= nil or line:match("^Resources%s*:%s*#") ~= nil
        current = nil
      elseif in_resources then
        indent = indent or lead
        if lead == indent then
          current = line:match("^%s*([%w]+)%s*:")
        elseif current then
          local kind = line:match("^%s*Type%s*:%s*[\"']?([%w:]+)")
          if kind and FUNCTION_TYPES[kind] then
            names[#names + 1] = current
            current = nil
          end
        end
      end
    end
  end
  return names
end

--- The template of the project Neovim is in: template.yaml / .yml / .json in the working directory, the one there
--- is or the one the user picks; asks for a path when there is none.
---@return string|table
function M.pick_template()
  local found = {}
  for _, name in ipairs(TEMPLATE_NAMES) do
    if vim.fn.filereadable(name) == 1 then
      found[#found + 1] = name
    end
  end
  local template
  if #found == 1 then
    template = found[1]
  elseif #found > 1 then
    template = choose(found, "Template: ")
  else
    template = ask("Template: ", "template.yaml", "file")
  end
  return template or abort()
end

--- The function to debug: the template's only function, or the one the user picks (or types, if the template
--- cannot be read).
---@param template string|nil
---@return string|table
function M.pick_function(template)
  local names = template and M.template_functions(template) or {}
  local name
  if #names == 1 then
    name = names[1]
  elseif #names > 1 then
    name = choose(names, "Function: ")
  else
    name = ask("Function (logical ID): ")
  end
  return name or abort()
end

--- A template-based configuration: when nvim-dap runs it (its metatable's __call, nvim-dap's hook for filling in
--- several fields at once), it asks for the template, then for one of that template's functions, then `extra`.
local function template_config(config, extra)
  return setmetatable(config, {
    __call = function(self)
      local resolved = {}
      for key, value in pairs(self) do
        resolved[key] = value
      end
      resolved.template = M.pick_template()
      local template = type(resolved.template) == "string" and resolved.template or nil
      resolved["function"] = template and M.pick_function(template) or abort()
      for key, ask_value in pairs(extra or {}) do
        resolved[key] = ask_value()
      end
      return resolved
    end,
  })
end

local function handler_default()
  local module = vim.fn.expand("%:t:r")
  if module == "" then
    module = "app"
  end
  local name = vim.bo.filetype == "python" and "lambda_handler" or "handler"
  return module .. "." .. name
end

--- The configurations offered for buffers of `filetype`.
---@return table[]
function M.configurations(filetype, options)
  options = options or M.options or M.defaults
  local runtime = options.runtimes[filetype] or "python3.12"
  return {
    template_config({ type = "lambda", request = "launch", name = "Lambda: debug a template function" }),
    template_config({
      type = "lambda",
      request = "launch",
      name = "Lambda: debug a template function with an event file",
    }, {
      eventFile = function()
        return ask("Event file: ", "events/event.json", "file") or abort()
      end,
    }),
    template_config({
      type = "lambda",
      request = "launch",
      name = "Lambda: debug a template function, keep alive (:LambdaDapInvokeAgain)",
      keepAlive = true,
    }),
    setmetatable({
      type = "lambda",
      request = "launch",
      name = "Lambda: debug this handler (no template)",
      codeDir = "${fileDirname}",
    }, {
      __call = function(self)
        local resolved = vim.tbl_extend("force", {}, self)
        resolved.handler = ask("Handler: ", handler_default()) or abort()
        resolved.runtime = ask("Runtime: ", runtime) or abort()
        return resolved
      end,
    }),
  }
end

local function adapter(command)
  if type(command) == "string" then
    command = { command, "--stdio" }
  end
  assert(type(command) == "table" and type(command[1]) == "string", "lambda_dap: `command` must be a list of strings")
  return { type = "executable", command = command[1], args = vim.list_slice(command, 2) }
end

--- Put our configurations in front of any the user has for `filetype`, replacing earlier ones of ours by name.
local function add_configurations(configurations, filetype, ours)
  local names = {}
  for _, config in ipairs(ours) do
    names[config.name] = true
  end
  local kept = {}
  for _, config in ipairs(configurations[filetype] or {}) do
    if not names[config.name] then
      kept[#kept + 1] = config
    end
  end
  configurations[filetype] = vim.list_extend(vim.list_extend({}, ours), kept)
end

--- The custom `invoke` request to the current session: the next event in the same warm container.
---
--- `argument`: empty for the launch's own event, a JSON value (`{"name": "b"}`) for an inline event, otherwise
--- the path of an event file.
function M.invoke_again(argument)
  local session = require("dap").session()
  if session == nil then
    notify("no debug session; start one with a keepAlive configuration", vim.log.levels.WARN)
    return
  end
  local arguments = vim.empty_dict()
  argument = vim.trim(argument or "")
  local first = argument:sub(1, 1)
  if first == "{" or first == "[" or first == '"' then
    local ok, event = pcall(vim.json.decode, argument)
    if not ok then
      notify("the event is not valid JSON: " .. tostring(event), vim.log.levels.ERROR)
      return
    end
    arguments = { event = event }
  elseif argument ~= "" then
    arguments = { eventFile = vim.fn.fnamemodify(argument, ":p") }
  end
  session:request("invoke", arguments, function(err, _)
    if err then
      local message = type(err) == "table" and (err.message or vim.inspect(err)) or tostring(err)
      notify("invoke: " .. message, vim.log.levels.ERROR)
    end
  end)
end

local function project_root(bufnr, markers)
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == "" then
    return nil
  end
  if vim.fs.root then
    return vim.fs.root(bufnr, markers)
  end
  local found = vim.fs.find(markers, { upward = true, path = vim.fs.dirname(name) })[1]
  return found and vim.fs.dirname(found) or nil
end

--- Start (or reuse) `lambda-dap lsp` for `bufnr` when it lies inside a SAM project.
function M.start_lsp(bufnr, lsp)
  lsp = lsp or (M.options and M.options.lsp) or M.defaults.lsp
  local root = project_root(bufnr, lsp.root_markers or ROOT_MARKERS)
  if root == nil then
    return nil
  end
  local config = { name = "lambda-dap", cmd = lsp.cmd, root_dir = root, on_attach = M.on_attach }
  return vim.lsp.start(config, { bufnr = bufnr })
end

--- Code lenses ("Invoke", "Debug" above each function): shown on attach and kept fresh; run one with
--- vim.lsp.codelens.run().
function M.on_attach(client, bufnr)
  local method = "textDocument/codeLens"
  local supported
  if vim.fn.has("nvim-0.11") == 1 then
    supported = client:supports_method(method)
  else
    supported = client.supports_method(method)
  end
  if not supported then
    return
  end
  vim.lsp.codelens.refresh({ bufnr = bufnr })
  vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost" }, {
    group = vim.api.nvim_create_augroup("lambda_dap_codelens_" .. bufnr, { clear = true }),
    buffer = bufnr,
    callback = function()
      vim.lsp.codelens.refresh({ bufnr = bufnr })
    end,
  })
end

local function setup_lsp(lsp)
  local group = vim.api.nvim_create_augroup("lambda_dap_lsp", { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = lsp.filetypes,
    desc = "lambda-dap language server",
    callback = function(event)
      M.start_lsp(event.buf, lsp)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(lsp.filetypes, vim.bo[bufnr].filetype) then
      M.start_lsp(bufnr, lsp)
    end
  end
end

local islist = vim.islist or vim.tbl_islist

--- `opts` over `defaults`: tables merge key by key, but a list (a command line, filetypes) or a false replaces.
local function merge(defaults, opts)
  for key, value in pairs(opts) do
    if type(value) == "table" and not islist(value) and type(defaults[key]) == "table" then
      defaults[key] = merge(defaults[key], value)
    else
      defaults[key] = value
    end
  end
  return defaults
end

---@param opts table|nil see M.defaults
function M.setup(opts)
  local options = merge(vim.deepcopy(M.defaults), opts or {})
  M.options = options

  local dap = require("dap")
  dap.adapters.lambda = adapter(options.command)
  dap.adapters["aws-sam"] = adapter(options.command)
  for _, filetype in ipairs(options.filetypes) do
    add_configurations(dap.configurations, filetype, M.configurations(filetype, options))
  end

  -- .vscode/launch.json: nvim-dap reads it itself; older nvim-dap (load_launchjs) needs the type's filetypes.
  local has_vscode, vscode = pcall(require, "dap.ext.vscode")
  if has_vscode and type(vscode.type_to_filetypes) == "table" then
    vscode.type_to_filetypes["aws-sam"] = vim.deepcopy(options.filetypes)
    vscode.type_to_filetypes.lambda = vim.deepcopy(options.filetypes)
  end

  vim.api.nvim_create_user_command("LambdaDapInvokeAgain", function(command)
    M.invoke_again(command.args)
  end, {
    nargs = "?",
    -- Lua completion, not complete = "file": that one would glob-expand the argument and mangle inline JSON.
    complete = function(lead)
      return vim.fn.getcompletion(lead, "file")
    end,
    desc = "lambda-dap: invoke the keep-alive session's function again (optional: event file or inline JSON)",
  })

  if options.lsp then
    setup_lsp(options.lsp)
  end
  return M
end

return M
