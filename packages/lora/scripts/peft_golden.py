#!/usr/bin/env python3
"""Golden PEFT-format LoRA adapters for typegrad's adapter I/O test, and a checker for adapters
written by typegrad.

PEFT is not installable here, so this file re-implements what PEFT does for GPT2LMHeadModel from
its source: module matching (`target_modules` by name suffix or regex over the full module name,
`layers_to_transform`, `rank_pattern` / `alpha_pattern`), LoRA on Conv1D layers (fan_in_fan_out:
A [r, in], B [out, r], y = x @ W + b + scaling * x @ A^T @ B^T, scaling alpha / r or alpha /
sqrt(r) with rsLoRA), DoRA (magnitude / ||W^T + scaling * B A|| per output row, the norm
detached), LoRA on embeddings (lora_embedding_A [r, vocab], lora_embedding_B [dim, r]), and the
saved key names of get_peft_model_state_dict: `base_model.model.transformer.h.0.attn.c_attn.
lora_A.weight`, `...lora_magnitude_vector`, `...lora_embedding_A`, biases of wrapped layers as
`...base_layer.bias`, modules_to_save as the module's own names. The GPT-2 is the independent
implementation in packages/transformer/scripts/gpt2_golden.py, run in float64.

Writes (under packages/lora/test/fixtures/, for the base model packages/transformer/test/fixtures/gpt2-tiny):
  peft-lora/           c_attn + c_proj (attn and mlp), r=4, alpha=8, lora_dropout 0.1: logits,
                       loss and the gradient of every LoRA tensor
  peft-dora/           DoRA + rsLoRA on c_attn and c_fc of layer 1, rank/alpha patterns: logits,
                       loss and gradients
  peft-embedding-bias/ wte + c_attn, bias "all", modules_to_save ["ln_f"]: logits

Usage: /usr/bin/python3 peft_golden.py            (write the fixtures)
       /usr/bin/python3 peft_golden.py --check DIR (load a typegrad-written adapter folder as PEFT
                                                    would and compare with DIR/typegrad_logits.safetensors)
"""
import json
import math
import os
import re
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "transformer", "scripts"))
from gpt2_golden import (  # noqa: E402
    gpt2_forward,
    lm_loss,
    load_tiny,
    read_safetensors,
    tiny_inputs,
    write_json,
    write_safetensors,
)

FIXTURES = os.path.join(HERE, "..", "test", "fixtures")
PREFIX = "base_model.model."
MODEL_PREFIX = "transformer."  # GPT2LMHeadModel's name for the GPT2Model inside it


class LoraAdapter:
    """One adapted module: LoRA (optionally DoRA) on a Conv1D, or LoRA on an embedding."""

    def __init__(self, A, B, scaling, magnitude=None):
        self.A, self.B, self.scaling, self.magnitude = A, B, scaling, magnitude

    def linear(self, x, y, W, b):
        lora = (x @ self.A.T) @ self.B.T
        if self.magnitude is None:
            return y + lora * self.scaling
        # PEFT DoraLinearLayer: W is Conv1D [in, out], so transpose(W, fan_in_fan_out) is W.T.
        weight = W.T + self.scaling * (self.B @ self.A)
        norm = torch.linalg.norm(weight, dim=1).detach()
        scale = (self.magnitude / norm).view(1, -1)
        base = y - b
        return y + (scale - 1) * base + scale * lora * self.scaling

    def embedding(self, ids, e):
        return e + (self.A.T[ids] @ self.B.T) * self.scaling


def module_shapes(config):
    """Every module PEFT could target in GPT2LMHeadModel: name -> (kind, in, out)."""
    C = config["n_embd"]
    inner = config.get("n_inner") or 4 * C
    mods = {"wte": ("embedding", config["vocab_size"], C), "wpe": ("embedding", config["n_positions"], C)}
    for i in range(config["n_layer"]):
        mods[f"h.{i}.attn.c_attn"] = ("conv1d", C, 3 * C)
        mods[f"h.{i}.attn.c_proj"] = ("conv1d", C, C)
        mods[f"h.{i}.mlp.c_fc"] = ("conv1d", C, inner)
        mods[f"h.{i}.mlp.c_proj"] = ("conv1d", inner, C)
    return mods


def peft_targets(peft, config):
    """The modules PEFT adapts, following BaseTuner's matching (names as in GPT2LMHeadModel)."""
    targets = peft["target_modules"]
    layers = peft.get("layers_to_transform")
    if isinstance(layers, int):
        layers = [layers]
    pattern = peft.get("layers_pattern")
    chosen = []
    for path in module_shapes(config):
        name = MODEL_PREFIX + path
        suffix_match = False
        if isinstance(targets, str):
            found = re.fullmatch(targets, name) is not None
        elif name in targets:
            found = True
        else:
            found = suffix_match = any(name.endswith("." + t) for t in targets)
        if suffix_match and layers:  # PEFT filters only suffix matches by layer
            if pattern is None:
                m = re.match(r".*\.[^.]*\.(\d+)\.", name)
            else:
                pats = [pattern] if isinstance(pattern, str) else pattern
                m = next((re.match(rf".*\.{p}\.(\d+)\.", name) for p in pats if re.match(rf".*\.{p}\.(\d+)\.", name)), None)
            found = m is not None and int(m.group(1)) in layers
        if found:
            chosen.append(path)
    if not chosen:
        raise ValueError(f"Target modules {targets} not found in the base model")
    return chosen


def pattern_value(patterns, name, default):
    for key, value in (patterns or {}).items():
        if re.match(rf"(.*\.)?({key})$", name):
            return value
    return default


def peft_layout(peft, config):
    """path -> (kind, r, alpha, scaling, in, out) for every adapted module."""
    out = {}
    for path in peft_targets(peft, config):
        kind, fin, fout = module_shapes(config)[path]
        name = MODEL_PREFIX + path
        r = pattern_value(peft.get("rank_pattern"), name, peft["r"])
        alpha = pattern_value(peft.get("alpha_pattern"), name, peft["lora_alpha"])
        scaling = alpha / math.sqrt(r) if peft.get("use_rslora") else alpha / r
        out[path] = (kind, r, alpha, scaling, fin, fout)
    return out


def expected_keys(peft, config, params):
    """The keys set_peft_model_state_dict can load for this config, with their shapes."""
    keys = {}
    layout = peft_layout(peft, config)
    for path, (kind, r, _, _, fin, fout) in layout.items():
        base = PREFIX + MODEL_PREFIX + path
        if kind == "embedding":
            keys[f"{base}.lora_embedding_A"] = (r, fin)
            keys[f"{base}.lora_embedding_B"] = (fout, r)
        else:
            keys[f"{base}.lora_A.weight"] = (r, fin)
            keys[f"{base}.lora_B.weight"] = (fout, r)
            if peft.get("use_dora"):
                keys[f"{base}.lora_magnitude_vector"] = (fout,)
    for name, value in params.items():  # biases and modules_to_save are the model's own keys
        module = name.rsplit(".", 1)[0]
        wrapped = module in layout
        key = PREFIX + MODEL_PREFIX + (f"{module}.base_layer.{name.rsplit('.', 1)[1]}" if wrapped else name)
        keys[key] = tuple(value.shape)
    return layout, keys


def adapters_from(peft, config, tensors, params):
    """Builds the adapters from a PEFT state dict, failing on missing or unexpected keys as a
    strict PEFT load would, and returns (adapters, params with loaded biases/modules_to_save)."""
    layout, allowed = expected_keys(peft, config, params)
    unexpected = [k for k in tensors if k not in allowed]
    if unexpected:
        raise ValueError(f"unexpected keys (PEFT would ignore them, leaving the adapter wrong): {unexpected}")
    for k, v in tensors.items():
        if tuple(v.shape) != tuple(allowed[k]):
            raise ValueError(f"{k}: shape {tuple(v.shape)}, PEFT expects {allowed[k]}")
    adapters = {}
    for path, (kind, r, alpha, scaling, fin, fout) in layout.items():
        base = PREFIX + MODEL_PREFIX + path
        suffix = ("lora_embedding_A", "lora_embedding_B") if kind == "embedding" else ("lora_A.weight", "lora_B.weight")
        missing = [f"{base}.{s}" for s in suffix if f"{base}.{s}" not in tensors]
        if missing:
            raise ValueError(f"missing keys: {missing}")
        mag = tensors.get(f"{base}.lora_magnitude_vector")
        if peft.get("use_dora") and kind != "embedding" and mag is None:
            raise ValueError(f"missing key {base}.lora_magnitude_vector")
        adapters[path] = LoraAdapter(
            tensors[f"{base}.{suffix[0]}"].to(torch.float64),
            tensors[f"{base}.{suffix[1]}"].to(torch.float64),
            scaling,
            None if mag is None else mag.to(torch.float64),
        )
    loaded = dict(params)
    for name in params:
        module, leaf = name.rsplit(".", 1)
        key = PREFIX + MODEL_PREFIX + (f"{module}.base_layer.{leaf}" if module in layout else name)
        if key in tensors:
            loaded[name] = tensors[key].to(torch.float64)
    return adapters, loaded


def peft_config(**fields):
    """adapter_config.json as LoraConfig.save_pretrained writes it (PEFT 0.13 field set)."""
    config = {
        "alpha_pattern": {},
        "auto_mapping": None,
        "base_model_name_or_path": "packages/transformer/test/fixtures/gpt2-tiny",
        "bias": "none",
        "fan_in_fan_out": True,
        "inference_mode": True,
        "init_lora_weights": True,
        "layer_replication": None,
        "layers_pattern": None,
        "layers_to_transform": None,
        "loftq_config": {},
        "lora_alpha": 8,
        "lora_dropout": 0.0,
        "megatron_config": None,
        "megatron_core": "megatron.core",
        "modules_to_save": None,
        "peft_type": "LORA",
        "r": 4,
        "rank_pattern": {},
        "revision": None,
        "target_modules": ["c_attn", "c_proj"],
        "task_type": "CAUSAL_LM",
        "use_dora": False,
        "use_rslora": False,
    }
    config.update(fields)
    return config


def random_adapter_tensors(peft, config, params, g):
    """Non-zero random LoRA tensors with PEFT's key names (DoRA magnitudes near ||W0 rows||)."""
    layout, _ = expected_keys(peft, config, {})
    tensors = {}
    for path, (kind, r, _, scaling, fin, fout) in layout.items():
        base = PREFIX + MODEL_PREFIX + path
        A = 0.3 * torch.randn(r, fin, generator=g)
        B = 0.3 * torch.randn(fout, r, generator=g)
        if kind == "embedding":
            tensors[f"{base}.lora_embedding_A"], tensors[f"{base}.lora_embedding_B"] = A, B
            continue
        tensors[f"{base}.lora_A.weight"], tensors[f"{base}.lora_B.weight"] = A, B
        if peft.get("use_dora"):
            W = params[f"{path}.weight"]
            norm = torch.linalg.norm(W.T + scaling * (B @ A), dim=1)
            tensors[f"{base}.lora_magnitude_vector"] = norm * (1 + 0.2 * torch.randn(fout, generator=g))
    return tensors


def write_fixture(name, peft, with_grads, perturb=None):
    params, config = load_tiny()
    g = torch.Generator().manual_seed(sum(map(ord, name)))
    tensors = random_adapter_tensors(peft, config, params, g)
    if perturb:
        tensors.update(perturb(params, g, peft_layout(peft, config)))
    adapters, loaded = adapters_from(peft, config, tensors, params)
    out = os.path.join(FIXTURES, name)
    write_json(os.path.join(out, "adapter_config.json"), peft)
    write_safetensors(os.path.join(out, "adapter_model.safetensors"), tensors, {"format": "pt"})

    ids, targets = tiny_inputs(config, g)
    leaves = {}
    for path, a in adapters.items():
        base = PREFIX + MODEL_PREFIX + path
        if with_grads:
            a.A.requires_grad_(True)
            a.B.requires_grad_(True)
            kind = "lora_embedding_" if path in ("wte", "wpe") else "lora_"
            suffix = "" if kind == "lora_embedding_" else ".weight"
            leaves[f"{base}.{kind}A{suffix}"] = a.A
            leaves[f"{base}.{kind}B{suffix}"] = a.B
            if a.magnitude is not None:
                a.magnitude.requires_grad_(True)
                leaves[f"{base}.lora_magnitude_vector"] = a.magnitude
    logits = gpt2_forward(loaded, config, ids, adapters)
    loss = lm_loss(logits, targets)
    golden = {"ids": ids, "targets": targets, "logits": logits.detach(), "loss": loss.detach().reshape(1)}
    if with_grads:
        loss.backward()
        for k, v in leaves.items():
            golden[f"grad.{k}"] = v.grad
    with torch.no_grad():
        base_logits = gpt2_forward(params, config, ids)
    golden["base_logits"] = base_logits
    write_safetensors(os.path.join(out, "golden.safetensors"), golden, {"format": "pt"})
    print(f"{name}: {len(tensors)} tensors, loss {loss.item():.12f}, |logits - base| {float((logits - base_logits).abs().max()):.3f}")


def bias_and_ln_f(params, g, layout):
    """bias="all" and modules_to_save=["ln_f"]: trained copies of every bias and of ln_f."""
    out = {}
    for name, value in params.items():
        module, leaf = name.rsplit(".", 1)
        if module == "ln_f":
            out[PREFIX + MODEL_PREFIX + name] = value + 0.1 * torch.randn(value.shape, generator=g)
        elif leaf == "bias":
            key = f"{module}.base_layer.bias" if module in layout else name
            out[PREFIX + MODEL_PREFIX + key] = value + 0.1 * torch.randn(value.shape, generator=g)
    return out


def check(directory):
    """Loads a typegrad-written adapter folder as PEFT would and compares logits."""
    params, config = load_tiny()
    with open(os.path.join(directory, "adapter_config.json")) as f:
        peft = json.load(f)
    assert peft.get("peft_type") == "LORA", f"peft_type {peft.get('peft_type')!r}"
    assert peft.get("task_type") == "CAUSAL_LM", f"task_type {peft.get('task_type')!r}"
    tensors = read_safetensors(os.path.join(directory, "adapter_model.safetensors"))
    adapters, loaded = adapters_from(peft, config, tensors, params)
    produced = read_safetensors(os.path.join(directory, "typegrad_logits.safetensors"))
    with torch.no_grad():
        logits = gpt2_forward(loaded, config, produced["ids"].to(torch.int64), adapters)
    expected = produced["logits"].to(torch.float64)
    err = float((logits - expected).abs().max() / expected.abs().max())
    print(f"{directory}: {len(adapters)} adapted modules, {len(tensors)} tensors, relative logits error {err:.3e}")
    return 0 if err < 1e-5 else 1


def main():
    torch.set_default_dtype(torch.float64)
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        return check(sys.argv[2])
    write_fixture("peft-lora", peft_config(lora_dropout=0.1), with_grads=True)
    write_fixture(
        "peft-dora",
        peft_config(
            target_modules=["c_attn", "c_fc"],
            layers_to_transform=[1],
            rank_pattern={"c_fc": 2},
            alpha_pattern={"c_fc": 3},
            use_dora=True,
            use_rslora=True,
        ),
        with_grads=True,
    )
    write_fixture(
        "peft-embedding-bias",
        peft_config(target_modules=["wte", "c_attn"], bias="all", modules_to_save=["ln_f"]),
        with_grads=False,
        perturb=bias_and_ln_f,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
