-- Loaded by `wrk -s` for the seeking row: every request asks for RANGE_SPAN bytes at a random
-- offset of a RANGE_FILE_SIZE-byte file (a video player seeking), then the same done() report.
local size = tonumber(os.getenv("RANGE_FILE_SIZE"))
local span = tonumber(os.getenv("RANGE_SPAN"))
local counter = 0

setup = function(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

init = function()
  math.randomseed(seed or 1)
end

request = function()
  local start = math.random(0, size - span)
  return wrk.format(nil, nil, { Range = "bytes=" .. start .. "-" .. (start + span - 1) })
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%d,"requests":%d,"bytes":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
