-- wrk script: POST a request that the benchmark's approval policy routes to tier auto (→ ACTIVE at once).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.body = '{"provider":"mock","role":"viewer","resource_scope":"bench","duration_seconds":3600,"reason":"benchmark"}'

local failures = 0
response = function(status, headers, body)
    if status ~= 200 or not string.find(body, "REQUEST_STATE_ACTIVE", 1, true) then failures = failures + 1 end
end

done = function(summary, latency, requests)
    io.write(string.format("non-ACTIVE or non-200 responses: %d\n", failures))
    io.write(string.format("p50=%.1f ms p90=%.1f ms p99=%.1f ms\n", latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000))
end
