-- A flash crowd claiming one scarce offer: POST /api/v1/offers/<id>/claim, once per member,
-- and a second press (a double tap, with its own Idempotency-Key) from every Nth member.
--
-- Arguments after "--": path, members, wrk threads, double tap every Nth, output folder,
-- session key prefix, CSRF token, Idempotency-Key prefix.
--
-- Member n (0 <= n < members) belongs to wrk thread n % threads. It is signed in: its
-- browser session's key is <session prefix><n as 8 digits> (made before the run, as a
-- phone signed in by SMS holds one), sent as the session cookie with the CSRF cookie and
-- header a page calling the API sends. Its press carries Idempotency-Key <key prefix>-<n>-1;
-- a double tap, queued right after it so that the two race on two connections, -<n>-2.
--
-- Each thread stops once it has every answer and leaves <output>/thread-<id>.done; the
-- harness then interrupts wrk, whose done() writes <output>/answers.txt: per thread the
-- requests expected, the count of each status, the claim id in every 201 answer and the
-- count of each refusal code. Connections with nothing left to send wait (delay).

local counter = 0
local threads = {}

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   threads[#threads + 1] = thread
end

function init(args)
   local path = args[1]
   local members = tonumber(args[2])
   local threads = tonumber(args[3])
   local double_every = tonumber(args[4])
   output = args[5]
   local session_prefix = args[6]
   local csrf = args[7]
   local key_prefix = args[8]
   queue = {}
   for n = tid, members - 1, threads do
      local cookie = "sessionid=" .. session_prefix .. string.format("%08d", n) ..
         "; csrftoken=" .. csrf
      for press = 1, ((double_every > 0 and n % double_every == double_every - 1) and 2 or 1) do
         local headers = {
            ["Cookie"] = cookie,
            ["X-CSRFToken"] = csrf,
            ["Idempotency-Key"] = key_prefix .. "-" .. n .. "-" .. press,
         }
         queue[#queue + 1] = wrk.format("POST", path, headers, "")
      end
   end
   -- A GET on the claim path answers 405 at once; it stands in when a connection is handed
   -- a request with nothing left to send, and its answer is not counted.
   idle = wrk.format("GET", path)
   expected = #queue
   reserved = 0
   position = 0
   received = 0
   statuses = {}
   codes = {}
   ids = {}
end

function delay()
   if reserved >= expected then
      return 3600000
   end
   reserved = reserved + 1
   return 0
end

function request()
   if reserved == 0 then
      -- wrk calls request() once before the run to inspect it; that call sends nothing.
      return queue[1]
   end
   if position >= expected then
      return idle
   end
   position = position + 1
   return queue[position]
end

function response(status, headers, body)
   if status == 405 then
      return
   end
   received = received + 1
   statuses[status] = (statuses[status] or 0) + 1
   if status == 201 then
      ids[#ids + 1] = body:match('"id":%s*(%d+)') or "?"
   else
      local code = body:match('"code":%s*"([%w_]+)"') or "?"
      codes[code] = (codes[code] or 0) + 1
   end
   if received == expected then
      local marker = assert(io.open(output .. "/thread-" .. tid .. ".done", "w"))
      marker:close()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   local output = threads[1]:get("output")
   local file = assert(io.open(output .. "/answers.txt", "w"))
   for _, thread in ipairs(threads) do
      file:write("expected ", thread:get("expected"), "\n")
      for status, count in pairs(thread:get("statuses")) do
         file:write("status ", status, " ", count, "\n")
      end
      for code, count in pairs(thread:get("codes")) do
         file:write("code ", code, " ", count, "\n")
      end
      for _, id in ipairs(thread:get("ids")) do
         file:write("id ", id, "\n")
      end
   end
   file:close()
   local e = summary.errors
   io.write(string.format(
      'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
      '"p99_us": %d, "max_us": %d, "errors": {"connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d}}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
