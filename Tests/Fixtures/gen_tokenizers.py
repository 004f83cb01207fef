#!/usr/bin/env python3
"""Tokenizer parity fixtures for EdgeModel's tokenizers and chat templates.

Pinned versions (PyPI, in /work/venv):
    tokenizers==0.23.3  transformers==5.23.0  sentencepiece==0.2.3  jinja2==3.1.6  gguf==0.19.0

Run from the repository root:
    /work/venv/bin/python Tests/Fixtures/gen_tokenizers.py

Writes (all small, < 1 MB together):
    Tests/Fixtures/tokenizers/bpe/tokenizer.json          byte-level BPE trained here with HF `tokenizers`
    Tests/Fixtures/tokenizers/bpe/tokenizer_config.json   SmolLM2-style config with the SmolLM2 ChatML template
    Tests/Fixtures/tokenizers/spm/tokenizer.model         SentencePiece BPE with byte fallback (Llama-style)
    Tests/Fixtures/tokenizers/spm/tokenizer_config.json   TinyLlama-style config with the Zephyr template
    Tests/Fixtures/tokenizers/cases.json                  ids + decoded strings from HF for tricky strings,
                                                          chat renderings from jinja2 (as apply_chat_template)
    Tests/Fixtures/tokenizers/smollm2_gguf_cases.json     (only when models/SmolLM2-135M-Instruct.Q4_1.gguf exists)
    Tests/Fixtures/tokenizers/MANIFEST.json               SHA-256 of every file + the command

Everything is deterministic (seeded corpus, single-threaded trainers).
"""
import hashlib
import json
import os
import random
import sys
import tempfile

import jinja2
import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

os.environ.setdefault("RAYON_NUM_THREADS", "1")
ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "tokenizers")
REPO = os.path.dirname(os.path.dirname(ROOT))
GGUF = os.path.join(REPO, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TINYLLAMA_TEMPLATE = (
    "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'system' %}\n{{ '<|system|>\n' + message['content'] + eos_token }}\n"
    "{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\n'  + message['content'] + eos_token }}\n"
    "{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}"
)
CHATML_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

# ---------------------------------------------------------------- corpus
WORDS = """the of and to in is was for on that with as by at from it an be this which or are his have
had not but were they one you all their has been there we more when who will would can if about what
model token tokenizer language program compiler planner email meeting calendar reminder note file
directory search open send compose reply forward schedule event contact address phone number message
quick brown fox jumps over lazy dog hello world agent tool call result error value function return
""".split()
UNICODE_BITS = ["café", "naïve", "façade", "jalapeño", "Zürich", "Ærøskøbing", "smörgåsbord", "déjà vu",
                "Привет мир", "Γειά σου", "שלום", "مرحبا", "こんにちは世界", "你好，世界", "안녕하세요",
                "😀", "🚀🔥", "👍🏽", "👨‍👩‍👧", "∑ x² ≤ ∞", "→ ⇒ ←", "™ © ®", "½ ¾", "µs"]
CODE_BITS = ["def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
             "let ids: [Int32] = try tok.encode(\"hi\")", "if x != nil && y >= 10 { print(\"ok\") }",
             "SELECT * FROM users WHERE id = 42;", "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}",
             "$ ls -la /tmp | grep foo", "#include <stdio.h>\nint main(void) { return 0; }\n",
             "\tindented\twith\ttabs", "x = [i ** 2 for i in range(10)]  # squares"]


def make_corpus(seed: int = 1234, n: int = 6000) -> list:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        kind = rng.random()
        if kind < 0.55:
            words = [rng.choice(WORDS) for _ in range(rng.randint(4, 16))]
            if rng.random() < 0.3:
                words[0] = words[0].capitalize()
            s = " ".join(words) + rng.choice([".", "!", "?", ",", ""])
            if rng.random() < 0.2:
                s += " " + rng.choice(UNICODE_BITS)
        elif kind < 0.75:
            s = rng.choice(CODE_BITS)
        elif kind < 0.88:
            s = "%s %d %s %.2f" % (rng.choice(WORDS), rng.randint(0, 10 ** rng.randint(1, 8)),
                                   rng.choice(WORDS), rng.random() * 1000)
        else:
            s = " ".join(rng.choice(UNICODE_BITS) for _ in range(rng.randint(1, 4)))
        lines.append(s)
    return lines


CASES = [
    "", " ", "  ", "\n", "\t", "Hello world", "Hello world!", " Hello", "  Hello  world  ", "Hello\n\nworld",
    "line one\nline two\r\nline three", "\ttab\tseparated\tvalues\t", "trailing spaces   ", "   leading spaces",
    "multiple     spaces between", "The year 2024 had 366 days.", "3.14159265358979", "1,000,000 and 12345678901234",
    "phone: +1 (555) 123-4567", "I'm sure you've seen it, they'll say we'd done it.", "DON'T SHOUT", "café naïve façade",
    "Zürich smörgåsbord Ærøskøbing", "Привет, мир!", "Γειά σου Κόσμε", "שלום עולם", "مرحبا بالعالم",
    "こんにちは世界", "你好，世界！", "안녕하세요", "😀", "emoji 🚀🔥 rocket", "family 👨‍👩‍👧 and 👍🏽",
    "∑ x² ≤ ∞ → ⇒", "def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}}", "#include <stdio.h>\nint main(void) { return 0; }",
    "x = [i ** 2 for i in range(10)]  # squares", "a\u00a0b\u2003c", "zero\u200bwidth", "U+FFFD: \ufffd",
    "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", "text <|endoftext|> more text", "<s>Hello</s>",
    "Hello</s>world", "<unk> unknown", "<|im_end|><|im_end|>", "almost <|im_start special", "ñ" * 30,
    "mixed 123abc456 ١٢٣ numbers", "fractions ½ ¾ and x² ≤ 10³",
    "call  <tool_call>\n\n now", "x<tool_call>y", "<tool_call>", "$1 to $N: 1. get_email_address(\"Sam\")\n2. join()\n<END_OF_PLAN>",
]

CHAT_CASES = [
    {"messages": [{"role": "user", "content": "Hello, who are you?"}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
     "add_generation_prompt": True},
    {"messages": [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
                  {"role": "user", "content": "And 3+3?"}], "add_generation_prompt": True},
    {"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "U"},
                  {"role": "assistant", "content": "A"}], "add_generation_prompt": False},
    {"messages": [{"role": "user", "content": "multi\nline ünïcode 😀"}], "add_generation_prompt": False},
]


def render(template: str, messages, add_generation_prompt: bool, **special) -> str:
    # Same environment flags as transformers' apply_chat_template.
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, loader=jinja2.BaseLoader())
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt, **special)


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=1)
        f.write("\n")


# ---------------------------------------------------------------- (a) byte-level BPE
def train_bpe(lines, out_dir):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=1000, min_frequency=2, special_tokens=CHATML_SPECIALS,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(lines, trainer)
    # A non-special added token that swallows whitespace on both sides (HF AddedToken lstrip/rstrip).
    tok.add_tokens([tokenizers.AddedToken("<tool_call>", lstrip=True, rstrip=True, special=False, normalized=False)])
    os.makedirs(out_dir, exist_ok=True)
    tok.save(os.path.join(out_dir, "tokenizer.json"))
    config = {
        "add_bos_token": False, "add_prefix_space": False, "bos_token": "<|im_start|>", "eos_token": "<|im_end|>",
        "unk_token": "<|endoftext|>", "pad_token": "<|im_end|>", "clean_up_tokenization_spaces": False,
        "model_max_length": 1000000, "tokenizer_class": "PreTrainedTokenizerFast", "chat_template": SMOLLM2_TEMPLATE,
    }
    # Not "GPT2Tokenizer" (SmolLM2's own config says that): transformers 5's GPT2Tokenizer rebuilds the pipeline
    # with a bare ByteLevel pre-tokenizer and drops tokenizer.json's Digits step ("½" then encodes differently).
    # PreTrainedTokenizerFast runs tokenizer.json as written, which is what SmolLM2 was trained with.
    write_json(os.path.join(out_dir, "tokenizer_config.json"), config)
    hf = AutoTokenizer.from_pretrained(out_dir)
    for text in CASES + [long_text()]:
        assert hf(text)["input_ids"] == tok.encode(text).ids, text[:40]
    return hf


# ---------------------------------------------------------------- (b) SentencePiece BPE
def train_spm(lines, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        prefix = os.path.join(tmp, "tok")
        # Llama-2's trainer spec, scaled down: BPE, byte fallback, digits split, identity normalization,
        # whitespace kept as is, dummy prefix.
        spm.SentencePieceTrainer.train(
            input=corpus, model_prefix=prefix, vocab_size=1000, model_type="bpe", byte_fallback=True,
            split_digits=True, allow_whitespace_only_pieces=True, normalization_rule_name="identity",
            remove_extra_whitespaces=False, add_dummy_prefix=True, character_coverage=0.9995,
            unk_id=0, bos_id=1, eos_id=2, pad_id=-1, unk_surface=" \u2047 ", num_threads=1,
            minloglevel=2)
        from sentencepiece import sentencepiece_model_pb2
        with open(prefix + ".model", "rb") as f:
            proto = sentencepiece_model_pb2.ModelProto.FromString(f.read())
        # The trainer records its temp paths: blank them so the file is byte-identical on every run.
        del proto.trainer_spec.input[:]
        proto.trainer_spec.model_prefix = ""
        data = proto.SerializeToString()
    with open(os.path.join(out_dir, "tokenizer.model"), "wb") as f:
        f.write(data)
    config = {
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": "</s>", "legacy": False, "clean_up_tokenization_spaces": False, "model_max_length": 2048,
        "tokenizer_class": "LlamaTokenizer", "chat_template": TINYLLAMA_TEMPLATE,
    }
    write_json(os.path.join(out_dir, "tokenizer_config.json"), config)
    return spm.SentencePieceProcessor(model_file=os.path.join(out_dir, "tokenizer.model")), AutoTokenizer.from_pretrained(out_dir)


def spm_without_dummy_prefix(sp):
    from sentencepiece import sentencepiece_model_pb2
    proto = sentencepiece_model_pb2.ModelProto.FromString(sp.serialized_model_proto())
    proto.normalizer_spec.add_dummy_prefix = False
    out = spm.SentencePieceProcessor()
    out.LoadFromSerializedProto(proto.SerializeToString())
    return out


def slow_llama_encode(sp, nodummy, text, specials=("<unk>", "<s>", "</s>")):
    """transformers 4.x LlamaTokenizer (slow, legacy=False) without BOS: split on special tokens (longest match
    first); the segment at offset 0 gets the dummy prefix, later segments none (the `unk_token` trick)."""
    ids, i, seg_start = [], 0, 0
    def flush(end):
        seg = text[seg_start:end]
        if not seg:
            return
        if seg_start == 0:
            ids.extend(sp.encode(seg))
        else:  # exactly transformers 4's `_tokenize` for legacy=False
            unk = nodummy.encode("<unk>")
            ids.extend(nodummy.encode("<unk>" + seg)[len(unk):] if seg[0] == " " else nodummy.encode(seg))
    while i < len(text):
        match = max((t for t in specials if text.startswith(t, i)), key=len, default=None)
        if match is None:
            i += 1
            continue
        flush(i)
        ids.append(sp.piece_to_id(match))
        i += len(match)
        seg_start = i
    flush(len(text))
    return ids


def hf_cases(tok):
    out = []
    for text in CASES:
        ids = tok(text)["input_ids"]
        ids_nospecial = tok(text, add_special_tokens=False)["input_ids"]
        out.append({
            "text": text, "ids": ids, "ids_no_bos": ids_nospecial,
            "decoded": tok.decode(ids, skip_special_tokens=False),
            "decoded_skip_special": tok.decode(ids, skip_special_tokens=True),
        })
    return out


# ---------------------------------------------------------------- (d) SmolLM2 GGUF vocabulary
def write_gguf_cases(path, out_path):
    """Expected ids for the real SmolLM2 vocabulary read from the GGUF.

    transformers' GGUF loader builds a plain ByteLevel pre-tokenizer for `tokenizer.ggml.pre = smollm`, but
    SmolLM2's own tokenizer.json (and llama.cpp's "smollm" pre-tokenizer) first isolates every digit. So the
    reference here is a `tokenizers` BPE built from the GGUF vocab + merges with SmolLM2's real pre-tokenizer:
    Sequence[Digits(individual_digits=True), ByteLevel(add_prefix_space=False)], ByteLevel decoder, all
    control tokens (token_type 3) as special added tokens. transformers' GGUF ids are recorded too where they
    differ, for information only.
    """
    from gguf import GGUFReader
    reader = GGUFReader(path)
    field = lambda k: reader.fields[k].contents()
    tokens, merges, types = field("tokenizer.ggml.tokens"), field("tokenizer.ggml.merges"), field("tokenizer.ggml.token_type")
    vocab = {t: i for i, t in enumerate(tokens)}
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[tuple(m.split(" ", 1)) for m in merges]))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens([tokenizers.AddedToken(t, special=True, normalized=False)
                            for t, ty in zip(tokens, types) if ty == 3])
    try:
        hf = AutoTokenizer.from_pretrained(os.path.dirname(path), gguf_file=os.path.basename(path))
    except Exception as e:  # informational only
        print("transformers could not load the GGUF tokenizer:", e)
        hf = None
    cases = []
    for text in CASES:
        ids = tok.encode(text).ids
        case = {"text": text, "ids": ids, "decoded": tok.decode(ids, skip_special_tokens=False)}
        if hf is not None:
            hf_ids = hf(text, add_special_tokens=False)["input_ids"]
            if hf_ids != ids:
                case["transformers_gguf_ids"] = hf_ids
        cases.append(case)
    ids = tok.encode(long_text()).ids
    write_json(out_path, {"gguf": os.path.basename(path), "vocab_size": len(tokens), "cases": cases,
                          "long": {"count": len(ids), "fnv1a64": fnv1a64(ids)}})


PARTIAL_TEXTS = ["😀", "emoji 🚀🔥 rocket", "family 👨‍👩‍👧 and 👍🏽", "こんにちは世界", "café naïve façade", "U+FFFD: \ufffd"]


def partial_decodes(tok, add_special_tokens):
    """Decodes of id prefixes and reversed id lists: incomplete / misordered UTF-8 from byte tokens, to pin down
    the replacement-character rules (HF ByteLevel: from_utf8_lossy; ByteFallback: one U+FFFD per byte of a run)."""
    out = []
    for text in PARTIAL_TEXTS:
        ids = tok(text, add_special_tokens=add_special_tokens)["input_ids"]
        for seq in [ids[:k] for k in range(1, len(ids))] + [ids[::-1]]:
            out.append({"ids": seq, "decoded": tok.decode(seq, skip_special_tokens=False)})
    return out


def fnv1a64(ids) -> str:
    """FNV-1a 64 over the ids as little-endian int32: lets tests check long id lists without storing them."""
    h = 0xcbf29ce484222325
    for i in ids:
        for b in int(i).to_bytes(4, "little", signed=True):
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def long_text() -> str:
    """~40 KB of the corpus mix with a different seed (not the training text)."""
    return "\n".join(make_corpus(seed=99, n=900)) + "\n"


def main():
    print("tokenizers", tokenizers.__version__, "transformers", transformers.__version__,
          "sentencepiece", spm.__version__, "jinja2", jinja2.__version__)
    lines = make_corpus()
    bpe = train_bpe(lines, os.path.join(OUT, "bpe"))
    sp, llama = train_spm(lines, os.path.join(OUT, "spm"))

    # transformers 5 has no slow (sentencepiece) LlamaTokenizer any more: `LlamaTokenizer` converts tokenizer.model to a
    # tokenizers BPE with a Metaspace pre-tokenizer that does not add the dummy prefix to text that already starts
    # with a space (" Hello" -> "▁Hello"; the sentencepiece library, llama.cpp and transformers 4's slow
    # LlamaTokenizer give "▁▁" "He" "llo"). Expected ids therefore come from the v4 slow LlamaTokenizer
    # algorithm (legacy=False) re-done on the sentencepiece library below; transformers 5's ids are kept as
    # `hf_fast_ids`, and the script checks they differ only on text that starts with whitespace.
    # Decoded strings are transformers 5's (Replace, ByteFallback, Fuse, Strip(left=1)).
    spm_cases = hf_cases(llama)
    nodummy = spm_without_dummy_prefix(sp)
    for c in spm_cases:
        c["hf_fast_ids"] = c["ids"]
        c["ids_no_bos"] = slow_llama_encode(sp, nodummy, c["text"])
        c["ids"] = [sp.bos_id()] + c["ids_no_bos"]
        c["decoded"] = llama.decode(c["ids"], skip_special_tokens=False)
        c["decoded_skip_special"] = llama.decode(c["ids"], skip_special_tokens=True)
        c["spm_library_ids"] = sp.encode(c["text"])
        c["spm_library_decoded"] = sp.decode(c["spm_library_ids"])
        if c["ids"] != c["hf_fast_ids"]:
            print("note: transformers 5 LlamaTokenizer differs from the slow algorithm on", repr(c["text"]))
            assert c["text"][:1].isspace() or "> " in c["text"] or ">  " in c["text"], c
        if "<" not in c["text"]:
            assert c["spm_library_ids"] == c["ids_no_bos"], c

    text = long_text()
    with open(os.path.join(OUT, "long.txt"), "w", encoding="utf-8") as f:
        f.write(text)
    bpe_long = bpe(text)["input_ids"]
    spm_long = [sp.bos_id()] + slow_llama_encode(sp, nodummy, text)
    long_cases = {"bpe": {"count": len(bpe_long), "fnv1a64": fnv1a64(bpe_long)},
                  "spm": {"count": len(spm_long), "fnv1a64": fnv1a64(spm_long)}}

    chats = []
    for case in CHAT_CASES:
        chats.append(dict(case,
                          chatml=render(SMOLLM2_TEMPLATE, case["messages"], case["add_generation_prompt"]),
                          zephyr=render(TINYLLAMA_TEMPLATE, case["messages"], case["add_generation_prompt"],
                                        eos_token="</s>")))
        # Cross-check our renderer-of-record against transformers' own apply_chat_template.
        assert chats[-1]["chatml"] == bpe.apply_chat_template(case["messages"], tokenize=False,
                                                              add_generation_prompt=case["add_generation_prompt"])
        assert chats[-1]["zephyr"] == llama.apply_chat_template(case["messages"], tokenize=False,
                                                                add_generation_prompt=case["add_generation_prompt"])
    write_json(os.path.join(OUT, "cases.json"), {
        "versions": {"tokenizers": tokenizers.__version__, "transformers": transformers.__version__,
                     "sentencepiece": spm.__version__, "jinja2": jinja2.__version__},
        "bpe": {"vocab_size": len(bpe), "cases": hf_cases(bpe), "partial": partial_decodes(bpe, True)},
        "spm": {"vocab_size": len(llama), "cases": spm_cases, "partial": partial_decodes(llama, False)},
        "chat": chats,
        "long": long_cases,
        "templates": {"smollm2": SMOLLM2_TEMPLATE, "tinyllama": TINYLLAMA_TEMPLATE},
    })
    if os.path.exists(GGUF):
        write_gguf_cases(GGUF, os.path.join(OUT, "smollm2_gguf_cases.json"))
    else:
        print("skipping SmolLM2 GGUF cases:", GGUF, "is absent (edgeagent model fetch)")
    manifest = {"command": "/work/venv/bin/python Tests/Fixtures/gen_tokenizers.py", "files": {}}
    for dirpath, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            if name == "MANIFEST.json":
                continue
            path = os.path.join(dirpath, name)
            with open(path, "rb") as f:
                manifest["files"][os.path.relpath(path, OUT)] = hashlib.sha256(f.read()).hexdigest()
    write_json(os.path.join(OUT, "MANIFEST.json"), manifest)


if __name__ == "__main__":
    sys.path.insert(0, ROOT)
    main()
