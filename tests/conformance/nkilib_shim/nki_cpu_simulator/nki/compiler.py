"""`nki.compiler` in nki-library's simulation harness. Nothing of the Neuron compiler runs in simulation
(the orchestrator skips compilation); the library's kernels reach collectives through `nki.collectives`."""
