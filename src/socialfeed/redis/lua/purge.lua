-- Removes one author's entries from a timeline; returns how many went.
--
-- KEYS[1]: a timeline. ARGV[1]: the author's id. Members end in ':<author id>'.

local suffix = ':' .. ARGV[1]
local gone = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(inf')) do
  if string.sub(member, -#suffix) == suffix then gone[#gone + 1] = member end
end
for i = 1, #gone, 1000 do
  redis.call('ZREM', KEYS[1], unpack(gone, i, math.min(i + 999, #gone)))
end
return #gone
