"""The case tables of tests/data/make_reward_hacks_math.py, one module per family, and what they share."""
