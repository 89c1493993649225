-- neovim_session.lua: drive nki-ls from a real headless Neovim (0.10+ API), write one JSON result.
-- Env: NKI_FILE (kernel to open), NKI_CMD (server argv, JSON list), NKI_OUT (result path),
--      NKI_HOVER_LINE / NKI_HOVER_COL (0-based hover position), NKI_TIMEOUT_MS (bound for every wait).
-- Steps: vim.lsp.start -> diagnostics (pulled by 0.11, pushed by older) -> hover -> first quick fix ->
--        apply its edit -> wait until the diagnostics are gone. Every wait is bounded.
local T = tonumber(os.getenv("NKI_TIMEOUT_MS") or "15000")
local out = { errors = {}, nvim = tostring(vim.version()) }
local function finish()
  local f = assert(io.open(os.getenv("NKI_OUT"), "w"))
  f:write(vim.json.encode(out))
  f:close()
  vim.cmd("qa!")
end
local function fail(msg)
  table.insert(out.errors, msg)
  finish()
end

local file = vim.fn.fnamemodify(os.getenv("NKI_FILE"), ":p")
vim.cmd("edit " .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start({
  name = "nki-ls",
  cmd = vim.json.decode(os.getenv("NKI_CMD")),
  root_dir = vim.fn.fnamemodify(file, ":h"),
  init_options = { nki = { target = "trn2" } },
}, { bufnr = bufnr })
if not client_id then return fail("vim.lsp.start returned nil") end
local client = vim.lsp.get_client_by_id(client_id)

if not vim.wait(T, function() return #vim.diagnostic.get(bufnr) > 0 end, 20) then
  return fail("no diagnostics within " .. T .. " ms")
end
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(bufnr)) do
  table.insert(out.diagnostics, { code = d.code, lnum = d.lnum, col = d.col, message = d.message })
end

local uri = vim.uri_from_bufnr(bufnr)
local function request(method, params)
  local response = client:request_sync(method, params, T, bufnr)
  if not response or response.err then
    table.insert(out.errors, method .. ": " .. vim.inspect(response and response.err or "timeout"))
    return nil
  end
  return response.result
end

local hover = request("textDocument/hover", {
  textDocument = { uri = uri },
  position = { line = tonumber(os.getenv("NKI_HOVER_LINE")), character = tonumber(os.getenv("NKI_HOVER_COL")) },
})
out.hover = hover and hover.contents and hover.contents.value or vim.NIL

local first = vim.diagnostic.get(bufnr)[1]
local range = { start = { line = first.lnum, character = first.col }, ["end"] = { line = first.end_lnum, character = first.end_col } }
local lsp_diagnostic = first.user_data and first.user_data.lsp or { range = range, message = first.message, code = first.code }
local actions = request("textDocument/codeAction", {
  textDocument = { uri = uri }, range = range, context = { diagnostics = { lsp_diagnostic } },
}) or {}
out.code_actions = {}
local chosen = nil
for _, action in ipairs(actions) do
  table.insert(out.code_actions, action.title)
  if action.isPreferred and not chosen then chosen = action end
end
if not chosen or not chosen.edit then return fail("no preferred quick fix with an edit") end
vim.lsp.util.apply_workspace_edit(chosen.edit, client.offset_encoding)
out.applied = chosen.title
out.text_after_fix = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
if not vim.wait(T, function() return #vim.diagnostic.get(bufnr) == 0 end, 20) then
  table.insert(out.errors, "diagnostics still present " .. T .. " ms after the fix")
end
out.diagnostics_after_fix = #vim.diagnostic.get(bufnr)
client:stop()
vim.wait(2000, function() return client:is_stopped() end, 20)
finish()
