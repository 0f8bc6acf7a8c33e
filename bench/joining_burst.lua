-- A burst of applications against POST /api/v1/join/<code>, some of them retried.
--
-- Arguments after "--": path, applications, wrk threads, retry every Nth, output folder,
-- key prefix, consent version.
--
-- Application n (0 <= n < applications) belongs to wrk thread n % threads. Its body is a
-- valid applicant: a resident ID number from 门头沟区 (110109) with a birth date and serial
-- derived from n and the GB 11643 check character, a mobile number, an employer and a job.
-- Its Idempotency-Key is <prefix>-<n>. Every Nth application is sent a second time with the
-- same body and key, queued right after the first, so the retry usually races the original
-- on another connection (a client that gave up waiting and sent again).
--
-- Each thread stops once it has every answer and leaves <output>/thread-<id>.done; the
-- harness then interrupts wrk, whose done() writes <output>/answers.txt: per thread the
-- requests expected and answered, the count of each status, and how many answers were
-- replays of an earlier answer (Idempotent-Replayed: true). The answers themselves are alike
-- for every applicant (they tell nobody who is a member), so the harness matches keys to
-- applications in the database. Connections with nothing left to send wait (delay) until
-- the thread stops.

local counter = 0
local threads = {}

function setup(thread)
   thread:set("tid", counter)
   counter = counter + 1
   threads[#threads + 1] = thread
end

local WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
local CHECK = "10X98765432"
local SURNAMES = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙"}
local GIVEN = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"}
local EMPLOYERS = {
   {"美团外卖", "rider"}, {"饿了么", "rider"}, {"顺丰速运", "courier"}, {"京东物流", "courier"},
   {"滴滴出行", "ride_hailing"}, {"货拉拉", "truck"}, {"搜狐", "employee"}, {"", "domestic"},
}
local EDUCATION = {"middle_school", "high_school", "vocational", "college", "bachelor"}

local function id_number(n)
   local year = 1970 + n % 30
   local month = 1 + math.floor(n / 30) % 12
   local day = 1 + math.floor(n / 360) % 28
   local serial = math.floor(n / 10080) % 1000
   local body = string.format("110109%04d%02d%02d%03d", year, month, day, serial)
   local total = 0
   for i = 1, 17 do
      total = total + tonumber(body:sub(i, i)) * WEIGHTS[i]
   end
   local check = total % 11 + 1
   return body .. CHECK:sub(check, check)
end

local function body_of(n, consent_version)
   local employer = EMPLOYERS[n % #EMPLOYERS + 1]
   return string.format(
      '{"name": "%s%s%s", "gender": "%s", "ethnicity": "01", "id_number": "%s", ' ..
      '"mobile": "135%08d", "employer_name": "%s", "has_employer_union": false, ' ..
      '"job_type": "%s", "education": "%s", "political_status": "masses", ' ..
      '"consent": true, "consent_version": "%s"}',
      SURNAMES[n % #SURNAMES + 1], GIVEN[math.floor(n / 12) % #GIVEN + 1],
      GIVEN[math.floor(n / 180) % #GIVEN + 1], (n % 2 == 0) and "M" or "F", id_number(n), n,
      employer[1], employer[2], EDUCATION[n % #EDUCATION + 1], consent_version)
end

function init(args)
   local path = args[1]
   local applications = tonumber(args[2])
   local threads = tonumber(args[3])
   local retry_every = tonumber(args[4])
   output = args[5]
   local prefix = args[6]
   local consent_version = args[7]
   queue = {}
   for n = tid, applications - 1, threads do
      local headers = {
         ["Content-Type"] = "application/json",
         ["Idempotency-Key"] = prefix .. "-" .. n,
      }
      local req = wrk.format("POST", path, headers, body_of(n, consent_version))
      queue[#queue + 1] = req
      if retry_every > 0 and n % retry_every == retry_every - 1 then
         queue[#queue + 1] = req
      end
   end
   -- A GET on the joining path answers 405 at once; it stands in when a connection is
   -- handed a request with nothing left to send, and its answer is not counted.
   idle = wrk.format("GET", path)
   expected = #queue
   reserved = 0
   position = 0
   received = 0
   statuses = {}
   replayed = 0
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
      -- wrk calls request() once on the first thread before the run, to inspect the request;
      -- that call is not a send (every send follows a delay() call), so it takes nothing.
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
   if headers["Idempotent-Replayed"] == "true" then
      replayed = replayed + 1
   end
   if received == expected then
      -- Every answer is in: tell the harness (it interrupts wrk once all threads are done).
      local marker = assert(io.open(output .. "/thread-" .. tid .. ".done", "w"))
      marker:close()
      wrk.thread:stop()
   end
end

function done(summary, latency, requests)
   -- The answers, gathered from every thread (also from one that did not get them all).
   local output = threads[1]:get("output")
   local file = assert(io.open(output .. "/answers.txt", "w"))
   for _, thread in ipairs(threads) do
      file:write("expected ", thread:get("expected"), "\n")
      file:write("received ", thread:get("received"), "\n")
      for status, count in pairs(thread:get("statuses")) do
         file:write("status ", status, " ", count, "\n")
      end
      file:write("replayed ", thread:get("replayed"), "\n")
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
