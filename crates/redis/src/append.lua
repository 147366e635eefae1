-- Appends one event to a stream, or ends the stream with it, in one step: the checks
-- (ended? id used?) and the write must agree, and another node may be appending too.
--
-- KEYS[1]  the stream (its entries; the end is the newest, with field `end`)
-- KEYS[2]  the ids hash: every id clients see -> its entry id, for the entries held
-- ARGV[1]  events kept, not counting the end
-- ARGV[2]  idle expiry in milliseconds, `0` for none
-- ARGV[3]  `1` to end the stream with this event
-- ARGV[4]  `1` if the event has a given id, ARGV[5] that id
-- ARGV[6]  `1` if the event has a name, ARGV[7] that name
-- ARGV[8]  the data
--
-- Answers {'ok', id} with the id clients see, {'ended'} or {'duplicate'}.

local stream, ids = KEYS[1], KEYS[2]
local keep = tonumber(ARGV[1])
local expiry = tonumber(ARGV[2])
local ending = ARGV[3] == '1'
local given = ARGV[4] == '1' and ARGV[5] or nil

local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', 1)[1]
if newest then
  local fields = newest[2]
  for i = 1, #fields, 2 do
    if fields[i] == 'end' then
      return {'ended'}
    end
  end
end

if given and redis.call('HEXISTS', ids, given) == 1 then
  return {'duplicate'}
end

local fields = {}
if given then
  table.insert(fields, 'id'); table.insert(fields, given)
end
if ARGV[6] == '1' then
  table.insert(fields, 'event'); table.insert(fields, ARGV[7])
end
table.insert(fields, 'data'); table.insert(fields, ARGV[8])
if ending then
  table.insert(fields, 'end'); table.insert(fields, '1')
end

local entry = redis.call('XADD', stream, '*', unpack(fields))
if not given then
  -- An entry id clients see must not be one a handler gave earlier (a given id may look
  -- like an entry id). Each new entry id is greater than the last, and the hash is
  -- finite, so this ends.
  while redis.call('HEXISTS', ids, entry) == 1 do
    redis.call('XDEL', stream, entry)
    entry = redis.call('XADD', stream, '*', unpack(fields))
  end
end
local seen = given or entry
redis.call('HSET', ids, seen, entry)

-- Trimmed here rather than by XADD's MAXLEN so that the evicted entries' ids leave the
-- hash with them: an evicted id is then a gap, and the hash stays bounded.
if ending then
  keep = keep + 1
end
local excess = redis.call('XLEN', stream) - keep
if excess > 0 then
  for _, old in ipairs(redis.call('XRANGE', stream, '-', '+', 'COUNT', excess)) do
    local old_seen = old[1]
    local old_fields = old[2]
    for i = 1, #old_fields, 2 do
      if old_fields[i] == 'id' then
        old_seen = old_fields[i + 1]
      end
    end
    redis.call('HDEL', ids, old_seen)
    redis.call('XDEL', stream, old[1])
  end
end

if expiry > 0 then
  redis.call('PEXPIRE', stream, expiry)
  redis.call('PEXPIRE', ids, expiry)
end
return {'ok', seen}
