"""The Debug Adapter Protocol server: `lambda-dap --stdio` / `lambda-dap --port N`.

protocol: framing; messages: building requests, responses and events; capabilities: what the adapter advertises;
upstream: a DAP connection to the debugger in the container; debuggers: how to talk to each debugger;
output: engine events as DAP events; session: one editor connection; server: stdio and TCP front ends;
launch: launch configurations (written separately).
"""
