-- Forgets the pulled authors not marked since every timeline was rebuilt.
--
-- KEYS[1]: the pulled authors. ARGV[1]: the last mark made before the
-- rebuild of every timeline began. Authors not marked since need not be
-- pulled any more; the counter 'marks' is kept.

local marks = redis.call('ZSCORE', KEYS[1], 'marks')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if marks then redis.call('ZADD', KEYS[1], marks, 'marks') end
