// LoginBench: see README "Benchmarks".
print("not written yet")
