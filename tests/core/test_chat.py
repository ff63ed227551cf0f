"""r1zero.core.chat: the prompt options every stage reads, the model's chat template, and the chat answer rules."""

import pytest
from transformers import AutoTokenizer

from r1zero.core.chat import PromptFormat
from r1zero.core.errors import UserError
from r1zero.core.prompts import BOXED_INSTRUCTION, R1_ZERO_INSTRUCTION, build_response, get_template
from r1zero.grading import grade_many

TARGET = build_response("3 + 4 = 7.", "7")  # step 1's SFT target: reasoning </think> <answer> 7 </answer>


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    return AutoTokenizer.from_pretrained(tiny_model_dir)


def test_raw_templates_fix_their_prompt_and_refuse_chat_options():
    assert PromptFormat.from_options().name == "r1_zero" and not PromptFormat.from_options().chat
    assert PromptFormat.from_options("boxed", "boxed").name == "boxed"
    for bad, match in ((dict(template="r1_zero", system_prompt="Be brief."), "--system_prompt need"),
                       (dict(template="r1_zero", answer_rule="boxed"), "--answer_rule boxed need"),
                       (dict(template="boxed", enable_thinking=True), "--enable_thinking need"),
                       (dict(template="chat", answer_rule="json"), "--answer_rule 'json': choose one of"),
                       (dict(template="chat_boxed"), "write --template chat --answer_rule boxed"),
                       (dict(template="llama"), "unknown prompt template")):
        with pytest.raises(UserError, match=match):
            PromptFormat.from_options(**bad)


def test_chat_prompt_is_the_models_template_with_the_rules_instruction(tokenizer):
    fmt = PromptFormat.from_options("chat", "boxed")
    assert fmt.name == "chat_boxed" and fmt.system_prompt == BOXED_INSTRUCTION
    text = fmt.render(" What is 3 + 4? ", tokenizer)
    assert text == (f"<|im_start|>system\n{BOXED_INSTRUCTION}<|im_end|>\n<|im_start|>user\nWhat is 3 + 4?<|im_end|>\n"
                    "<|im_start|>assistant\n")
    assert PromptFormat.from_options("chat").system_prompt == R1_ZERO_INSTRUCTION  # answer rule r1_zero by default
    no_system = PromptFormat.from_options("chat", system_prompt="")
    assert no_system.messages("q") == [{"role": "user", "content": "q"}]
    assert fmt.stop_token_ids(tokenizer) == [tokenizer.convert_tokens_to_ids("<|im_end|>")]
    # the tagged rule stops at </answer> as r1_zero does (nothing after the block can hedge it); boxes at the turn's end
    assert get_template("chat_r1_zero").stop == ("</answer>",) and fmt.template.stop == ()


def test_chat_responses_follow_the_answer_rule_and_earn_reward():
    r1 = PromptFormat.from_options("chat", "r1_zero").response(TARGET)
    boxed = PromptFormat.from_options("chat", "boxed").response(TARGET)
    thinking = PromptFormat.from_options("chat", "boxed", enable_thinking=True).response(TARGET)
    assert r1 == "<think> 3 + 4 = 7. </think> <answer> 7 </answer>"
    assert boxed == "3 + 4 = 7.\n\nThe final answer is $\\boxed{7}$."
    assert thinking == "<think>\n3 + 4 = 7.\n</think>\n\nThe final answer is $\\boxed{7}$."
    rows = grade_many([r1], ["7"], template="chat_r1_zero") + grade_many([boxed, thinking], ["7", "7"],
                                                                           template="chat_boxed")
    assert [r["reward"] for r in rows] == [1.0, 1.0, 1.0]
    with pytest.raises(UserError, match="lacks `</think> <answer>"):
        PromptFormat.from_options("chat", "boxed").response("no tags at all")


@pytest.mark.parametrize(("response", "reward"), [
    ("\\boxed{7}", 1.0),
    ("<think> maybe \\boxed{7} </think> so \\boxed{7}", 1.0),
    ("<think> it is \\boxed{7}", 0.0),                      # thinking never closed: no answer was given
    ("<think> \\boxed{7} </think> I am not sure.", 0.0),    # the box in the thinking answers nothing
    ("<think> \\boxed{7} </think> \\boxed{8}", 0.0),        # the answer after the thinking is what counts
    ("\\boxed{7} or \\boxed{8}", 0.0),                      # a hedge pays nothing, as in the raw boxed rule
])
def test_chat_boxed_reads_the_answer_after_the_thinking_block(response, reward):
    assert grade_many([response], ["7"], template="chat_boxed")[0]["reward"] == reward


def test_a_tokenizer_without_chat_template_or_dropping_the_system_prompt_is_refused(tokenizer):
    fmt = PromptFormat.from_options("chat", "boxed")
    assert "keeps the system prompt; turns end at <|im_end|>" in fmt.check_tokenizer(tokenizer)
    plain = AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    plain.chat_template = None
    with pytest.raises(UserError, match="needs a tokenizer with a chat template, and this one has none"):
        fmt.check_tokenizer(plain)
    plain.chat_template = ("{% for m in messages %}{% if m['role'] != 'system' %}<|im_start|>{{ m['role'] }}\n"
                           "{{ m['content'] }}<|im_end|>\n{% endif %}{% endfor %}<|im_start|>assistant\n")
    with pytest.raises(UserError, match="drops the system prompt"):
        fmt.check_tokenizer(plain)
    PromptFormat.from_options("chat", "boxed", system_prompt="").check_tokenizer(plain)  # no system turn: fine


def test_a_template_that_writes_the_bos_gets_it_once(tokenizer):
    tok = AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    tok.chat_template = "{{ bos_token }}" + tok.chat_template  # as Llama's template does
    tok.bos_token = "<|endoftext|>"
    fmt = PromptFormat.from_options("chat", "boxed")
    bos = tok.bos_token_id
    assert tok(fmt.render("q", tok))["input_ids"][:2] == [bos, tok.convert_tokens_to_ids("<|im_start|>")]
    tok.add_bos_token = True  # a tokenizer that adds the BOS itself: the template's copy is dropped
    tok.update_post_processor()
    ids = tok(fmt.render("q", tok))["input_ids"]
    assert ids[:2] == [bos, tok.convert_tokens_to_ids("<|im_start|>")] and ids.count(bos) == 1


def test_the_contract_records_template_system_prompt_rule_and_thinking(tokenizer):
    fmt = PromptFormat.from_options("chat", "boxed", system_prompt="Answer in a box.", enable_thinking=False)
    described = fmt.describe(tokenizer)
    assert described["name"] == "chat_boxed" and described["answer_rule"] == "boxed"
    assert described["enable_thinking"] is False and described["stop_tokens"][0] == "<|im_end|>"
    other = PromptFormat.from_options("chat", "boxed", system_prompt="Answer in a box!", enable_thinking=False)
    assert other.describe(tokenizer)["system_prompt_hash"] != described["system_prompt_hash"]
    assert described["chat_template_hash"] and described["hash"] == get_template("chat_boxed").hash
    assert fmt.template_kwargs == {"enable_thinking": False}
    assert PromptFormat.from_options().describe() == get_template("r1_zero").describe()  # r1_zero: as before



def test_enable_thinking_reaches_the_template(tokenizer):
    """Qwen3's switch: with thinking off its template writes an empty thinking block into the prompt."""
    tok = AutoTokenizer.from_pretrained(tokenizer.name_or_path)
    tok.chat_template = tok.chat_template.replace(
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% if enable_thinking is defined and "
        "enable_thinking is false %}<think>\n\n</think>\n\n{% endif %}{% endif %}")
    off = PromptFormat.from_options("chat", "boxed", enable_thinking=False)
    on = PromptFormat.from_options("chat", "boxed", enable_thinking=True)
    assert off.render("q", tok).endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
    assert on.render("q", tok).endswith("<|im_start|>assistant\n")
    assert on.thinks and not off.thinks and not PromptFormat.from_options("chat", "boxed").thinks
