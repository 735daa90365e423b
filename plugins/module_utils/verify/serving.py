# -*- coding: utf-8 -*-
# Copyright (c) gpuops.llm_inference contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading OpenAI answers: a streamed chat completion (server-sent events) and a completion's shape."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from typing import Any, Callable, Iterable, List


class StreamOutcome:
    """When the first token and the end arrived (clock readings), how many tokens, or what went wrong."""

    def __init__(self) -> None:
        self.first_token = 0.0
        self.end = 0.0
        self.tokens = 0
        self.error = ""


def read_stream(lines: Iterable[bytes], clock: Callable[[], float]) -> StreamOutcome:
    """Consume `data: {...}` events up to `data: [DONE]`; count tokens from the usage chunk, else from the deltas."""
    outcome = StreamOutcome()
    content_chunks = 0
    usage_tokens = None
    done = False
    for raw in lines:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            done = True
            break
        try:
            chunk = json.loads(data)
        except ValueError:
            outcome.error = "stream sent an event that is not JSON"
            return outcome
        if chunk.get("object") != "chat.completion.chunk":
            outcome.error = "stream sent %r, not chat.completion.chunk events" % chunk.get("object")
            return outcome
        for choice in chunk.get("choices") or []:
            if (choice.get("delta") or {}).get("content"):
                if not content_chunks:
                    outcome.first_token = clock()
                content_chunks += 1
        if isinstance(chunk.get("usage"), dict):
            usage_tokens = chunk["usage"].get("completion_tokens")
    outcome.end = clock()
    if not done:
        outcome.error = "stream ended without data: [DONE]"
    elif not content_chunks:
        outcome.error = "stream finished without any token"
    outcome.tokens = usage_tokens if isinstance(usage_tokens, int) else content_chunks
    return outcome


def completion_shape_errors(payload: Any, model: str) -> List[str]:
    """What a non-streamed /v1/completions answer lacks of the OpenAI response shape."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    errors = []
    if payload.get("object") != "text_completion":
        errors.append("object is %r, not 'text_completion'" % payload.get("object"))
    if not isinstance(payload.get("id"), str):
        errors.append("no id")
    if payload.get("model") != model:
        errors.append("model is %r, not %r" % (payload.get("model"), model))
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices:
        errors.append("no choices")
    elif not all(isinstance(c, dict) and isinstance(c.get("text"), str) and "finish_reason" in c for c in choices):
        errors.append("a choice lacks text or finish_reason")
    usage = payload.get("usage")
    fields = ("prompt_tokens", "completion_tokens", "total_tokens")
    if not isinstance(usage, dict) or not all(isinstance(usage.get(f), int) for f in fields):
        errors.append("usage lacks %s" % ", ".join(fields))
    return errors
