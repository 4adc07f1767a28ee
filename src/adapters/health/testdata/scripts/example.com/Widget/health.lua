-- A Widget is healthy once every part it asked for is in place; a Broken condition is final.
local hs = { status = "Progressing", message = "Waiting for parts" }
if obj.status == nil then
  return hs
end
for _, condition in ipairs(obj.status.conditions or {}) do
  if condition.type == "Broken" and condition.status == "True" then
    return { status = "Degraded", message = condition.message }
  end
end
local wanted = obj.spec.parts or 1
local have = obj.status.parts or 0
if have >= wanted then
  return { status = "Healthy", message = string.format("%d of %d parts in place", have, wanted) }
end
hs.message = "Waiting for parts: " .. tostring(have) .. " of " .. tostring(wanted)
return hs
