package main

// socketScenarios are the benchmarks that need the socket server.
func (b *bench) socketScenarios() []scenario { return nil }
