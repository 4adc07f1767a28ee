-- Every kind of every storage.example.org subgroup reports a phase.
if obj.status == nil or obj.status.phase == nil then
  return { status = "Progressing", message = "No phase yet" }
end
if obj.status.phase == "Bound" then
  return { status = "Healthy", message = "" }
end
return { status = "Degraded", message = "Phase " .. obj.status.phase }
