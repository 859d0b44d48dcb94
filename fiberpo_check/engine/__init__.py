"""The reference engine: gates, batches, aggregation, the RGF objectives, fibration engine, Jacobian, fused loss kernel, micro-batch and distributed contexts."""
