-- Reads what a stream holds after an id, in one step: between looking the id up and
-- reading what follows it, another node's append could evict entries unseen.
--
-- KEYS[1]  the stream, KEYS[2] the ids hash (see append.lua)
-- ARGV[1]  `all` (everything held), `after` (after the id ARGV[2]) or `oldest`
--
-- Answers {'all', entries}, {'after', entries} whose first entry is the id's own, or
-- {'gap', entries} with at most the oldest entry; entries as XRANGE gives them.

local stream, ids = KEYS[1], KEYS[2]
local mode = ARGV[1]

if mode == 'all' then
  return {'all', redis.call('XRANGE', stream, '-', '+')}
end
if mode == 'after' then
  local entry = redis.call('HGET', ids, ARGV[2])
  if entry then
    local held = redis.call('XRANGE', stream, entry, '+')
    if held[1] and held[1][1] == entry then
      return {'after', held}
    end
  end
end
return {'gap', redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)}
