-- wrk script: the HTTPS no-op baseline (GET /healthz answers "ok" without touching the database); counts non-200s.
local failures = 0
response = function(status, headers, body)
    if status ~= 200 then failures = failures + 1 end
end

done = function(summary, latency, requests)
    io.write(string.format("non-200 responses: %d\n", failures))
    io.write(string.format("p50=%.1f ms p90=%.1f ms p99=%.1f ms\n", latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000))
end
