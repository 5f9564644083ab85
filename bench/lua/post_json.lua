-- wrk script: POST a JSON document read from the file named by BENCH_BODY_FILE.
-- bench/run.py writes that file; to use by hand:
--   BENCH_BODY_FILE=body.json wrk -s bench/lua/post_json.lua http://127.0.0.1:8000/items
local path = os.getenv("BENCH_BODY_FILE")
if path == nil or path == "" then
  error("BENCH_BODY_FILE is not set")
end

local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
