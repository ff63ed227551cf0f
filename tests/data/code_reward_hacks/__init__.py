"""The programs of tests/data/make_code_reward_hacks.py: hostile ones by attack, and honest ones."""
