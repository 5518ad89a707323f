-- wrk script: PAP push-message requests, each with its own push-id (wrk -s test/store/pap-bench.lua URL).
-- Half the pushes are delivered at once (IPv4 target), half are due in an hour (deliver-after).
local counter = 0
local tid = 0
function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
end
function init(args)
  -- unique across runs too: a repeated push-id is answered 2007 (cheaper, and not an accepted push)
  math.randomseed(os.time() * 1000 + math.floor(os.clock() * 1e6) + (tid or 0))
  prefix = string.format("b%d-%d-%d-", tid or 0, os.time(), math.random(1, 1e9))
end
local b = "bench-boundary"
local ctype = 'multipart/related; boundary=' .. b .. '; type="application/xml"'
function request()
  counter = counter + 1
  local later = ""
  if counter % 2 == 0 then later = ' deliver-after-timestamp="' .. os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 3600) .. '"' end
  local control = '<?xml version="1.0"?><!DOCTYPE pap PUBLIC "-//WAPFORUM//DTD PAP 2.0//EN" "http://www.wapforum.org/DTD/pap_2.0.dtd">' ..
    '<pap><push-message push-id="' .. prefix .. counter .. '"' .. later .. '>' ..
    '<address address-value="WAPPUSH=127.0.0.1/TYPE=IPv4@ppg"/>' ..
    '<quality-of-service delivery-method="unconfirmed"/></push-message></pap>'
  local body = "--" .. b .. "\r\nContent-Type: application/xml\r\n\r\n" .. control .. "\r\n" ..
    "--" .. b .. "\r\nContent-Type: text/plain\r\n\r\nhello from the bench\r\n--" .. b .. "--\r\n"
  return wrk.format("POST", nil, { ["Content-Type"] = ctype }, body)
end
