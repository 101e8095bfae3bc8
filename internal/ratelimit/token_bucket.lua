-- A token bucket per key, all taken or none: one call is allowed only if
-- every bucket in KEYS holds a whole token, and then takes one from each.
--
-- ARGV[1]  now, in milliseconds, from the caller's clock (not Redis TIME,
--          so tests can drive time and replicas agree with their own logs)
-- then per key i, at ARGV[2+3(i-1)] .. ARGV[4+3(i-1)]:
--          rate (tokens per millisecond), burst (capacity), ttl (ms)
--
-- A bucket is stored as a hash {tokens, ts}; a missing bucket is full, so
-- an idle bucket may expire (ttl is the time to refill from empty). A
-- caller whose clock is behind the stored ts refills nothing and never
-- moves ts back.
--
-- Returns {1, 0} when allowed, {0, wait_ms} when refused; wait_ms is the
-- time until every bucket holds a token again.
local now = tonumber(ARGV[1])
local tokens, stamps = {}, {}
local wait = 0
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[3 * i - 1])
  local burst = tonumber(ARGV[3 * i])
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local level, ts = tonumber(state[1]), tonumber(state[2])
  if level == nil or ts == nil then
    level, ts = burst, now
  elseif now > ts then
    level = math.min(burst, level + (now - ts) * rate)
    ts = now
  end
  tokens[i], stamps[i] = level, ts
  -- ms until a whole token; a nanosecond's worth is float rounding
  local need = (1 - level) / rate
  if need > 1e-6 then
    wait = math.max(wait, math.ceil(need - 1e-6))
  end
end
if wait > 0 then
  return {0, wait}
end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'tokens', tostring(tokens[i] - 1), 'ts', tostring(stamps[i]))
  redis.call('PEXPIRE', key, ARGV[3 * i + 1])
end
return {1, 0}
