-- The baseline's load: POST /scan/<secret> with a random one of the prepared tickets.
-- Arguments after "--": the secrets' prefix and how many there are.

local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

function init(args)
   local prefix = args[1]
   count = tonumber(args[2])
   math.randomseed(1000 + tid)
   prepared = {}
   for i = 0, count - 1 do
      local path = "/scan/" .. prefix .. string.format("%06d", i)
      prepared[i + 1] = wrk.format("POST", path, {["Content-Type"] = "application/json"}, "{}")
   end
end

function request()
   return prepared[math.random(count)]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
      '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
