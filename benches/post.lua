-- wrk script for benches/http.sh: POSTs the file named by $BODY (default benches/body.json)
-- with Content-Type: application/json, and at the end prints one line for the script to read:
--   RESULT requests=… duration_us=… errors=… p50_us=… p99_us=… mean_us=… max_us=…
local path = os.getenv("BODY") or "benches/body.json"
local file = assert(io.open(path, "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d errors=%d status_errors=%d p50_us=%d p99_us=%d mean_us=%.1f max_us=%d\n",
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max))
end
