"""Fixtures for the tests, the demo and the benchmarks; production code never imports them.

- ``tiny_model``: a 1M-parameter Qwen2-shaped model with a digit-per-token tokenizer, built offline
  (``python -m r1zero.testing.tiny_model OUT``).
- ``toy_data``: ``write_toy_dataset``, a small arithmetic dataset in step 1's format.
- ``rewards``: ``digit_count``, a reward with spread even for a random model.
- ``tensorboard``: ``read_scalars``, a run's TensorBoard scalars read back with TensorBoard's reader.
- ``vllm_cpu``: the test-only patch that keeps vLLM-on-CPU's weights live, so TRL's weight sync lands exactly.
"""
