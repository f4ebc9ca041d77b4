// Benchmarks: see README.
 print("no benchmarks yet")
