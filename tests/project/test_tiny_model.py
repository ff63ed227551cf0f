"""r1zero.testing.tiny_model: the tokenizer learns the words of a --corpus file; a bad corpus is one clear error."""

import json

import pytest
from transformers import AutoTokenizer

from r1zero.testing.tiny_model import TinyModelSpec, build, main
from step1_data.synthetic import generate, write_jsonl

SMALL = TinyModelSpec(hidden_size=64, num_layers=1, num_heads=1, intermediate_size=64)


def test_a_corpus_makes_its_words_whole_tokens_and_changes_the_build(tmp_path):
    corpus = write_jsonl(generate(500, seed=1, max_operand=9, ops="+,-", word_problems=True), tmp_path / "rows.jsonl")
    plain = AutoTokenizer.from_pretrained(build(tmp_path / "plain", SMALL, quiet=True))
    tuned_dir = build(tmp_path / "tuned", SMALL, corpus=corpus, quiet=True)
    tuned = AutoTokenizer.from_pretrained(tuned_dir)
    story = json.loads(corpus.read_text().splitlines()[0])["problem"]
    assert len(tuned(story).input_ids) < len(plain(story).input_ids)
    assert tuned.decode(tuned(story).input_ids) == story
    # the same folder with another corpus (or none) is rebuilt, not reused
    assert build(tuned_dir, SMALL, quiet=True) == tuned_dir
    assert len(AutoTokenizer.from_pretrained(tuned_dir)(story).input_ids) == len(plain(story).input_ids)


def test_a_bad_corpus_row_is_one_line_naming_the_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"problem": "What is 1 + 1?", "solution": "2"}\n{"question": "no problem field"}\n')
    with pytest.raises(SystemExit):
        main([str(tmp_path / "model"), "--corpus", str(bad)])
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and f"{bad}:2" in err and "\n" not in err
    assert not (tmp_path / "model").exists()
