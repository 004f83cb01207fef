#!/usr/bin/env python3
"""Check `edgeagent serve` with the official OpenAI Python client, unmodified.

Requirements: Python 3.9+ and `pip install openai` (checked with openai 3.54.0), e.g.
    python3 -m venv /work/venv && /work/venv/bin/pip install openai

Run against a server the script starts itself (random weights, nothing downloaded):
    swift build --product edgeagent
    /work/venv/bin/python scripts/check/openai_client.py --edgeagent .build/debug/edgeagent --model preset:tiny

or against a server you started:
    edgeagent serve --model models/SmolLM2-135M-Instruct.Q4_1.gguf --api-key KEY &
    /work/venv/bin/python scripts/check/openai_client.py --base-url http://127.0.0.1:8080/v1 --api-key KEY \
        --model SmolLM2-135M-Instruct.Q4_1.gguf

What it proves (exit 0 only if all hold): models.list names the model; chat.completions.create returns an
assistant message with usage and a finish reason; stream=True yields chunks whose text equals the
non-streamed greedy answer and ends cleanly; completions.create works, streamed too; a wrong model raises
BadRequestError (400) and a wrong key AuthenticationError (401) with OpenAI-shaped error bodies.
"""
import argparse
import re
import subprocess
import sys
import time

import openai
from openai import OpenAI


def start_server(binary, model, api_key):
    """Starts `edgeagent serve --port 0` and returns (process, base_url) once it listens."""
    proc = subprocess.Popen([binary, "serve", "--model", model, "--port", "0", "--api-key", api_key, "--max-queue", "4"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return proc, m.group(1) + "/v1"
    proc.kill()
    sys.exit("the server did not start")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url")
    ap.add_argument("--edgeagent", default=".build/debug/edgeagent")
    ap.add_argument("--model", default="preset:tiny")
    ap.add_argument("--api-key", default="check-key")
    args = ap.parse_args()

    proc = None
    base_url = args.base_url
    if base_url is None:
        proc, base_url = start_server(args.edgeagent, args.model, args.api_key)
    failures = []

    def check(name, ok, detail=""):
        print(("ok   " if ok else "FAIL ") + name + (f"  ({detail})" if detail else ""))
        if not ok:
            failures.append(name)

    try:
        client = OpenAI(base_url=base_url, api_key=args.api_key, max_retries=0, timeout=120)
        print(f"openai {openai.__version__} against {base_url}")

        ids = [m.id for m in client.models.list().data]
        check("models.list", args.model in ids, f"{ids}")

        messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Say hello."}]
        r = client.chat.completions.create(model=args.model, messages=messages, max_tokens=16, temperature=0)
        text = r.choices[0].message.content
        check("chat.completions.create", r.object == "chat.completion" and r.choices[0].message.role == "assistant"
              and isinstance(text, str) and r.choices[0].finish_reason in ("stop", "length"),
              f"finish={r.choices[0].finish_reason} text={text!r}")
        check("usage", r.usage is not None and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens
              and 0 < r.usage.completion_tokens <= 16 if r.usage else False, f"{r.usage}")

        chunks = list(client.chat.completions.create(model=args.model, messages=messages, max_tokens=16, temperature=0,
                                                     stream=True, stream_options={"include_usage": True}))
        streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
        check("chat stream = whole answer", streamed == text, f"{len(chunks)} chunks, {streamed!r}")
        check("chat stream finish + usage", finishes == [r.choices[0].finish_reason] and chunks[-1].usage is not None
              and chunks[-1].usage.completion_tokens == r.usage.completion_tokens, f"{finishes} {chunks[-1].usage}")

        c = client.completions.create(model=args.model, prompt="Once upon a time", max_tokens=8, temperature=0)
        check("completions.create", c.object == "text_completion" and isinstance(c.choices[0].text, str),
              f"{c.choices[0].text!r}")
        cs = "".join(x.choices[0].text for x in client.completions.create(model=args.model, prompt="Once upon a time",
                                                                          max_tokens=8, temperature=0, stream=True)
                     if x.choices)
        check("completions stream = whole", cs == c.choices[0].text, f"{cs!r}")

        try:
            client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=4)
            check("unknown model → 400", False, "no error")
        except openai.BadRequestError as e:
            check("unknown model → 400", e.status_code == 400 and e.code == "model_not_found", f"{e.code}: {e.message[:60]}")
        try:
            OpenAI(base_url=base_url, api_key="wrong", max_retries=0).models.list()
            check("wrong key → 401", False, "no error")
        except openai.AuthenticationError as e:
            check("wrong key → 401", e.status_code == 401, f"{e.code}")
    finally:
        if proc:
            proc.terminate()   # SIGTERM: graceful shutdown
            check("SIGTERM exits cleanly", proc.wait(timeout=30) == 0, f"status {proc.returncode}")
    if failures:
        sys.exit(f"{len(failures)} check(s) failed: {failures}")
    print("all checks passed")


if __name__ == "__main__":
    main()
