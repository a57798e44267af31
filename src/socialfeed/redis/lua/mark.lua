-- Marks authors as pulled by the hybrid feed; returns the mark's number.
--
-- KEYS[1]: the pulled authors. ARGV: author ids. Every mark gets a new
-- number, counted by the member 'marks' of the same set (one key, one slot).

local mark = redis.call('ZINCRBY', KEYS[1], 1, 'marks')
for i = 1, #ARGV do redis.call('ZADD', KEYS[1], mark, ARGV[i]) end
return mark
