-- The part of nvim-dap's dap.ext.vscode that lambda_dap touches: the launch.json type -> filetypes map.
local M = {}

M.type_to_filetypes = {}

return M
