"""Floor 1: pure functions on tensors. Keras-layout weights in, torch kernels out."""
