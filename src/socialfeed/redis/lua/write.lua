-- Adds entries to a timeline that exists, then trims it to its capacity.
--
-- KEYS[1]: a timeline. ARGV[1]: its capacity; ARGV[2]: the pending marker of
-- the rebuild this write finishes (else ''); then score and member pairs.
--
-- A timeline that does not exist is left alone: it is rebuilt from the
-- database when it is read, so writing it would be waste. A rebuild whose
-- marker is gone was overtaken by a later one, which read the database after
-- this one did: the later one finishes the timeline, and until it does the
-- timeline stays unbuilt.

local function add(key, args, first)
  for i = first, #args, 1000 do
    redis.call('ZADD', key, unpack(args, i, math.min(i + 999, #args)))
  end
end

-- Keep the newest `capacity` entries, and remember the newest one removed:
-- below it, posts may be missing, and the feed reads the database instead.
local function trim(key, capacity)
  local excess = redis.call('ZCOUNT', key, '-inf', '(inf') - capacity
  if excess <= 0 then return end
  local gone = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
  redis.call('ZREMRANGEBYRANK', key, 0, excess - 1)
  local id, score = string.sub(gone[1], 1, 20), tonumber(gone[2])
  for _, marker in ipairs(redis.call('ZRANGEBYSCORE', key, 'inf', 'inf')) do
    local old_score, old_id = string.match(marker, '^floor:([^:]+):(%d+)$')
    if old_score then
      old_score = tonumber(old_score)
      if old_score > score or (old_score == score and old_id > id) then return end
      redis.call('ZREM', key, marker)
    end
  end
  redis.call('ZADD', key, 'inf', 'floor:' .. gone[2] .. ':' .. id)
end

local key, pending = KEYS[1], ARGV[2]
if redis.call('EXISTS', key) == 0 then return 0 end
if pending ~= '' then
  if not redis.call('ZSCORE', key, pending) then return 0 end
  redis.call('ZREM', key, pending)
  redis.call('ZADD', key, 'inf', 'built')
end
add(key, ARGV, 3)
trim(key, tonumber(ARGV[1]))
return 1
