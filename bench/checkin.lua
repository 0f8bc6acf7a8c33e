-- Sends prepared POST requests and keeps every answer (the check-in benchmark's load).
--
-- Arguments after "--": input folder, output folder, seconds (0: send the whole queue).
--
-- wrk thread <tid> reads <input>/requests-<tid>.txt, one request a line:
--    path <TAB> bearer token <TAB> JSON body
-- and sends them in order, each exactly once, over the thread's connections (so two
-- connections never send the same line, unless the file holds it twice). With seconds > 0 it
-- stops taking new lines after that long (lines left over are never sent); either way it then
-- waits for the answers of everything it sent. Every answer goes to
-- <output>/answers-<tid>.txt as  status <TAB> body  (newlines in the body become spaces);
-- once all are in, the thread leaves <output>/thread-<tid>.done and stops, and the harness
-- interrupts wrk when every thread has.
--
-- wrk calls delay() before every request it sends on a connection (the first one too) and
-- request() right after it; a connection with nothing left to send is told to wait an hour.

local counter = 0

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
end

local function split(line)
   local path, token, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
   return path, token, body
end

function init(args)
   local input = args[1]
   output = args[2]
   local seconds = tonumber(args[3])
   queue = {}
   for line in io.lines(input .. "/requests-" .. tid .. ".txt") do
      local path, token, body = split(line)
      local headers = {["Content-Type"] = "application/json"}
      if token ~= "" then
         headers["Authorization"] = "Bearer " .. token
      end
      queue[#queue + 1] = wrk.format("POST", path, headers, body)
   end
   expected = #queue
   deadline = seconds > 0 and os.time() + seconds or nil
   reserved = 0
   position = 0
   received = 0
   finished = false
   answers = assert(io.open(output .. "/answers-" .. tid .. ".txt", "w"))
   answers:setvbuf("line")
end

local function sending_over()
   return reserved >= expected or (deadline ~= nil and os.time() >= deadline)
end

local function finish_if_done()
   if not finished and received == reserved and sending_over() then
      finished = true
      answers:close()
      local marker = assert(io.open(output .. "/thread-" .. tid .. ".done", "w"))
      marker:write(reserved, "\n")
      marker:close()
      wrk.thread:stop()
   end
end

function delay()
   if sending_over() then
      finish_if_done()
      return 3600000
   end
   reserved = reserved + 1
   return 0
end

function request()
   if reserved == 0 or position >= reserved then
      -- wrk calls request() once on the first thread before the run, to inspect it; that
      -- call follows no delay() and takes nothing from the queue.
      return queue[1]
   end
   position = position + 1
   return queue[position]
end

function response(status, headers, body)
   if finished then
      return
   end
   received = received + 1
   answers:write(status, "\t", (body:gsub("[\r\n]", " ")), "\n")
   finish_if_done()
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
