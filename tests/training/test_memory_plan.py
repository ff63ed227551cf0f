"""Memory-plan arithmetic on hand-checked cases (step3_GRPO/memory_plan.py)."""

import pytest

from step3_GRPO.memory_plan import (
    GIB,
    OVERHEAD_GB,
    ModelShape,
    PlanInputs,
    activation_bytes,
    kv_cache_bytes,
    min_vllm_utilization,
    plan,
    suggestions,
)

# Qwen2.5-1.5B's config.json values
QWEN15 = dict(hidden_size=1536, num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2,
              intermediate_size=8960, vocab_size=151936, tie_word_embeddings=True, max_position_embeddings=4096)
# A round shape for hand arithmetic: h=1024, 2 layers, 8 heads of 128, 2 KV heads, I=4096
SMALL = ModelShape(n_params=10**9, hidden=1024, layers=2, heads=8, kv_heads=2, head_dim=128,
                   intermediate=4096, vocab=1000)


def test_qwen15_parameter_count_matches_published_and_meta_model():
    from transformers import Qwen2Config

    cfg = Qwen2Config(**QWEN15)
    shape = ModelShape.from_config(cfg)
    assert shape.n_params == 1_543_714_304  # Qwen2.5-1.5B's published count
    assert (shape.kv_heads, shape.head_dim) == (2, 128)

    from step3_GRPO.preflight import count_params

    assert count_params(cfg) == shape.n_params


@pytest.mark.parametrize("zero,n,expected", [
    # (weights, gradients, optimizer) in bytes per GPU for P = 1e9
    (0, 1, (2e9, 2e9, 4e9)),      # bf16 torch AdamW, no sharding
    (0, 4, (2e9, 2e9, 4e9)),      # DDP: every GPU holds everything
    (1, 4, (2e9, 2e9, 3e9)),      # ZeRO-1: 12 B/param optimizer (fp32 master + moments) / 4
    (2, 4, (2e9, 0.5e9, 3e9)),    # ZeRO-2: + gradients / 4
    (3, 4, (0.5e9, 0.5e9, 3e9)),  # ZeRO-3: + weights / 4
])
def test_static_terms_under_zero_stages(zero, n, expected):
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=80, world_size=n, zero_stage=zero, use_vllm=False))
    got = tuple(mp.terms[k] * GIB for k in ("weights", "gradients", "optimizer (AdamW)"))
    assert got == pytest.approx(expected)
    assert mp.terms["reference model"] == 0  # beta 0: no reference model


def test_fp32_and_reference_model():
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=80, bf16=False, beta=0.04, use_vllm=False))
    assert mp.terms["weights"] * GIB == pytest.approx(4e9)
    assert mp.terms["optimizer (AdamW)"] * GIB == pytest.approx(8e9)
    assert mp.terms["reference model"] * GIB == pytest.approx(4e9)


def test_fp32_master_weights_without_deepspeed():
    # dtype float32 + bf16 autocast: fp32 weights, gradients and AdamW moments (16 B/param)
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=80, bf16=True, fp32_weights=True, use_vllm=False))
    got = tuple(mp.terms[k] * GIB for k in ("weights", "gradients", "optimizer (AdamW)"))
    assert got == pytest.approx((4e9, 4e9, 8e9))
    # DeepSpeed's bf16 mode keeps its own fp32 masters whatever the load dtype: 2 + 2 + 12
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=80, bf16=True, fp32_weights=True, zero_stage=1, use_vllm=False))
    assert mp.terms["optimizer (AdamW)"] * GIB == pytest.approx(12e9)


def test_activations_with_and_without_checkpointing():
    tokens = 2 * 100
    per_token_layer = 2 * (6 * 1024 + 2 * 256 + 4 * 4096)  # 46,080 bytes
    assert activation_bytes(SMALL, tokens, checkpointing=False) == 2 * tokens * per_token_layer == 18_432_000
    # layer inputs for both layers + one layer recomputed
    assert activation_bytes(SMALL, tokens, checkpointing=True) == 2 * tokens * 1024 * 2 + tokens * per_token_layer


def test_kv_cache_and_vllm_need():
    assert kv_cache_bytes(SMALL, 1000) == 2 * 2 * 2 * 128 * 2 * 1000  # k and v, layers, kv heads, head_dim, bf16
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=80, prompt_len=100, completion_len=900, gen_sequences=10,
                         vllm_gpu_memory_utilization=0.5))
    assert mp.vllm_needed_gb == pytest.approx((2e9 + kv_cache_bytes(SMALL, 10_000)) / GIB + 1.0)
    assert mp.terms["vLLM (reserved)"] == pytest.approx(40.0)


def test_peak_sums_without_sleep_and_overlaps_with_sleep():
    base = dict(shape=SMALL, gpu_gb=80, micro_batch=2, prompt_len=50, completion_len=50,
                vllm_gpu_memory_utilization=0.25)
    awake = plan(PlanInputs(**base))
    asleep = plan(PlanInputs(**base, vllm_sleep_mode=True))
    assert awake.peak_gb == pytest.approx(awake.training_gb + 20.0 + OVERHEAD_GB)
    assert asleep.peak_gb == pytest.approx(max(asleep.training_gb, asleep.static_gb + 20.0) + OVERHEAD_GB)
    assert asleep.peak_gb < awake.peak_gb
    logits = 2 * 50 * 1000 * 6 / GIB
    assert awake.training_gb == pytest.approx(awake.static_gb + awake.terms["activations"] + logits)


def test_suggestions_make_a_too_big_plan_fit():
    from transformers import Qwen2Config

    shape = ModelShape.from_config(Qwen2Config(**QWEN15))
    mp = plan(PlanInputs(shape=shape, gpu_gb=40, micro_batch=16, prompt_len=512, completion_len=1024,
                         vllm_gpu_memory_utilization=0.5, gen_sequences=128))
    assert not mp.fits
    advice = suggestions(mp)
    assert advice[0].startswith("gradient_checkpointing: true")
    assert advice[-1].endswith("(fits)")
    assert "DOES NOT FIT" in mp.table() and "weights" in mp.table()


def test_too_small_vllm_share_is_flagged():
    mp = plan(PlanInputs(shape=SMALL, gpu_gb=10, micro_batch=1, prompt_len=10, completion_len=10,
                         vllm_gpu_memory_utilization=0.1, gen_sequences=1))
    need = min_vllm_utilization(mp)
    assert need == pytest.approx(0.30)  # (2e9 B weights + tiny KV + 1 GiB) / 10 GiB = 0.29 -> 0.30
    assert suggestions(mp)[0].startswith("vllm_gpu_memory_utilization: 0.30 (now 0.1")
    assert suggestions(mp)[0].endswith("-> peak 12.0 GiB")  # 7.45 training + 3.0 vLLM + 1.5: still too big
    assert len(suggestions(mp)) > 1


def test_short_vllm_share_is_raised_before_the_other_fixes():
    from transformers import Qwen2Config

    shape = ModelShape.from_config(Qwen2Config(**QWEN15))
    mp = plan(PlanInputs(shape=shape, gpu_gb=24, micro_batch=8, prompt_len=512, completion_len=1024,
                         gradient_checkpointing=True, vllm_gpu_memory_utilization=0.3, gen_sequences=128))
    advice = suggestions(mp)
    assert advice[0].startswith("vllm_gpu_memory_utilization: 0.40")  # 2.88 + 5.25 + 1 GiB of 24 -> 0.40
    assert advice[1].startswith("vllm_enable_sleep_mode: true") and advice[1].endswith("(fits)")


def test_fixes_that_do_not_lower_the_peak_are_not_suggested():
    from transformers import Qwen2Config

    shape = ModelShape.from_config(Qwen2Config(**QWEN15))
    mp = plan(PlanInputs(shape=shape, gpu_gb=24, micro_batch=8, prompt_len=512, completion_len=1024,
                         gradient_checkpointing=True, vllm_gpu_memory_utilization=0.4, gen_sequences=128,
                         fp32_weights=True))
    advice = suggestions(mp)
    # sleep mode (34.1 GiB), then pure bf16 weights; never a smaller batch, which cannot lower a peak set by
    # the static training state plus vLLM
    assert advice[0].startswith("vllm_enable_sleep_mode: true -> peak 34.1 GiB")
    assert advice[1].startswith("dtype: bfloat16") and advice[1].endswith("(fits)")
    assert not any("per_device_train_batch_size" in a for a in advice)
