"""What wraps every provider call: cache, single-flight, limits, breakers, retries, admission."""
